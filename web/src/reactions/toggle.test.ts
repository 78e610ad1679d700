import { describe, expect, it } from "vitest";
import { withReaction } from "./toggle";

const bobs = { __typename: "Reaction" as const, emoji: "👍", count: 1, reactedByViewer: false, users: [] };

describe("withReaction", () => {
  it("adds a new emoji at the end, the viewer's own", () => {
    expect(withReaction([bobs], "🎉", true)).toEqual([bobs, { ...bobs, emoji: "🎉", reactedByViewer: true }]);
  });

  it("joins an emoji others used, once", () => {
    const joined = withReaction([bobs], "👍", true);
    expect(joined).toEqual([{ ...bobs, count: 2, reactedByViewer: true }]);
    expect(withReaction(joined, "👍", true)).toBe(joined);
  });

  it("takes back the viewer's own, dropping an emoji nobody else used", () => {
    expect(withReaction([{ ...bobs, count: 2, reactedByViewer: true }], "👍", false)).toEqual([bobs]);
    expect(withReaction([{ ...bobs, reactedByViewer: true }], "👍", false)).toEqual([]);
    expect(withReaction([bobs], "👍", false)).toEqual([bobs]);
  });
});

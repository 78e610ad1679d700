import { describe, expect, it } from "vitest";
import { completeMention, mentionAtCaret, splitMentions } from "./mentionText";

const bob = { id: "u-bob", username: "bob" };

describe("splitMentions", () => {
  it("marks resolved mentions only, whatever their case", () => {
    expect(splitMentions("hi @Bob and @nobody, mail bob@example.com", [bob])).toEqual([
      { text: "hi ", mention: null },
      { text: "@Bob", mention: bob },
      { text: " and @nobody, mail bob@example.com", mention: null },
    ]);
  });

  it("leaves a sentence's full stop out of the mention", () => {
    expect(splitMentions("thanks @bob.", [bob])).toEqual([
      { text: "thanks ", mention: null },
      { text: "@bob", mention: bob },
      { text: ".", mention: null },
    ]);
  });

  it("keeps markup as text", () => {
    expect(splitMentions("<b>@bob</b>", [bob]).map((p) => p.text)).toEqual(["<b>", "@bob", "</b>"]);
  });
});

describe("mentionAtCaret and completeMention", () => {
  it("finds the @word being typed and completes it", () => {
    expect(mentionAtCaret("hello @Bo", 9)).toEqual({ start: 6, query: "bo" });
    expect(mentionAtCaret("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAtCaret("mail bob@ex", 11)).toBeNull();
    expect(mentionAtCaret("hello @bob done", 15)).toBeNull();
    expect(completeMention("hello @Bo!", 9, 6, "bob")).toEqual({ value: "hello @bob !", caret: 11 });
  });
});

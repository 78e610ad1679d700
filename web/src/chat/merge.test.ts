import { describe, expect, it } from "vitest";
import type { MessageFieldsFragment } from "../gql/graphql";
import type { OutboxEntry } from "../outbox/store";
import { firstGap, mergePages, timeline } from "./merge";

const m = (seq: number, clientMessageId: string | null = null) =>
  ({ id: `m${seq}`, seq, clientMessageId }) as MessageFieldsFragment;
const entry = (clientMessageId: string) =>
  ({ clientMessageId, conversationId: "c1", content: "hi", createdAt: 1 }) as OutboxEntry;

describe("history pages", () => {
  it("merge into one run in seq order, each message once", () => {
    expect(
      mergePages([
        [m(51), m(52)],
        [m(1), m(2), m(51)],
        [m(52), m(53)],
      ]).map((x) => x.seq),
    ).toEqual([1, 2, 51, 52, 53]);
  });

  it("find the first hole, or the missing tail up to the conversation's newest", () => {
    expect(firstGap([m(1), m(2), m(5)], 5)).toBe(2);
    expect(firstGap([m(1), m(2)], 4)).toBe(2);
    expect(firstGap([m(1), m(2)], 2)).toBeNull();
  });

  it("show an outbox entry until the server's message with its clientMessageId is there", () => {
    expect(timeline([m(1)], [entry("a")]).map((i) => i.kind)).toEqual(["message", "pending"]);
    expect(timeline([m(1), m(2, "a")], [entry("a")]).map((i) => i.kind)).toEqual(["message", "message"]);
  });
});

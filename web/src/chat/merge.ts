/** Pages of history merged into one run of messages, and what is missing from it. */
import type { MessageFieldsFragment } from "../gql/graphql";
import type { OutboxEntry } from "../outbox/store";

/** All messages of all pages, once each, in seq order. */
export function mergePages(pages: readonly (readonly MessageFieldsFragment[])[]): MessageFieldsFragment[] {
  const bySeq = new Map<number, MessageFieldsFragment>();
  for (const page of pages) for (const m of page) if (!bySeq.has(m.seq)) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The first seq after which messages are missing: a hole between two held messages, or the
 * tail up to `lastSeq` (the conversation's newest). Null when nothing is missing.
 */
export function firstGap(messages: readonly MessageFieldsFragment[], lastSeq: number): number | null {
  for (let i = 1; i < messages.length; i++) {
    if (messages[i].seq !== messages[i - 1].seq + 1) return messages[i - 1].seq;
  }
  const newest = messages[messages.length - 1]?.seq;
  if (newest !== undefined && newest < lastSeq) return newest;
  return null;
}

export type TimelineItem =
  { kind: "message"; message: MessageFieldsFragment } | { kind: "pending"; entry: OutboxEntry };

/** Confirmed messages, then what is still in the outbox (an entry the server has stored is shown once, as the message). */
export function timeline(messages: readonly MessageFieldsFragment[], pending: readonly OutboxEntry[]): TimelineItem[] {
  const confirmed = new Set(messages.map((m) => m.clientMessageId).filter(Boolean));
  return [
    ...messages.map((message) => ({ kind: "message" as const, message })),
    ...pending.filter((e) => !confirmed.has(e.clientMessageId)).map((entry) => ({ kind: "pending" as const, entry })),
  ];
}

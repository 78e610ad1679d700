/** What the chat keeps outside the cache: drafts per conversation and the outbox's entries. */
import { useMemo, useSyncExternalStore } from "react";
import { outbox } from "../outbox/instance";
import type { OutboxEntry } from "../outbox/store";

/** What is typed but not sent survives switching chats and reloads, per conversation. */
const draftKey = (conversationId: string) => `tidings:draft:${conversationId}`;

export function loadDraft(conversationId: string): string {
  return localStorage.getItem(draftKey(conversationId)) ?? "";
}

export function saveDraft(conversationId: string, text: string): void {
  if (text) localStorage.setItem(draftKey(conversationId), text);
  else localStorage.removeItem(draftKey(conversationId));
}
const subscribeOutbox = (listener: () => void) => outbox.subscribe(listener);
const outboxSnapshot = () => outbox.snapshot();

export function useOutbox(conversationId: string): OutboxEntry[] {
  const all = useSyncExternalStore(subscribeOutbox, outboxSnapshot);
  return useMemo(() => all.filter((e) => e.conversationId === conversationId), [all, conversationId]);
}

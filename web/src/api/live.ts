/** Client-side state that is not in the GraphQL cache: connection, lost access, typing. */
import { createStore } from "../util/store";

export type ConnectionState = "connecting" | "online" | "reconnecting" | "offline";

export const connectionState = createStore<ConnectionState>("connecting");

/** Conversations the viewer lost access to (NOT_IN_CONVERSATION, or left/removed). */
export const goneConversations = createStore<ReadonlySet<string>>(new Set());

export function markGone(conversationId: string): void {
  const gone = goneConversations.get();
  if (gone.has(conversationId)) return;
  goneConversations.set(new Set([...gone, conversationId]));
}

/** Added back (re-invited to a group): the conversation shows again. */
export function unmarkGone(conversationId: string): void {
  const gone = goneConversations.get();
  if (!gone.has(conversationId)) return;
  const next = new Set(gone);
  next.delete(conversationId);
  goneConversations.set(next);
}

export interface Typist {
  userId: string;
  displayName: string;
  until: number;
}

/** Who is typing where: conversationId → typists (expire on their own after 6 s). */
export const typingState = createStore<ReadonlyMap<string, readonly Typist[]>>(new Map());

const TYPING_TTL_MS = 6_000;

export function applyTyping(
  conversationId: string,
  userId: string,
  displayName: string,
  isTyping: boolean,
  now = Date.now(),
): void {
  const next = new Map(typingState.get());
  const others = (next.get(conversationId) ?? []).filter((t) => t.userId !== userId && t.until > now);
  if (isTyping) others.push({ userId, displayName, until: now + TYPING_TTL_MS });
  if (others.length) next.set(conversationId, others);
  else next.delete(conversationId);
  typingState.set(next);
}

/** Drop expired typists (called on a timer). */
export function expireTyping(now = Date.now()): void {
  const current = typingState.get();
  let changed = false;
  const next = new Map<string, readonly Typist[]>();
  for (const [cid, typists] of current) {
    const alive = typists.filter((t) => t.until > now);
    if (alive.length !== typists.length) changed = true;
    if (alive.length) next.set(cid, alive);
  }
  if (changed) typingState.set(next);
}

/** Fired after the socket came back: catch up (list refetch, gap fills, outbox). */
export const reconnects = createStore(0);

/**
 * The normalized cache (Graphcache) and the updaters that keep it true as events arrive:
 * messages go into the newest page in seq order exactly once (subscription, mutation result
 * and a reconnect's catch-up may all carry the same message), the conversation moves to the
 * top of the list, and unread counts follow new messages, read marks and other devices.
 */
import {
  offlineExchange,
  type Cache,
  type CacheExchangeOpts,
  type DataField,
  type DataFields,
} from "@urql/exchange-graphcache";
import { makeDefaultStorage } from "@urql/exchange-graphcache/default-storage";
import { graphql } from "../gql";
import type {
  ConversationFieldsFragment,
  ConversationsQuery as ConversationsData,
  MessageFieldsFragment,
  MessagesQuery as MessagesData,
  ReceiptUpdatedSubscription as ReceiptData,
} from "../gql/graphql";
import { ConversationFields, ConversationsQuery, MessageFields, MessagesQuery } from "./operations";
import { withReaction } from "../reactions/toggle";
import { markGone, unmarkGone } from "./live";
import { conversationsVars, newestPage } from "./pages";
import { optimisticState, placeByState, reviveArchived, STATE_MUTATIONS } from "../list/viewerState";

const ConversationHead = graphql(`
  fragment ConversationHead on Conversation {
    id
    unreadCount
    unreadMentionCount
    lastMessageAt
    lastMessage {
      id
      seq
    }
  }
`);

const MessageCounts = graphql(`
  fragment MessageCounts on Message {
    id
    status
    deliveredCount
    readCount
    recipientCount
  }
`);

const PresenceOfUser = graphql(`
  fragment PresenceOfUser on User {
    id
    presence {
      status
      lastSeenAt
    }
  }
`);

type Edge = MessagesData["messages"]["edges"][number];

/** Insert `message` into `edges` by seq; unchanged (same array) when it is already there. */
export function insertBySeq(edges: Edge[], message: MessageFieldsFragment): Edge[] {
  if (edges.some((e) => e.node.id === message.id || e.node.seq === message.seq)) return edges;
  const edge: Edge = { __typename: "MessageEdge", cursor: message.cursor, node: message };
  const at = edges.findIndex((e) => e.node.seq > message.seq);
  return at === -1 ? [...edges, edge] : [...edges.slice(0, at), edge, ...edges.slice(at)];
}

function conversationKey(id: string): string {
  return `Conversation:${id}`;
}

/** Unread messages after `readSeq` in the cached newest page, and how many of them mention the
 * viewer, or null if it cannot tell. */
function unreadAfter(
  cache: Cache,
  conversationId: string,
  readSeq: number,
  viewerId: string,
): { messages: number; mentions: number } | null {
  const head = cache.readFragment(ConversationHead, conversationKey(conversationId));
  const lastSeq = head?.lastMessage?.seq ?? 0;
  if (readSeq >= lastSeq) return { messages: 0, mentions: 0 };
  const page = cache.readQuery({ query: MessagesQuery, variables: newestPage(conversationId) });
  const edges = page?.messages.edges ?? [];
  const first = edges[0]?.node.seq;
  const last = edges[edges.length - 1]?.node.seq;
  // Counted only from a page that holds every message after the mark: one answered before the
  // newest message came (its query was in flight) would count too few.
  if (first === undefined || first > readSeq + 1 || last === undefined || last < lastSeq) return null;
  const unread = edges.filter((e) => e.node.seq > readSeq && e.node.sender.id !== viewerId && !e.node.deletedAt);
  return {
    messages: unread.length,
    mentions: unread.filter((e) => e.node.mentions.some((u) => u.id === viewerId)).length,
  };
}

/** A message arrived (live, as a mutation result, or replayed): add it once, everywhere. */
export function addMessage(cache: Cache, message: MessageFieldsFragment, viewerId: string): void {
  const cid = message.conversationId;
  cache.updateQuery({ query: MessagesQuery, variables: newestPage(cid) }, (data) => {
    if (!data) return null;
    const edges = insertBySeq(data.messages.edges, message);
    if (edges === data.messages.edges) return data;
    return { ...data, messages: { ...data.messages, edges } };
  });
  const head = cache.readFragment(ConversationHead, conversationKey(cid));
  if (!head) {
    // A conversation we have not seen (just joined): the list fetches it again.
    cache.invalidate("Query", "conversations", conversationsVars);
    return;
  }
  const lastSeq = head.lastMessage?.seq ?? 0;
  if (message.seq <= lastSeq) return; // old news: counted already
  const fromOther = message.sender.id !== viewerId && !message.deletedAt;
  const mentionsMe = fromOther && message.mentions.some((u) => u.id === viewerId);
  cache.writeFragment(ConversationHead, {
    __typename: "Conversation",
    id: cid,
    unreadCount: fromOther ? head.unreadCount + 1 : head.unreadCount,
    unreadMentionCount: mentionsMe ? head.unreadMentionCount + 1 : head.unreadMentionCount,
    lastMessageAt: message.createdAt,
    lastMessage: { __typename: "Message", id: message.id, seq: message.seq },
  });
  if (fromOther) reviveArchived(cache, cid);
  moveToTop(cache, cid);
}

function moveToTop(cache: Cache, conversationId: string): void {
  cache.updateQuery({ query: ConversationsQuery, variables: conversationsVars }, (data) => {
    if (!data) return null;
    const edges = data.conversations.edges;
    const at = edges.findIndex((e) => e.node.id === conversationId);
    if (at === 0) return data;
    if (at === -1) {
      // Known from a later page of the list: it comes to the top of the first.
      const node = cache.readFragment(ConversationFields, conversationKey(conversationId));
      if (!node) return data;
      const edge = { __typename: "ConversationEdge" as const, cursor: "", node };
      return { ...data, conversations: { ...data.conversations, edges: [edge, ...edges] } };
    }
    const moved = [edges[at], ...edges.slice(0, at), ...edges.slice(at + 1)];
    return { ...data, conversations: { ...data.conversations, edges: moved } };
  });
}

/** A conversation was created, joined, renamed or changed members. */
export function upsertConversation(cache: Cache, conversation: ConversationFieldsFragment, viewerId: string): void {
  const stillIn = conversation.participants.some((p) => p.user.id === viewerId);
  if (!stillIn) {
    removeConversation(cache, conversation.id);
    return;
  }
  unmarkGone(conversation.id);
  cache.updateQuery({ query: ConversationsQuery, variables: conversationsVars }, (data) => {
    if (!data) return null;
    if (data.conversations.edges.some((e) => e.node.id === conversation.id)) return data;
    const edge = { __typename: "ConversationEdge" as const, cursor: "", node: conversation };
    return { ...data, conversations: { ...data.conversations, edges: [edge, ...data.conversations.edges] } };
  });
}

export function removeConversation(cache: Cache, conversationId: string): void {
  markGone(conversationId);
  cache.updateQuery({ query: ConversationsQuery, variables: conversationsVars }, (data) => {
    if (!data) return null;
    const edges = data.conversations.edges.filter((e) => e.node.id !== conversationId);
    return { ...data, conversations: { ...data.conversations, edges } };
  });
}

/** The viewer's read mark moved (this device or another): the badge follows. */
export function applyReadMark(cache: Cache, conversationId: string, readSeq: number, viewerId: string): void {
  noteReadMark(cache, conversationId, readSeq, viewerId);
  const unread = unreadAfter(cache, conversationId, readSeq, viewerId);
  if (unread !== null) writeUnread(cache, conversationId, unread);
}

/** The badges' counts, written only when they change. */
function writeUnread(cache: Cache, conversationId: string, unread: { messages: number; mentions: number }): void {
  const head = cache.readFragment(ConversationHead, conversationKey(conversationId));
  if (!head || (head.unreadCount === unread.messages && head.unreadMentionCount === unread.mentions)) return;
  cache.writeFragment(ConversationHead, {
    ...head,
    __typename: "Conversation",
    unreadCount: unread.messages,
    unreadMentionCount: unread.mentions,
  });
}

/** A message was edited or deleted. An unread one may have gained or lost a mention of the
 * viewer, or stopped counting at all (a deletion): the badge is counted again from the cached
 * page, from the viewer's read mark. A message already read changes nothing. Where this device
 * holds no page to count from (a conversation seen only in the list), the server counts: the
 * badge's fields are dropped from the cache, and the list asks for them again. */
export function recountUnread(cache: Cache, message: MessageFieldsFragment, viewerId: string): void {
  const cid = message.conversationId;
  const mark = viewerMembership(cache, cid, viewerId)?.mine.lastReadSeq ?? null;
  if (mark === null || message.seq <= mark) return;
  const unread = unreadAfter(cache, cid, mark, viewerId);
  if (unread === null) {
    cache.invalidate(conversationKey(cid), "unreadCount");
    cache.invalidate(conversationKey(cid), "unreadMentionCount");
    return;
  }
  writeUnread(cache, cid, unread);
}

/** The conversation as the cache holds it, and the viewer's place in its participants (where
 * the viewer's read mark is kept). */
function viewerMembership(cache: Cache, conversationId: string, viewerId: string) {
  const conversation = cache.readFragment(ConversationFields, conversationKey(conversationId));
  const mine = conversation?.participants.find((p) => p.user.id === viewerId);
  return conversation && mine ? { conversation, mine: { ...mine, lastReadSeq: mine.lastReadSeq ?? 0 } } : null;
}

/** Keep the viewer's read mark in the conversation's participants current (it only moves up). */
function noteReadMark(cache: Cache, conversationId: string, readSeq: number, viewerId: string): void {
  const found = viewerMembership(cache, conversationId, viewerId);
  if (!found || found.mine.lastReadSeq >= readSeq) return;
  const { conversation } = found;
  const participants = conversation.participants.map((p) =>
    p.user.id === viewerId ? { ...p, lastReadSeq: readSeq } : p,
  );
  cache.writeFragment(ConversationFields, { ...conversation, participants });
}

function statusOf(counts: { deliveredCount: number; readCount: number; recipientCount: number }) {
  if (counts.recipientCount > 0 && counts.readCount >= counts.recipientCount) return "READ" as const;
  if (counts.recipientCount > 0 && counts.deliveredCount >= counts.recipientCount) return "DELIVERED" as const;
  return "SENT" as const;
}

const RANK = { SENT: 0, DELIVERED: 1, READ: 2 } as const;

type Counts = { deliveredCount: number; readCount: number; recipientCount: number };

// The counts receipts told of, per message: a floor under what the cache holds. A receipt can
// overtake the sendMessage reply of the very message it counts (a fast reader in a group), and
// that reply, written later, carries older counts; the resolvers below never show less.
const heardCounts = new Map<string, Counts>();
const HEARD_COUNTS_KEPT = 2000;

function hear(messageId: string, count: Counts): void {
  const earlier = heardCounts.get(messageId);
  heardCounts.delete(messageId); // re-inserted last: the map drops the least recently heard
  heardCounts.set(messageId, {
    deliveredCount: Math.max(earlier?.deliveredCount ?? 0, count.deliveredCount),
    readCount: Math.max(earlier?.readCount ?? 0, count.readCount),
    recipientCount: count.recipientCount,
  });
  if (heardCounts.size > HEARD_COUNTS_KEPT) {
    const oldest = heardCounts.keys().next().value;
    if (oldest !== undefined) heardCounts.delete(oldest);
  }
}

export function applyReceipts(cache: Cache, update: ReceiptData["receiptUpdated"], viewerId: string): void {
  for (const count of update.counts) {
    hear(count.messageId, count);
    const current = cache.readFragment(MessageCounts, `Message:${count.messageId}`);
    if (!current) continue; // not here yet: the resolvers apply what was heard when it is
    const derived = statusOf(count);
    const status = RANK[derived] > RANK[current.status] ? derived : current.status;
    cache.writeFragment(MessageCounts, {
      __typename: "Message",
      id: count.messageId,
      status,
      deliveredCount: Math.max(current.deliveredCount, count.deliveredCount),
      readCount: Math.max(current.readCount, count.readCount),
      recipientCount: count.recipientCount,
    });
  }
  for (const receipt of update.receipts) {
    if (receipt.user.id === viewerId) applyReadMark(cache, update.conversationId, receipt.lastReadSeq, viewerId);
  }
}

/** Message fields read through the counts heard from receipts (see ``heardCounts``). */
const messageResolvers = {
  status(parent: DataFields) {
    const stored = parent.status as keyof typeof RANK | undefined;
    const heard = heardCounts.get(parent.id as string);
    if (stored === undefined || !heard) return stored;
    const derived = statusOf(heard);
    return RANK[derived] > RANK[stored] ? derived : stored;
  },
  deliveredCount(parent: DataFields) {
    return floor(parent.deliveredCount, heardCounts.get(parent.id as string)?.deliveredCount);
  },
  readCount(parent: DataFields) {
    return floor(parent.readCount, heardCounts.get(parent.id as string)?.readCount);
  },
};

function floor(stored: DataField | undefined, heard: number | undefined): DataField | undefined {
  return typeof stored === "number" && heard !== undefined ? Math.max(stored, heard) : stored;
}

function seqOf(cache: Cache, messageId: string): number | null {
  const seq = cache.resolve({ __typename: "Message", id: messageId }, "seq");
  return typeof seq === "number" ? seq : null;
}

/** The Graphcache configuration; `viewerId` names whose messages do not count as unread. */
export function cacheConfig(viewerId: () => string): CacheExchangeOpts {
  return {
    keys: {
      Viewer: () => "me",
      Settings: () => null,
      Presence: () => null,
      Participant: () => null,
      ConversationViewerState: () => null,
      MessageRead: () => null,
      Reaction: () => null,
      PageInfo: () => null,
      MessageEdge: () => null,
      ConversationEdge: () => null,
      ConversationConnection: () => null,
      MessageConnection: () => null,
      AuthPayload: () => null,
      ReceiptUpdate: () => null,
      ParticipantReceipt: () => null,
      MessageReceiptCount: () => null,
      TypingEvent: () => null,
      PresenceEvent: () => null,
      SearchResultConnection: () => null,
      SearchResultEdge: () => null,
      SearchResult: () => null,
      SnippetPart: () => null,
    },
    resolvers: {
      Query: {
        conversation: (_parent, args) => ({ __typename: "Conversation", id: args.id as string }),
      },
      Message: messageResolvers,
    },
    updates: {
      Subscription: {
        messageAdded(result, _args, cache) {
          addMessage(cache, result.messageAdded as MessageFieldsFragment, viewerId());
        },
        messageUpdated(result, _args, cache) {
          recountUnread(cache, result.messageUpdated as MessageFieldsFragment, viewerId());
        },
        conversationUpdated(result, _args, cache) {
          const conversation = result.conversationUpdated as ConversationFieldsFragment;
          upsertConversation(cache, conversation, viewerId());
          // Muted, archived or pinned on another device: into the list its state says.
          const stillIn = conversation.participants.some((p) => p.user.id === viewerId());
          if (stillIn) placeByState(cache, conversation);
        },
        receiptUpdated(result, _args, cache) {
          applyReceipts(cache, result.receiptUpdated as ReceiptData["receiptUpdated"], viewerId());
        },
        presenceChanged(result, _args, cache) {
          const event = result.presenceChanged as {
            user: { id: string };
            status: "ONLINE" | "AWAY" | "BUSY" | "OFFLINE";
            lastSeenAt?: string | null;
          };
          cache.writeFragment(PresenceOfUser, {
            __typename: "User",
            id: event.user.id,
            presence: { __typename: "Presence", status: event.status, lastSeenAt: event.lastSeenAt ?? null },
          });
        },
      },
      Mutation: {
        sendMessage(result, _args, cache) {
          if (result.sendMessage) addMessage(cache, result.sendMessage as MessageFieldsFragment, viewerId());
        },
        createConversation(result, _args, cache) {
          if (result.createConversation) {
            upsertConversation(cache, result.createConversation as ConversationFieldsFragment, viewerId());
          }
        },
        ...Object.fromEntries(
          STATE_MUTATIONS.map((name) => [
            name,
            (result: DataFields, _args: unknown, cache: Cache) => {
              const conversation = result[name] as ConversationFieldsFragment | null;
              if (conversation) placeByState(cache, conversation);
            },
          ]),
        ),
        markRead(_result, args, cache) {
          const seq = seqOf(cache, args.messageId as string);
          if (seq !== null) applyReadMark(cache, args.conversationId as string, seq, viewerId());
        },
      },
    },
    optimistic: {
      ...optimisticState,
      markRead(args, cache) {
        const seq = seqOf(cache, args.messageId as string);
        if (seq !== null) applyReadMark(cache, args.conversationId as string, seq, viewerId());
        return { __typename: "Participant", lastReadSeq: seq, lastReadAt: new Date().toISOString() };
      },
      editMessage(args, cache) {
        const current = cache.readFragment(MessageFields, `Message:${args.messageId as string}`);
        if (!current) return null;
        return { ...current, content: args.content as string, editedAt: new Date().toISOString() };
      },
      deleteMessage(args, cache) {
        const current = cache.readFragment(MessageFields, `Message:${args.messageId as string}`);
        if (!current) return null;
        return { ...current, content: "", deletedAt: new Date().toISOString(), reactions: [] };
      },
      addReaction(args, cache) {
        const current = cache.readFragment(MessageFields, `Message:${args.messageId as string}`);
        if (!current) return null;
        return { ...current, reactions: withReaction(current.reactions, args.emoji as string, true) };
      },
      removeReaction(args, cache) {
        const current = cache.readFragment(MessageFields, `Message:${args.messageId as string}`);
        if (!current) return null;
        return { ...current, reactions: withReaction(current.reactions, args.emoji as string, false) };
      },
    },
  };
}

/**
 * The cache, kept in IndexedDB per user (`tidings-cache:<userId>`) so that a reload without a
 * server still shows the conversations, their history and what waits in the outbox.
 * Optimistic mutations made offline (markRead, edits, deletions) are replayed once back.
 */
export function makeCacheExchange(userId: string, viewerId: () => string) {
  const storage = makeDefaultStorage({ idbName: `tidings-cache:${userId}`, maxAge: 7 });
  return { exchange: offlineExchange({ ...cacheConfig(viewerId), storage }), storage };
}

export type { ConversationsData };

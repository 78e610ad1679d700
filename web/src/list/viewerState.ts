/**
 * The viewer's own mute, archive and pin of each conversation: the mutations, the Archived
 * view's query, and how the cache keeps both lists right when the state changes here, on
 * another device (conversationUpdated) or because a message brought an archived one back.
 */
import type { Cache } from "@urql/exchange-graphcache";
import { graphql } from "../gql";
import type { ConversationFieldsFragment } from "../gql/graphql";
import { ConversationFields, ConversationsQuery } from "../api/operations";
import { conversationsVars } from "../api/pages";

export const ArchivedConversationsQuery = graphql(`
  query ArchivedConversations($first: Int = 100) {
    conversations(first: $first, filter: { archived: true }) {
      edges {
        cursor
        node {
          ...ConversationFields
        }
      }
    }
  }
`);

export const archivedVars = { first: 100 };

export const MuteConversationMutation = graphql(`
  mutation MuteConversation($conversationId: ID!, $until: DateTime) {
    muteConversation(conversationId: $conversationId, until: $until) {
      ...ConversationFields
    }
  }
`);

export const UnmuteConversationMutation = graphql(`
  mutation UnmuteConversation($conversationId: ID!) {
    unmuteConversation(conversationId: $conversationId) {
      ...ConversationFields
    }
  }
`);

export const ArchiveConversationMutation = graphql(`
  mutation ArchiveConversation($conversationId: ID!) {
    archiveConversation(conversationId: $conversationId) {
      ...ConversationFields
    }
  }
`);

export const UnarchiveConversationMutation = graphql(`
  mutation UnarchiveConversation($conversationId: ID!) {
    unarchiveConversation(conversationId: $conversationId) {
      ...ConversationFields
    }
  }
`);

export const PinConversationMutation = graphql(`
  mutation PinConversation($conversationId: ID!) {
    pinConversation(conversationId: $conversationId) {
      ...ConversationFields
    }
  }
`);

export const UnpinConversationMutation = graphql(`
  mutation UnpinConversation($conversationId: ID!) {
    unpinConversation(conversationId: $conversationId) {
      ...ConversationFields
    }
  }
`);

/** The mutations whose result is the conversation with its new viewerState. */
export const STATE_MUTATIONS = [
  "muteConversation",
  "unmuteConversation",
  "archiveConversation",
  "unarchiveConversation",
  "pinConversation",
  "unpinConversation",
] as const;

type State = ConversationFieldsFragment["viewerState"];

/** Muted now: a mute whose end has passed is over (the server says the same on its next answer). */
export function mutedNow(state: State, now: number = Date.now()): boolean {
  return state.muted && (!state.mutedUntil || Date.parse(state.mutedUntil) > now);
}

/** The list as shown: archived ones left out, pinned ones first (latest pin first), the rest in
 * the order they came (latest activity first). */
export function forList(conversations: ConversationFieldsFragment[], archived: boolean): ConversationFieldsFragment[] {
  const shown = conversations.filter((c) => c.viewerState.archived === archived);
  const pinned = shown
    .filter((c) => c.viewerState.pinned)
    .sort((a, b) => (b.viewerState.pinnedAt ?? "").localeCompare(a.viewerState.pinnedAt ?? ""));
  return [...pinned, ...shown.filter((c) => !c.viewerState.pinned)];
}

type ListData = { conversations: { edges: { node: ConversationFieldsFragment }[] } };

function place<T extends ListData>(
  data: T | null,
  conversation: ConversationFieldsFragment,
  present: boolean,
): T | null {
  if (!data) return null;
  const edges = data.conversations.edges;
  const there = edges.some((e) => e.node.id === conversation.id);
  if (there === present) return data;
  const next = present
    ? [{ __typename: "ConversationEdge" as const, cursor: "", node: conversation }, ...edges]
    : edges.filter((e) => e.node.id !== conversation.id);
  return { ...data, conversations: { ...data.conversations, edges: next } };
}

/** Put the conversation in the list its state says (the inbox or the Archived view), out of
 * the other. Its place within the list is the list's own order (forList). */
export function placeByState(cache: Cache, conversation: ConversationFieldsFragment): void {
  const archived = conversation.viewerState.archived;
  cache.updateQuery({ query: ConversationsQuery, variables: conversationsVars }, (data) =>
    place(data, conversation, !archived),
  );
  cache.updateQuery({ query: ArchivedConversationsQuery, variables: archivedVars }, (data) =>
    place(data, conversation, archived),
  );
}

/** A message from someone else arrived: an archived conversation that is not muted comes back
 * (the server decides the same; this shows it without asking). */
export function reviveArchived(cache: Cache, conversationId: string): void {
  const conversation = cache.readFragment(ConversationFields, `Conversation:${conversationId}`);
  if (!conversation || !conversation.viewerState.archived || mutedNow(conversation.viewerState)) return;
  const revived = { ...conversation, viewerState: { ...conversation.viewerState, archived: false } };
  cache.writeFragment(ConversationFields, revived);
  placeByState(cache, revived);
}

type StateChange = (state: State, args: Record<string, unknown>, now: string) => Partial<State>;

// What each mutation does to the state, shown at once (and offline, replayed once back); the
// server's answer replaces it, or undoes it on an error (a sixth pin).
const CHANGES: Record<(typeof STATE_MUTATIONS)[number], StateChange> = {
  muteConversation: (_, args) => ({ muted: true, mutedUntil: (args.until as string | null | undefined) ?? null }),
  unmuteConversation: () => ({ muted: false, mutedUntil: null }),
  archiveConversation: () => ({ archived: true, pinned: false, pinnedAt: null }),
  unarchiveConversation: () => ({ archived: false }),
  pinConversation: (state, _, now) => (state.pinned ? {} : { pinned: true, pinnedAt: now, archived: false }),
  unpinConversation: () => ({ pinned: false, pinnedAt: null }),
};

/** Graphcache's optimistic results for the six mutations: the cached conversation with its
 * state changed (none when the conversation is not cached). */
export const optimisticState = Object.fromEntries(
  STATE_MUTATIONS.map((name) => [
    name,
    (args: Record<string, unknown>, cache: Cache) => {
      const conversation = cache.readFragment(ConversationFields, `Conversation:${args.conversationId as string}`);
      if (!conversation) return null;
      const change = CHANGES[name](conversation.viewerState, args, new Date().toISOString());
      return { ...conversation, viewerState: { ...conversation.viewerState, ...change } };
    },
  ]),
);

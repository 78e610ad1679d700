/** The variables of history pages, shared by the chat view and the cache updaters. */
import type { MessagesQueryVariables } from "../gql/graphql";

export const PAGE_SIZE = 50;
export const FILL_SIZE = 100;
export const CONVERSATIONS_PAGE = 100;

/** The newest page of a conversation: live messages are added to it. */
export function newestPage(conversationId: string): MessagesQueryVariables {
  return { conversationId, last: PAGE_SIZE };
}

export function olderPage(conversationId: string, before: string): MessagesQueryVariables {
  return { conversationId, last: PAGE_SIZE, before };
}

/** What came after `afterSeq` (a gap after a reconnect). */
export function fillPage(conversationId: string, afterSeq: number): MessagesQueryVariables {
  return { conversationId, first: FILL_SIZE, afterSeq };
}

export const conversationsVars = { first: CONVERSATIONS_PAGE };

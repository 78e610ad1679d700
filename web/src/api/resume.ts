/**
 * Resuming the inbox-wide `messageAdded` after a reconnect: the highest seq this client holds
 * per conversation goes into `afterSeqs`, and the server replays what came after each before it
 * goes live. Replayed messages the cache holds already are dropped there (merged by seq).
 */
import type { Client } from "urql";
import { graphql } from "../gql";
import type { ConversationSeqInput } from "../gql/graphql";
import { conversationsVars, newestPage } from "./pages";

// Read from the cache only, never sent. They are documents of their own because urql's
// readQuery answers nothing for a query that is active (the list, the open chat's newest page):
// these read the same cached fields under other operation keys.
const HeldLastMessages = graphql(`
  query HeldLastMessages($first: Int) {
    conversations(first: $first) {
      edges {
        node {
          id
          lastMessage {
            id
            seq
          }
        }
      }
    }
  }
`);

const HeldNewestPage = graphql(`
  query HeldNewestPage($conversationId: ID!, $last: Int) {
    messages(conversationId: $conversationId, last: $last) {
      edges {
        node {
          id
          seq
        }
      }
    }
  }
`);

/** The server takes at most this many marks (one per conversation). */
export const MAX_RESUME_MARKS = 1000;

/**
 * Per conversation in the cached list, the highest seq held: its last message, or the newest
 * message of its newest page when that is further on. A conversation without messages resumes
 * after 0 (everything it got meanwhile). Empty when the cache holds no list.
 */
export function heldSeqs(client: Client): ConversationSeqInput[] {
  const cacheOnly = { requestPolicy: "cache-only" } as const;
  const list = client.readQuery(HeldLastMessages, conversationsVars, cacheOnly);
  const marks: ConversationSeqInput[] = [];
  for (const edge of list?.data?.conversations.edges ?? []) {
    const conversationId = edge.node.id;
    const page = client.readQuery(HeldNewestPage, newestPage(conversationId), cacheOnly);
    const edges = page?.data?.messages.edges ?? [];
    const newest = edges.length ? edges[edges.length - 1].node.seq : 0;
    marks.push({ conversationId, seq: Math.max(edge.node.lastMessage?.seq ?? 0, newest) });
    if (marks.length === MAX_RESUME_MARKS) break;
  }
  return marks;
}

/**
 * The operation context key of a subscription that resumes: a function giving the variables to
 * add whenever the subscription is (re)sent on a socket after the first (see client.ts).
 */
export const RESUME = "resumeVariables";

export type ResumeVariables = () => Record<string, unknown>;

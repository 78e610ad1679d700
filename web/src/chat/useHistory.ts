/**
 * A conversation's history as pages of `messages`: the newest page (which live messages join),
 * older pages loaded by scrolling up (before: the oldest cursor held), and catch-up pages
 * (afterSeq) that fill any hole, e.g. what came while the socket was down. Each page stays bound
 * to the cache, so edits, deletions and ticks show as they happen.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { CombinedError, useClient, type Operation } from "urql";
import { reconnects } from "../api/live";
import { MessagesQuery } from "../api/operations";
import { FILL_SIZE, fillPage, newestPage, olderPage } from "../api/pages";
import type { MessageFieldsFragment, MessagesQueryVariables } from "../gql/graphql";
import { useStore } from "../util/store";
import { firstGap, mergePages } from "./merge";

interface PageState {
  messages: MessageFieldsFragment[];
  hasPreviousPage: boolean;
  fetching: boolean;
  error?: CombinedError;
}

const keyOf = (v: MessagesQueryVariables) => JSON.stringify(v);

/**
 * A page the server could not be asked for. Graphcache's offlineExchange answers a query that
 * failed for want of a network with no error: it asks the cache again ("cache-only"), and a
 * page never cached comes back empty. Without this it would look like loading for ever.
 */
function unreachable(operation: Operation): CombinedError | undefined {
  if (operation.context.requestPolicy !== "cache-only") return undefined;
  return new CombinedError({ networkError: new Error("Couldn't reach the server") });
}

export interface History {
  messages: MessageFieldsFragment[];
  loading: boolean;
  error: CombinedError | undefined;
  loadingOlder: boolean;
  hasOlder: boolean;
  loadOlder(): void;
  /** Load the messages around `seq` (a search result far back); the hole up to the newest
   * page then fills as any hole does. */
  loadAround(seq: number): void;
  /** Every page asked for has been answered (or failed). */
  settled: boolean;
  olderError: CombinedError | undefined;
  retryOlder(): void;
  retry(): void;
}

export function useHistory(conversationId: string, lastSeq: number): History {
  const client = useClient();
  const [pages, setPages] = useState<MessagesQueryVariables[]>(() => [newestPage(conversationId)]);
  const [states, setStates] = useState<Record<string, PageState>>({});
  const subscriptions = useRef(new Map<string, { unsubscribe(): void }>());
  const reconnected = useStore(reconnects);

  // Follow each page in the cache (new pages only; all are dropped with the conversation).
  useEffect(() => {
    for (const vars of pages) {
      const key = keyOf(vars);
      if (subscriptions.current.has(key)) continue;
      const newest = vars.before == null && vars.afterSeq == null;
      const sub = client
        .query(MessagesQuery, vars, { requestPolicy: newest ? "cache-and-network" : "cache-first" })
        .subscribe((result) => {
          const error = result.data ? undefined : (result.error ?? unreachable(result.operation));
          setStates((s) => ({
            ...s,
            [key]: {
              messages: result.data?.messages.edges.map((e) => e.node) ?? s[key]?.messages ?? [],
              hasPreviousPage: result.data?.messages.pageInfo.hasPreviousPage ?? s[key]?.hasPreviousPage ?? true,
              fetching: !result.data && !error,
              error,
            },
          }));
        });
      subscriptions.current.set(key, sub);
    }
  }, [client, pages]);

  useEffect(() => {
    const subs = subscriptions.current;
    return () => {
      for (const sub of subs.values()) sub.unsubscribe();
      subs.clear();
    };
  }, []);

  // After a reconnect the newest page is asked again; holes are then filled below.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void client.query(MessagesQuery, newestPage(conversationId), { requestPolicy: "network-only" }).toPromise();
  }, [client, conversationId, reconnected]);

  const loaded = pages.map((v) => states[keyOf(v)]);
  const messages = useMemo(() => mergePages(loaded.map((s) => s?.messages ?? [])), [loaded]);
  const newestState = states[keyOf(newestPage(conversationId))];
  const anyFetching = loaded.some((s) => !s || s.fetching);

  // Fill the first hole, one page at a time, each afterSeq asked once.
  const gap = newestState && !anyFetching ? firstGap(messages, lastSeq) : null;
  if (gap !== null) {
    const vars = fillPage(conversationId, gap);
    // Adjusting state while rendering (React's pattern for derived state): at most once per afterSeq.
    if (!pages.some((v) => keyOf(v) === keyOf(vars))) setPages([...pages, vars]);
  }

  const olderPages = pages.filter((v) => v.before != null);
  const oldestOlder = olderPages[olderPages.length - 1];
  const oldestState = oldestOlder ? states[keyOf(oldestOlder)] : newestState;
  const hasOlder = oldestState ? oldestState.hasPreviousPage && (messages[0]?.seq ?? 1) > 1 : false;
  const loadingOlder = !!oldestOlder && (!states[keyOf(oldestOlder)] || states[keyOf(oldestOlder)].fetching);
  const olderError = oldestOlder ? states[keyOf(oldestOlder)]?.error : undefined;

  const loadOlder = useCallback(() => {
    const oldest = messages[0];
    if (!oldest || loadingOlder || !hasOlder) return;
    const vars = olderPage(conversationId, oldest.cursor);
    setPages((current) => (current.some((v) => keyOf(v) === keyOf(vars)) ? current : [...current, vars]));
  }, [messages, loadingOlder, hasOlder, conversationId]);

  const loadAround = useCallback(
    (seq: number) => {
      const vars = fillPage(conversationId, Math.max(0, seq - FILL_SIZE / 2));
      setPages((current) => (current.some((v) => keyOf(v) === keyOf(vars)) ? current : [...current, vars]));
    },
    [conversationId],
  );

  const retryOlder = useCallback(() => {
    if (oldestOlder) void client.query(MessagesQuery, oldestOlder, { requestPolicy: "network-only" }).toPromise();
  }, [client, oldestOlder]);

  // Loading again (skeletons, not the error) until the answer, or the next failure, comes.
  const [retrying, setRetrying] = useState(false);
  const retry = useCallback(() => {
    setRetrying(true);
    const asked = pages.map((vars) => client.query(MessagesQuery, vars, { requestPolicy: "network-only" }).toPromise());
    void Promise.allSettled(asked).then(() => setRetrying(false));
  }, [client, pages]);

  const error = retrying ? undefined : loaded.find((s) => s?.error)?.error;
  return {
    messages,
    loading: !newestState || ((newestState.fetching || retrying) && newestState.messages.length === 0),
    error,
    loadingOlder,
    hasOlder,
    loadOlder,
    loadAround,
    settled: !anyFetching,
    olderError,
    retryOlder,
    retry,
  };
}

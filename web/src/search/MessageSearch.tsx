/**
 * Message search in the sidebar: a search box above the conversation list. While a search is
 * typed, the list is hidden (kept mounted: its feeds go on) and the results show instead: the
 * excerpt with its matches marked (text in <mark>, never HTML), the conversation and sender.
 * A result opens its conversation scrolled to the message.
 */
import { useEffect, useState, type ReactNode } from "react";
import { useQuery, type CombinedError } from "urql";
import { useNow } from "../util/useNow";
import { listTime } from "../util/time";
import { openAt } from "./jump";
import { SEARCH_PAGE, SearchMessagesQuery } from "./operations";

const DEBOUNCE_MS = 350;

function useDebounced(value: string): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [value]);
  return settled;
}

function explain(error: CombinedError): string {
  const first = error.graphQLErrors[0];
  const code = first?.extensions?.code;
  if (code === "RATE_LIMITED") return `Too many searches. Try again in ${String(first.extensions.retryAfter)} s.`;
  if (code === "VALIDATION_ERROR") return first.message;
  return "Couldn't search. Check your connection and try again.";
}

/** One page of results; the last page offers the next. */
function ResultsPage({ query, after, onMore }: { query: string; after: string | null; onMore(cursor: string): void }) {
  const [{ data, error, fetching }, retry] = useQuery({
    query: SearchMessagesQuery,
    variables: { query, first: SEARCH_PAGE, after },
    requestPolicy: "network-only",
  });
  const now = useNow(60_000);
  if (error)
    return (
      <li className="search-note" role="alert" data-testid="search-error">
        {explain(error)}{" "}
        <button type="button" className="ghost" onClick={() => retry({ requestPolicy: "network-only" })}>
          Retry
        </button>
      </li>
    );
  if (!data) return fetching ? <li className="search-note muted">Searching…</li> : null;
  const { edges, pageInfo } = data.searchMessages;
  if (edges.length === 0 && after === null)
    return (
      <li className="search-note muted" data-testid="search-empty">
        No messages found
      </li>
    );
  return (
    <>
      {edges.map(({ cursor, node }) => (
        <li key={cursor} data-testid="search-result" data-message-id={node.message.id}>
          <button
            type="button"
            className="search-result"
            onClick={() => openAt(node.message.conversationId, node.message.seq)}
          >
            <span className="row-top">
              <span className="row-title" data-testid="search-result-conversation">
                {node.conversation.displayTitle}
              </span>
              <span className="row-time">{listTime(node.message.createdAt, now)}</span>
            </span>
            <span className="search-sender" data-testid="search-result-sender">
              {node.message.sender.displayName}
            </span>
            <span className="search-snippet" data-testid="search-result-snippet">
              {node.snippetParts.map((part, index) =>
                part.highlighted ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
              )}
            </span>
          </button>
        </li>
      ))}
      {pageInfo.hasNextPage && pageInfo.endCursor && <MoreButton cursor={pageInfo.endCursor} onMore={onMore} />}
    </>
  );
}

function MoreButton({ cursor, onMore }: { cursor: string; onMore(cursor: string): void }) {
  const [asked, setAsked] = useState(false);
  if (asked) return null;
  return (
    <li className="search-note">
      <button
        type="button"
        className="ghost"
        onClick={() => {
          setAsked(true);
          onMore(cursor);
        }}
      >
        More results
      </button>
    </li>
  );
}

function Results({ query }: { query: string }) {
  const [pages, setPages] = useState<(string | null)[]>([null]);
  return (
    <ul className="search-results" aria-label="Search results" data-testid="search-results">
      {pages.map((after) => (
        <ResultsPage
          key={after ?? "first"}
          query={query}
          after={after}
          onMore={(cursor) => setPages((current) => [...current, cursor])}
        />
      ))}
    </ul>
  );
}

export function MessageSearch({ children }: { children: ReactNode }) {
  const [typed, setTyped] = useState("");
  const query = useDebounced(typed.trim());
  const searching = typed.trim() !== "";
  return (
    <>
      <search className="sidebar-search">
        <input
          type="search"
          placeholder="Search messages"
          aria-label="Search messages"
          data-testid="search-input"
          value={typed}
          maxLength={200}
          onChange={(event) => setTyped(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setTyped("");
          }}
        />
      </search>
      {searching && query !== "" && <Results key={query} query={query} />}
      <div className="search-hideable" hidden={searching}>
        {children}
      </div>
    </>
  );
}

/**
 * GraphiQL at /graphql, built into the bundle: every script, style and font is a file of the
 * bundle, served by Tidings, so it works offline and without a CDN. Subscriptions run over
 * graphql-ws on the same URL; browsers cannot set headers on a WebSocket, so the Authorization
 * header from the Headers tab is sent as the connection_init payload (read at each connect:
 * a new socket after a header change carries the new token).
 */
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

/** Where GraphiQL keeps the Headers tab when it persists it (shouldPersistHeaders). */
const STORED_HEADERS = "graphiql:headers";

const DEFAULT_QUERY = `# Sign up or log in with a mutation, then put
#   {"Authorization": "Bearer <access token>"}
# in the Headers tab and run this subscription;
# send a message from another tab to see it arrive.
subscription {
  messageAdded {
    seq
    content
    sender { displayName }
  }
}
`;

const endpoint = new URL("/graphql", window.location.href);
const socketEndpoint = new URL(endpoint);
socketEndpoint.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

let headersText = localStorage.getItem(STORED_HEADERS) ?? "";

/** The Authorization header of the Headers tab, or "" when there is none (or it is not JSON). */
export function authorizationOf(text: string): string {
  try {
    const headers: unknown = JSON.parse(text || "{}");
    if (typeof headers !== "object" || headers === null) return "";
    const record = headers as Record<string, unknown>;
    const value = record.Authorization ?? record.authorization;
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

const fetcher = createGraphiQLFetcher({
  url: endpoint.href,
  subscriptionUrl: socketEndpoint.href,
  wsConnectionParams: () => ({ authorization: authorizationOf(headersText) }),
});

const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <GraphiQL
        fetcher={fetcher}
        defaultQuery={DEFAULT_QUERY}
        isHeadersEditorEnabled
        shouldPersistHeaders
        defaultEditorToolsVisibility
        onEditHeaders={(text) => {
          headersText = text;
        }}
      />
    </StrictMode>,
  );
}

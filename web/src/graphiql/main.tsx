/**
 * GraphiQL at /graphql, built into the bundle: every script, style and font is a file of the
 * bundle, served by Tidings, so it works offline and without a CDN. Subscriptions run over
 * graphql-ws on the same URL; browsers cannot set headers on a WebSocket, so the Authorization
 * header from the Headers tab is sent as the connection_init payload. Each distinct header gets
 * its own lazy socket: a subscription started after the header changed carries the new token.
 */
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { createClient } from "graphql-ws";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

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

/** The Authorization header of the Headers tab ("" when there is none). */
export function authorizationOf(headers: Record<string, unknown> | undefined): string {
  const value = headers?.Authorization ?? headers?.authorization;
  return typeof value === "string" ? value : "";
}

const fetchers = new Map<string, Fetcher>();

/** HTTP sends the tab's headers as they are; subscriptions go over the socket of its token. */
const fetcher: Fetcher = (params, options) => {
  const authorization = authorizationOf(options?.headers);
  let forToken = fetchers.get(authorization);
  if (!forToken) {
    const wsClient = createClient({
      url: socketEndpoint.href,
      lazy: true,
      connectionParams: { authorization },
    });
    forToken = createGraphiQLFetcher({ url: endpoint.href, wsClient });
    fetchers.set(authorization, forToken);
  }
  return forToken(params, options);
};

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
      />
    </StrictMode>,
  );
}

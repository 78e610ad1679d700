/**
 * The urql client of one signed-in session: queries and mutations over HTTP, subscriptions
 * over one graphql-ws socket that reconnects for ever (backoff with jitter, at once when the
 * browser is back online). Auth failures refresh the token once, then end the session.
 */
import { authExchange } from "@urql/exchange-auth";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { Client, fetchExchange, mapExchange, subscriptionExchange, type CombinedError, type Operation } from "urql";
import { accessTokenExpiring, clearSession, currentSession, freshAccessToken, refreshSession } from "../auth/session";
import { backoffDelay } from "../outbox/backoff";
import { makeCacheExchange } from "./cache";
import { connectionState, markGone, reconnects } from "./live";
import { RESUME, type ResumeVariables } from "./resume";

/** The socket closes: 4401 the session was ended (logout elsewhere), 4403 the token was refused. */
const CLOSE_SESSION_ENDED = 4401;
const CLOSE_FORBIDDEN = 4403;

export function errorCodes(error: CombinedError | undefined): string[] {
  return (error?.graphQLErrors ?? []).map((e) => String(e.extensions?.code ?? ""));
}

function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}/graphql`;
}

function isOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

/** Wait before reconnecting, cut short when the browser comes back online. */
function waitToRetry(retries: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, backoffDelay(retries + 1));
    window.addEventListener("online", done);
  });
}

/**
 * graphql-ws sends a subscription's payload again by itself on every reconnect. For one that
 * resumes (`RESUME` in its context), the payload's variables are read at each send, with what
 * `resume` adds (afterSeqs from what the cache holds at that moment, before the socket has
 * delivered anything): on the first connection too, so that what came between the list's
 * query and the subscription going live is replayed, not lost.
 */
function resumable<T extends { variables?: Record<string, unknown> }>(input: T, resume?: ResumeVariables): T {
  if (!resume) return input;
  const { variables, ...rest } = input;
  return {
    ...rest,
    get variables() {
      try {
        return { ...variables, ...resume() };
      } catch (error) {
        console.error(error); // never lose the feed over it: the list refetch and hole fills remain
        return variables;
      }
    },
  } as T;
}

export interface Session {
  client: Client;
  socket: WsClient;
  /** Close the socket; `forget` also drops the cache kept on this device (sign-out). */
  dispose(forget?: boolean): void;
}

export function createSession(userId: string): Session {
  const cache = makeCacheExchange(userId, () => currentSession()?.user.id ?? "");
  let everConnected = false;
  let refused = false;
  // Events of a disposed socket (sign-out, StrictMode's first mount) must not move the bar.
  let disposed = false;
  const setState = () => {
    if (!isOnline()) connectionState.set("offline");
  };

  const socket = createWsClient({
    url: wsUrl(),
    lazy: false,
    // A socket closed for good (sign-out, session ended) is expected, not an error to log.
    onNonLazyError: (error) => {
      if (!(error instanceof CloseEvent)) console.error(error);
    },
    keepAlive: 15_000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    shouldRetry: () => currentSession() !== null,
    retryWait: waitToRetry,
    connectionParams: async () => {
      // A refused token is refreshed first; a session that cannot be refreshed has ended.
      let token: string | null | undefined;
      try {
        token = refused ? (await refreshSession(currentSession()?.accessToken))?.accessToken : await freshAccessToken();
      } catch {
        // No answer to the refresh (network, server busy). Throwing here would close the socket
        // with 4400, which graphql-ws never retries: go on with the token held; if the server
        // refuses it (4403) the next attempt, after the backoff, refreshes again.
        token = currentSession()?.accessToken;
      }
      refused = false;
      if (!token) throw new Error("signed out");
      return { authorization: `Bearer ${token}` };
    },
    on: {
      connecting: () => {
        if (disposed) return;
        connectionState.set(isOnline() ? (everConnected ? "reconnecting" : "connecting") : "offline");
      },
      connected: () => {
        if (disposed) return;
        connectionState.set("online");
        if (everConnected) reconnects.set(reconnects.get() + 1);
        everConnected = true;
      },
      closed: (event) => {
        if (disposed) return;
        const code = (event as CloseEvent | undefined)?.code;
        if (code === CLOSE_SESSION_ENDED) clearSession(true);
        if (code === CLOSE_FORBIDDEN) refused = true;
        if (currentSession()) connectionState.set(isOnline() ? "reconnecting" : "offline");
      },
    },
  });

  const onOffline = () => setState();
  const onOnline = () => {
    if (connectionState.get() === "offline") connectionState.set("reconnecting");
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);

  const client = new Client({
    url: "/graphql",
    requestPolicy: "cache-and-network",
    preferGetMethod: false,
    exchanges: [
      mapExchange({
        onError(error, operation: Operation) {
          const codes = errorCodes(error);
          if (codes.includes("UNAUTHENTICATED")) clearSession(true);
          const cid =
            operation.variables?.conversationId ?? (operation.kind === "query" ? operation.variables?.id : undefined);
          if (codes.includes("NOT_IN_CONVERSATION") && typeof cid === "string") markGone(cid);
          if (codes.includes("TOKEN_EXPIRED") && operation.kind === "subscription") {
            void refreshSession(currentSession()?.accessToken)
              .then(() => socket.terminate())
              .catch(() => socket.terminate()); // reconnecting refreshes again (refused path)
          }
        },
      }),
      cache.exchange,
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const token = currentSession()?.accessToken;
          return token ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` }) : operation;
        },
        willAuthError: () => accessTokenExpiring(),
        didAuthError(error) {
          return errorCodes(error).includes("TOKEN_EXPIRED");
        },
        async refreshAuth() {
          try {
            await refreshSession(currentSession()?.accessToken);
          } catch {
            // Network trouble: the operation fails as a network error and is retried later.
          }
        },
      })),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request, operation) {
          const input = resumable(
            { ...request, query: request.query || "" },
            operation.context[RESUME] as ResumeVariables | undefined,
          );
          return {
            subscribe(sink) {
              const unsubscribe = socket.subscribe(input, {
                next: (value) => sink.next(value as Parameters<typeof sink.next>[0]),
                // A socket closed for good (sign-out) ends the feed; it is not an error to show.
                error: (error) => (error instanceof CloseEvent ? sink.complete() : sink.error(error)),
                complete: () => sink.complete(),
              });
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    socket,
    dispose(forget = false) {
      disposed = true;
      if (forget) void cache.storage.clear();
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      void socket.dispose();
    },
  };
}

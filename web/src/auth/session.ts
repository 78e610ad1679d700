/**
 * The signed-in session, kept in localStorage so every tab shares it.
 *
 * A refresh token is single-use (the server rotates it, and a reused one ends the session), so
 * only one tab may spend it at a time: refreshes run under the Web Lock `tidings:refresh`, and
 * a tab that waited for the lock takes the tokens the other tab stored instead of refreshing
 * again. Other tabs learn of new tokens (or a sign-out) through the 'storage' event.
 */
import { RefreshMutation } from "../api/operations";
import type { AuthFieldsFragment } from "../gql/graphql";

export const SESSION_KEY = "tidings:session";
const ENDED_KEY = "tidings:session-ended";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export interface Session {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  user: { id: string; displayName: string; username: string };
}

export type SessionListener = (session: Session | null, ended: boolean) => void;

const listeners = new Set<SessionListener>();
let refreshing: Promise<Session | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

function read(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  return read();
}

export function sessionFromAuth(auth: AuthFieldsFragment): Session {
  return {
    accessToken: auth.accessToken,
    refreshToken: auth.refreshToken,
    accessTokenExpiresAt: auth.accessTokenExpiresAt,
    refreshTokenExpiresAt: auth.refreshTokenExpiresAt,
    user: { ...auth.user },
  };
}

function notify(session: Session | null, ended: boolean): void {
  schedule(session);
  for (const listener of listeners) listener(session, ended);
}

export function storeSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  localStorage.removeItem(ENDED_KEY);
  notify(session, false);
}

/** Sign out locally; `ended` says the server ended it (shown as "Your session ended"). */
export function clearSession(ended: boolean): void {
  const had = read() !== null;
  localStorage.removeItem(SESSION_KEY);
  if (ended && had) localStorage.setItem(ENDED_KEY, "1");
  notify(null, ended);
}

export function sessionEndedNotice(): boolean {
  return localStorage.getItem(ENDED_KEY) === "1";
}

export function dismissEndedNotice(): void {
  localStorage.removeItem(ENDED_KEY);
}

export function onSessionChange(listener: SessionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key !== SESSION_KEY && event.key !== null) return;
    const session = read();
    notify(session, session === null && sessionEndedNotice());
  });
}

function expiresIn(session: Session): number {
  return Date.parse(session.accessTokenExpiresAt) - Date.now();
}

function schedule(session: Session | null): void {
  clearTimeout(timer);
  if (!session) return;
  // A minute early, or a quarter of the lifetime left when tokens are short-lived.
  const left = expiresIn(session);
  const wait = Math.max(1_000, left - Math.min(REFRESH_MARGIN_MS, left / 4));
  timer = setTimeout(() => void refreshSession(session.accessToken), wait);
}

class SessionEnded extends Error {}

async function spend(session: Session): Promise<Session> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      query: RefreshMutation.toString(),
      operationName: "Refresh",
      variables: { refreshToken: session.refreshToken },
    }),
  });
  const body = (await response.json()) as {
    data?: { refreshToken: AuthFieldsFragment } | null;
    errors?: { extensions?: { code?: string } }[];
  };
  if (body.data?.refreshToken) return sessionFromAuth(body.data.refreshToken);
  const code = body.errors?.[0]?.extensions?.code;
  if (code === "UNAVAILABLE" || code === "RATE_LIMITED" || code === "INTERNAL_SERVER_ERROR") {
    throw new Error(code);
  }
  throw new SessionEnded(code ?? "refresh failed");
}

/**
 * New tokens for the session whose access token was `stale` (or the current one). Returns the
 * session to use, or null when it has ended. Network failures throw (the caller retries).
 */
export function refreshSession(stale?: string): Promise<Session | null> {
  if (refreshing) return refreshing;
  const run = async (): Promise<Session | null> => {
    const session = read();
    if (!session) return null;
    // Another tab refreshed while we waited for the lock: use its tokens.
    if (stale !== undefined && session.accessToken !== stale && expiresIn(session) > 10_000) {
      schedule(session);
      return session;
    }
    try {
      const fresh = await spend(session);
      storeSession(fresh);
      return fresh;
    } catch (error) {
      if (error instanceof SessionEnded) {
        // A tab that lost a race reads the winner's tokens before giving up.
        const now = read();
        if (now && now.refreshToken !== session.refreshToken) return now;
        clearSession(true);
        return null;
      }
      throw error;
    }
  };
  const locked =
    typeof navigator !== "undefined" && navigator.locks ? navigator.locks.request("tidings:refresh", run) : run();
  refreshing = locked.finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** An access token good for at least a little while, refreshing first when needed. */
export async function freshAccessToken(): Promise<string | null> {
  const session = read();
  if (!session) return null;
  if (expiresIn(session) > 10_000) return session.accessToken;
  const fresh = await refreshSession(session.accessToken);
  return fresh?.accessToken ?? null;
}

schedule(typeof localStorage !== "undefined" ? read() : null);

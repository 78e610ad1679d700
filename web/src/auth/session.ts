/**
 * The signed-in session, kept in localStorage so every tab shares it.
 *
 * A refresh token is single-use (the server rotates it, and a reused one ends the session), so
 * only one tab may spend it at a time: refreshes run under the Web Lock `tidings:refresh`, and
 * a tab that waited for the lock takes the tokens the other tab stored instead of refreshing
 * again. Other tabs learn of new tokens (or a sign-out) through the 'storage' event.
 */
import { stringifyDocument } from "urql";
import { RefreshMutation } from "../api/operations";
import type { AuthFieldsFragment } from "../gql/graphql";
import { loadShared, saveShared } from "./shared";

export const SESSION_KEY = "tidings:session";
const ENDED_KEY = "tidings:session-ended";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export interface Session {
  /** When this client got the tokens (ms since epoch): with the expiry, the token's lifetime. */
  receivedAt?: number;
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
    receivedAt: Date.now(),
    user: { ...auth.user },
  };
}

function notify(session: Session | null, ended: boolean): void {
  schedule(session);
  for (const listener of listeners) listener(session, ended);
}

export function storeSession(session: Session): Promise<void> {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  localStorage.removeItem(ENDED_KEY);
  notify(session, false);
  return saveShared(session);
}

/** Sign out locally; `ended` says the server ended it (shown as "Your session ended"). */
export function clearSession(ended: boolean): void {
  const had = read() !== null;
  localStorage.removeItem(SESSION_KEY);
  if (ended && had) localStorage.setItem(ENDED_KEY, "1");
  notify(null, ended);
  void saveShared(null);
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

function lifetime(session: Session): number {
  const expires = Date.parse(session.accessTokenExpiresAt);
  return session.receivedAt ? Math.max(1_000, expires - session.receivedAt) : 15 * 60_000;
}

/** Refresh ahead: a minute early, or a quarter of the lifetime for short-lived tokens. */
function refreshAhead(session: Session): number {
  return Math.min(REFRESH_MARGIN_MS, lifetime(session) / 4);
}

/** Below this much life left a token is not used any more: refresh first. */
function usableFor(session: Session): number {
  return Math.min(10_000, lifetime(session) / 8);
}

/** The access token is about to expire: refresh before using it. */
export function accessTokenExpiring(): boolean {
  const session = read();
  return !!session && expiresIn(session) < usableFor(session);
}

function schedule(session: Session | null): void {
  clearTimeout(timer);
  if (!session) return;
  const wait = Math.max(1_000, expiresIn(session) - refreshAhead(session));
  timer = setTimeout(() => void refreshSession(session.accessToken), wait);
}

class SessionEnded extends Error {}

const LOCK = "tidings:refresh";
const tabId = Math.random().toString(36).slice(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Where Web Locks are missing (plain http on a LAN address is not a secure context): a lock in
 * localStorage, claimed, then checked again after a pause so that two claims cannot both win.
 */
async function withStorageLock<T>(run: () => Promise<T>): Promise<T> {
  for (let tries = 0; tries < 100; tries++) {
    const held = JSON.parse(localStorage.getItem(LOCK) ?? "null") as { tab: string; until: number } | null;
    if (!held || held.until < Date.now()) {
      localStorage.setItem(LOCK, JSON.stringify({ tab: tabId, until: Date.now() + 10_000 }));
      await sleep(30);
      if ((JSON.parse(localStorage.getItem(LOCK) ?? "null") as { tab: string } | null)?.tab === tabId) {
        try {
          return await run();
        } finally {
          localStorage.removeItem(LOCK);
        }
      }
    }
    await sleep(50 + Math.random() * 50);
  }
  return run();
}

async function spend(session: Session): Promise<Session> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      query: stringifyDocument(RefreshMutation),
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
    const local = read();
    if (!local) return null;
    // The tokens as the last refresh (in any tab) left them; this tab's copy may lag behind.
    const shared = await loadShared();
    const session = shared && shared.user.id === local.user.id ? shared : local;
    if (session.accessToken !== local.accessToken) {
      localStorage.setItem(SESSION_KEY, JSON.stringify(session));
      notify(session, false);
    }
    // Another tab refreshed while we waited for the lock: use its tokens.
    const current = stale ?? local.accessToken;
    if (session.accessToken !== current && expiresIn(session) > usableFor(session)) {
      schedule(session);
      return session;
    }
    try {
      const fresh = await spend(session);
      await storeSession(fresh);
      return fresh;
    } catch (error) {
      if (error instanceof SessionEnded) {
        // A tab that lost a race reads the winner's tokens before giving up.
        const now = await loadShared();
        if (now && now.refreshToken !== session.refreshToken) {
          await storeSession(now);
          return now;
        }
        clearSession(true);
        return null;
      }
      throw error;
    }
  };
  const locked =
    typeof navigator !== "undefined" && navigator.locks ? navigator.locks.request(LOCK, run) : withStorageLock(run);
  refreshing = locked.finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** An access token good for at least a little while, refreshing first when needed. */
export async function freshAccessToken(): Promise<string | null> {
  const session = read();
  if (!session) return null;
  if (expiresIn(session) > usableFor(session)) return session.accessToken;
  const fresh = await refreshSession(session.accessToken);
  return fresh?.accessToken ?? null;
}

schedule(typeof localStorage !== "undefined" ? read() : null);

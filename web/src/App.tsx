/** Signed out: the auth screens. Signed in: one urql client and socket for the session. */
import { useEffect, useState } from "react";
import { Provider } from "urql";
import { AuthScreen } from "./auth/AuthScreen";
import { currentSession, onSessionChange } from "./auth/session";
import { createSession, type Session as ClientSession } from "./api/client";
import { goneConversations } from "./api/live";
import { setOutboxClient } from "./outbox/instance";
import { Shell } from "./Shell";
import { navigate } from "./ui/route";

/**
 * One client and socket per signed-in user, made outside React's effects so StrictMode's
 * double mount cannot leave the feeds on a socket that was closed; dropped at sign-out.
 */
let live: { userId: string; session: ClientSession } | null = null;

function sessionFor(userId: string): ClientSession {
  if (live?.userId !== userId) {
    live?.session.dispose(true);
    live = { userId, session: createSession(userId) };
    setOutboxClient(live.session.client);
  }
  return live.session;
}

function endLiveSession(): void {
  setOutboxClient(null);
  live?.session.dispose(true);
  live = null;
}

function SignedIn({ viewerId, displayName }: { viewerId: string; displayName: string }) {
  const session = sessionFor(viewerId);
  return (
    <Provider value={session.client}>
      <Shell viewerId={viewerId} displayName={displayName} />
    </Provider>
  );
}

export function App() {
  const [user, setUser] = useState(() => currentSession()?.user ?? null);
  useEffect(
    () =>
      onSessionChange((session) => {
        const next = session?.user ?? null;
        if (!next) {
          endLiveSession();
          goneConversations.set(new Set());
          navigate("/", true);
        }
        setUser((current) => (next?.id === current?.id ? current : next));
      }),
    [],
  );
  if (!user) return <AuthScreen />;
  return <SignedIn key={user.id} viewerId={user.id} displayName={user.displayName} />;
}

/** Signed in: the sidebar (list) and the open chat, the live feeds, the connection bar. */
import { useCallback, useEffect, useState } from "react";
import { useClient, useMutation, useQuery, type Client } from "urql";
import { clearSession } from "./auth/session";
import { applyTyping, connectionState, expireTyping, reconnects } from "./api/live";
import { heldSeqs, RESUME, type ResumeVariables } from "./api/resume";
import {
  ConversationUpdatedSubscription,
  LogoutMutation,
  MeQuery,
  MessageAddedSubscription,
  MessageUpdatedSubscription,
  PresenceSubscription,
  TypingSubscription,
} from "./api/operations";
import { AccountDialog } from "./account/AccountDialog";
import { ChatScreen } from "./chat/ChatScreen";
import { ConversationList } from "./list/ConversationList";
import { NewConversationDialog } from "./list/NewConversationDialog";
import { outbox } from "./outbox/instance";
import { MessageSearch } from "./search/MessageSearch";
import { useOpenConversation } from "./ui/route";
import { toggleTheme } from "./ui/theme";
import { useStore } from "./util/store";

const BAR_TEXT = {
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  offline: "Offline — messages will be sent when you are back online",
  online: "",
} as const;

function ConnectionBar() {
  const state = useStore(connectionState);
  return (
    <div
      className={`connection-bar state-${state}`}
      data-testid="connection-bar"
      data-state={state}
      role="status"
      hidden={state === "online"}
    >
      {state !== "offline" && state !== "online" && <span className="spinner" aria-hidden="true" />}
      {BAR_TEXT[state]}
    </div>
  );
}

function resumeAfterHeld(client: Client): ResumeVariables {
  return () => ({ afterSeqs: heldSeqs(client) });
}

/** The feeds every screen needs; Graphcache's updaters put what they carry in place. */
function LiveFeeds({ listSettled }: { listSettled: boolean }) {
  const client = useClient();
  // messageAdded waits for the list to be answered (or failed): it resumes after the highest
  // seq held in each conversation, on its first connection as on any later one, so a message
  // sent between the list's query and the subscription going live is replayed to it, not lost
  // (a "from now on" subscription cannot say when "now" was).
  useEffect(() => {
    if (!listSettled) return;
    // A message from someone ends their typing there (their "stopped" may come late).
    const sub = client
      .subscription(MessageAddedSubscription, {}, { [RESUME]: resumeAfterHeld(client) })
      .subscribe((result) => {
        const m = result.data?.messageAdded;
        if (m) applyTyping(m.conversationId, m.sender.id, m.sender.displayName, false);
      });
    return () => sub.unsubscribe();
  }, [client, listSettled]);
  useEffect(() => {
    const subs = [
      client.subscription(MessageUpdatedSubscription, {}).subscribe(() => undefined),
      client.subscription(ConversationUpdatedSubscription, {}).subscribe(() => undefined),
      client.subscription(PresenceSubscription, {}).subscribe(() => undefined),
      // Who types where, in every conversation: the list's rows and the open chat alike.
      client.subscription(TypingSubscription, {}).subscribe((result) => {
        const t = result.data?.typing;
        if (t) applyTyping(t.conversationId, t.user.id, t.user.displayName, t.isTyping);
      }),
    ];
    return () => subs.forEach((s) => s.unsubscribe());
  }, [client]);
  const reconnected = useStore(reconnects);
  useEffect(() => {
    if (reconnected > 0) outbox.resume();
  }, [reconnected]);
  useEffect(() => {
    const timer = setInterval(() => expireTyping(), 1_000);
    return () => clearInterval(timer);
  }, []);
  return null;
}

export function Shell({ viewerId, displayName }: { viewerId: string; displayName: string }) {
  const openId = useOpenConversation();
  const [creating, setCreating] = useState(false);
  const [account, setAccount] = useState(false);
  const [listSettled, setListSettled] = useState(false);
  const settleList = useCallback(() => setListSettled(true), []);
  const [{ data: me }] = useQuery({ query: MeQuery });
  const [, logout] = useMutation(LogoutMutation);
  const name = me?.me.user.displayName ?? displayName;

  async function signOut() {
    await logout({}).catch(() => undefined);
    await outbox.forget(viewerId);
    clearSession(false);
  }

  return (
    <div className={`shell${openId ? " chat-open" : ""}`}>
      <LiveFeeds listSettled={listSettled} />
      <aside className="sidebar" aria-label="Conversations sidebar">
        <header className="sidebar-header">
          <h1 className="viewer-name">{name}</h1>
          <div className="sidebar-tools">
            <button type="button" className="icon" onClick={toggleTheme} aria-label="Toggle theme" title="Toggle theme">
              ◐
            </button>
            <button
              type="button"
              className="icon"
              onClick={() => setAccount(true)}
              aria-label="Account"
              title="Account: password, devices, blocked people"
            >
              ⚙
            </button>
            <button type="button" className="ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <ConnectionBar />
        <button type="button" className="primary new-conversation" onClick={() => setCreating(true)}>
          New conversation
        </button>
        <MessageSearch>
          <ConversationList viewerId={viewerId} openId={openId} onSettled={settleList} />
        </MessageSearch>
      </aside>
      <main className="main">
        {openId ? (
          <ChatScreen key={openId} conversationId={openId} viewerId={viewerId} />
        ) : (
          <section className="chat chat-empty placeholder">
            <p className="muted">Choose a conversation, or start a new one.</p>
          </section>
        )}
      </main>
      {creating && <NewConversationDialog viewerId={viewerId} onClose={() => setCreating(false)} />}
      {account && <AccountDialog viewerId={viewerId} onClose={() => setAccount(false)} />}
    </div>
  );
}

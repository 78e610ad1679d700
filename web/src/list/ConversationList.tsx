/** The inbox: pinned first, then latest activity first, with previews, badges, presence and
 * typing; and the Archived view. */
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useClient, useQuery } from "urql";
import { goneConversations, reconnects, typingState } from "../api/live";
import { ConversationsQuery, ReceiptUpdatedSubscription } from "../api/operations";
import { conversationsVars } from "../api/pages";
import type { ConversationFieldsFragment } from "../gql/graphql";
import { Avatar } from "../ui/Avatar";
import { directPartner, onlineCount } from "../ui/presence";
import { navigate } from "../ui/route";
import { useNow } from "../util/useNow";
import { useStore } from "../util/store";
import { listTime } from "../util/time";
import { ConversationMenu } from "./ConversationMenu";
import { MutedIcon, PinIcon } from "./StateIcons";
import { ArchivedConversationsQuery, archivedVars, forList, mutedNow } from "./viewerState";

function preview(conversation: ConversationFieldsFragment, viewerId: string): string {
  const last = conversation.lastMessage;
  if (!last) return "No messages yet";
  if (last.deletedAt) return "This message was deleted";
  const mine = last.sender.id === viewerId;
  const who = mine ? "You: " : conversation.kind === "GROUP" ? `${last.sender.displayName}: ` : "";
  return who + last.content.replace(/\s+/g, " ");
}

function Row({
  conversation,
  viewerId,
  open,
  now,
  onError,
}: {
  conversation: ConversationFieldsFragment;
  viewerId: string;
  open: boolean;
  now: Date;
  onError: (message: string) => void;
}) {
  const typing = useStore(typingState).get(conversation.id) ?? [];
  const partner = directPartner(conversation, viewerId);
  const online = onlineCount(conversation, viewerId);
  const time = conversation.lastMessageAt ?? conversation.createdAt;
  const unread = conversation.unreadCount;
  const typingNow = typing.some((t) => t.until > now.getTime());
  const pinned = conversation.viewerState.pinned;
  const muted = mutedNow(conversation.viewerState, now.getTime());
  return (
    <li
      role="listitem"
      data-testid="conversation-row"
      data-conversation-id={conversation.id}
      className={`row${open ? " row-open" : ""}${unread > 0 ? " row-unread" : ""}`}
    >
      <button
        type="button"
        className="row-button"
        aria-current={open ? "page" : undefined}
        aria-label={conversation.displayTitle}
        onClick={() => navigate(`/c/${conversation.id}`)}
      >
        <span className="row-avatar">
          <Avatar name={conversation.displayTitle} url={partner?.user.avatarUrl} size={44} />
          {partner && (
            <span
              className="presence-dot"
              data-testid="presence-dot"
              data-status={partner.user.presence.status.toLowerCase()}
              title={partner.user.presence.status.toLowerCase()}
            />
          )}
        </span>
        <span className="row-main">
          <span className="row-top">
            <span className="row-title" data-testid="conversation-title">
              {conversation.displayTitle}
            </span>
            {muted && (
              <span className="row-state" data-testid="muted-icon" role="img" aria-label="Muted" title="Muted">
                <MutedIcon />
              </span>
            )}
            {pinned && (
              <span className="row-state" data-testid="pinned-icon" role="img" aria-label="Pinned" title="Pinned">
                <PinIcon />
              </span>
            )}
            <span className="row-time" data-testid="conversation-time">
              {listTime(time, now)}
            </span>
          </span>
          <span className="row-bottom">
            <span className={`row-preview${typingNow ? " row-typing" : ""}`} data-testid="conversation-preview">
              {typingNow ? "typing…" : preview(conversation, viewerId)}
            </span>
            {conversation.kind === "GROUP" && online > 0 && (
              <span className="online-count" data-testid="online-count">
                {online} online
              </span>
            )}
            {conversation.unreadMentionCount > 0 && (
              <span
                className="mention-badge"
                data-testid="mention-badge"
                aria-label={`${conversation.unreadMentionCount} unread mention${conversation.unreadMentionCount > 1 ? "s" : ""}`}
                title="You were mentioned"
              >
                @
              </span>
            )}
            {unread > 0 && (
              <span
                className={`unread-badge${muted ? " unread-muted" : ""}`}
                data-testid="unread-badge"
                aria-label={`${unread} unread`}
              >
                {unread}
              </span>
            )}
          </span>
        </span>
      </button>
      <ConversationMenu conversation={conversation} onError={onError} />
    </li>
  );
}

/** Arrow keys move between rows; Enter opens (the row is a button). */
function onListKey(event: KeyboardEvent<HTMLUListElement>) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Home" && event.key !== "End") return;
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>(".row-button")];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const next =
    event.key === "Home"
      ? 0
      : event.key === "End"
        ? buttons.length - 1
        : event.key === "ArrowDown"
          ? Math.min(buttons.length - 1, at + 1)
          : Math.max(0, at - 1);
  buttons[next]?.focus();
  event.preventDefault();
}

/**
 * Badges follow the viewer's other devices: read marks arrive on receiptUpdated, which is per
 * conversation, so the list follows the conversations that have unread messages (at most 20).
 */
function ReadMarkFollower({ conversationId }: { conversationId: string }) {
  const client = useClient();
  useEffect(() => {
    const sub = client.subscription(ReceiptUpdatedSubscription, { conversationId }).subscribe(() => undefined);
    return () => sub.unsubscribe();
  }, [client, conversationId]);
  return null;
}

const FOLLOW_AT_MOST = 20;

export function ConversationList({
  viewerId,
  openId,
  onSettled,
}: {
  viewerId: string;
  openId: string | null;
  /** Called once the list has been answered (from the server or the cache kept offline) or
   * has failed: the live feed resumes after what it holds (Shell.tsx). */
  onSettled?: () => void;
}) {
  const [archivedView, setArchivedView] = useState(false);
  const [menuError, setMenuError] = useState<string | null>(null);
  const [inbox, refetchInbox] = useQuery({ query: ConversationsQuery, variables: conversationsVars });
  const [archived, refetchArchived] = useQuery({
    query: ArchivedConversationsQuery,
    variables: archivedVars,
    pause: !archivedView,
  });
  const { data, fetching, error } = archivedView ? archived : inbox;
  const refetch = archivedView ? refetchArchived : refetchInbox;
  const settled = data !== undefined || error !== undefined;
  useEffect(() => {
    if (settled) onSettled?.();
  }, [settled, onSettled]);
  const gone = useStore(goneConversations);
  const reconnected = useStore(reconnects);
  const now = useNow(30_000);
  const first = useRef(true);
  const unreadTotal = forList(
    (inbox.data?.conversations.edges ?? []).map((e) => e.node),
    false,
  )
    .filter((c) => !gone.has(c.id) && !mutedNow(c.viewerState))
    .reduce((sum, c) => sum + c.unreadCount, 0);

  // The tab's title shows the unread count, as chat apps do.
  useEffect(() => {
    document.title = unreadTotal > 0 ? `(${unreadTotal}) Tidings` : "Tidings";
  }, [unreadTotal]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    refetchInbox({ requestPolicy: "network-only" });
  }, [reconnected, refetchInbox]);

  const views = (
    <div className="list-views">
      <button
        type="button"
        className="ghost list-view-switch"
        aria-pressed={archivedView}
        onClick={() => setArchivedView(!archivedView)}
      >
        {archivedView ? "← Chats" : "Archived"}
      </button>
      {archivedView && <span className="list-view-title">Archived</span>}
      {menuError && (
        <span role="alert" className="list-menu-error" onClick={() => setMenuError(null)}>
          {menuError}
        </span>
      )}
    </div>
  );

  if (!data && fetching) {
    return (
      <>
        {views}
        <div className="list-skeleton" aria-busy="true" aria-label="Loading conversations">
          {[0, 1, 2, 3, 4].map((i) => (
            <div key={i} className="skeleton-row" data-testid="skeleton">
              <span className="skeleton skeleton-circle" />
              <span className="skeleton-lines">
                <span className="skeleton skeleton-line" />
                <span className="skeleton skeleton-line short" />
              </span>
            </div>
          ))}
        </div>
      </>
    );
  }
  // No list and no request in flight: it failed. (Graphcache's offlineExchange turns a failure
  // for want of a network into a cache-only answer without data and without an error.)
  if (!data && (error || !fetching)) {
    return (
      <div role="alert" className="list-error">
        <p>Couldn't load your conversations.</p>
        <button type="button" onClick={() => refetch({ requestPolicy: "network-only" })}>
          Retry
        </button>
      </div>
    );
  }
  const conversations = forList(
    (data?.conversations.edges ?? []).map((e) => e.node),
    archivedView,
  ).filter((c) => !gone.has(c.id));

  if (conversations.length === 0) {
    return (
      <>
        {views}
        <div className="list-empty" data-testid="conversations-empty">
          <p className="list-empty-title">{archivedView ? "No archived conversations" : "No conversations yet"}</p>
          <p className="muted">
            {archivedView ? "Archive one from its ⋯ menu." : "Start one with “New conversation”."}
          </p>
        </div>
      </>
    );
  }
  const followed = conversations.filter((c) => c.unreadCount > 0 && c.id !== openId).slice(0, FOLLOW_AT_MOST);
  return (
    <>
      {views}
      {followed.map((c) => (
        <ReadMarkFollower key={c.id} conversationId={c.id} />
      ))}
      <ul
        role="list"
        aria-label={archivedView ? "Archived conversations" : "Conversations"}
        className="conversation-list"
        onKeyDown={onListKey}
      >
        {conversations.map((c) => (
          <Row
            key={c.id}
            conversation={c}
            viewerId={viewerId}
            open={c.id === openId}
            now={now}
            onError={setMenuError}
          />
        ))}
      </ul>
    </>
  );
}

/** The open conversation: header, the message log (paged upwards), typing and the composer. */
import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useClient, useMutation } from "urql";
import { typingState } from "../api/live";
import { DeleteMessageMutation, EditMessageMutation, ReceiptUpdatedSubscription } from "../api/operations";
import type { ConversationFieldsFragment, MessageFieldsFragment } from "../gql/graphql";
import { outbox } from "../outbox/instance";
import { typingText } from "../ui/presence";
import { useStore } from "../util/store";
import { useNow } from "../util/useNow";
import { dayKey, dayLabel } from "../util/time";
import { ChatHeader } from "./ChatHeader";
import { loadDraft, saveDraft, useOutbox } from "./chatState";
import { LogSkeleton } from "./LogSkeleton";
import { Composer, type ComposerBanner } from "./Composer";
import { timeline, type TimelineItem } from "./merge";
import { MessageItem, PendingItem } from "./MessageItem";
import { useJumpToMessage } from "../search/jump";
import { useHistory } from "./useHistory";
import { useMarkRead } from "./useMarkRead";
import { useTypingSender } from "./useTyping";

const SLOW_MS = 3_000;

const NEAR_BOTTOM_PX = 120;

/**
 * Edits and deletions wait for the server's answer instead of showing at once: an optimistic
 * mutation that fails for want of a network is kept by Graphcache's offlineExchange and its
 * promise never settles, so a server that is down (while the browser is online) would show an
 * edit that was never saved, with no error, and replay it only on the next "online" event or
 * reload. Waiting for the answer lets a failure show inline, the text kept to try again.
 */
const NOT_OPTIMISTIC = { requestPolicy: "network-only" } as const;

function senderOf(item: TimelineItem, viewerId: string): string {
  return item.kind === "message" ? item.message.sender.id : viewerId;
}

function timeOf(item: TimelineItem): string {
  return item.kind === "message" ? item.message.createdAt : new Date(item.entry.createdAt).toISOString();
}

export function Chat({ conversation, viewerId }: { conversation: ConversationFieldsFragment; viewerId: string }) {
  const cid = conversation.id;
  const group = conversation.kind === "GROUP";
  const lastSeq = conversation.lastMessage?.seq ?? 0;
  const history = useHistory(cid, lastSeq);
  const pending = useOutbox(cid);
  const items = useMemo(() => timeline(history.messages, pending), [history.messages, pending]);
  const now = useNow(1_000);
  const [draft, setDraft] = useState(() => loadDraft(cid));
  const [replyTo, setReplyTo] = useState<MessageFieldsFragment | null>(null);
  const [editing, setEditing] = useState<MessageFieldsFragment | null>(null);
  // An edit in progress is not a draft (a reload must not turn it into a new message).
  useEffect(() => {
    if (!editing) saveDraft(cid, draft);
  }, [cid, draft, editing]);
  const [actionError, setActionError] = useState<string | null>(null);
  const [, editMessage] = useMutation(EditMessageMutation);
  const [, deleteMessage] = useMutation(DeleteMessageMutation);
  const typingSender = useTypingSender(cid);
  const typists = (useStore(typingState).get(cid) ?? []).filter(
    (t) => t.until > now.getTime() && t.userId !== viewerId,
  );
  const me = conversation.participants.find((p) => p.user.id === viewerId);
  // Where the unread messages began when the chat was opened (kept while it stays open).
  const [unreadFrom] = useState(() => (conversation.unreadCount > 0 ? (me?.lastReadSeq ?? 0) : null));
  const admin = group && me?.role === "ADMIN";
  const people = useMemo(
    () => conversation.participants.map((p) => p.user).filter((u) => u.id !== viewerId),
    [conversation.participants, viewerId],
  );

  const client = useClient();
  useEffect(() => {
    const subs = [client.subscription(ReceiptUpdatedSubscription, { conversationId: cid }).subscribe(() => undefined)];
    return () => subs.forEach((s) => s.unsubscribe());
  }, [client, cid]);

  // A message the server refused comes back into the composer, to be fixed and sent again.
  const restored = useRef(new Set<string>());
  useEffect(() => {
    for (const entry of pending) {
      if (entry.state === "failed" && !restored.current.has(entry.clientMessageId)) {
        restored.current.add(entry.clientMessageId);
        setDraft((d) => (d.trim() ? d : entry.content));
      }
    }
  }, [pending]);

  // Scrolling: stick to the bottom while there, keep the place when older pages come in.
  const log = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const anchor = useRef<{ height: number; top: number; firstSeq: number | undefined } | null>(null);
  const firstSeq = history.messages[0]?.seq;
  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    const before = anchor.current;
    // A render that changed nothing in the log (a clock tick, a tick mark) leaves the reader's
    // scrolling alone: a scroll not yet handled must not be undone by a stale atBottom.
    if (before && before.height === el.scrollHeight && before.firstSeq === firstSeq) return;
    if (
      before &&
      before.firstSeq !== firstSeq &&
      firstSeq !== undefined &&
      before.firstSeq !== undefined &&
      firstSeq < before.firstSeq
    ) {
      el.scrollTop = before.top + (el.scrollHeight - before.height);
    } else if (atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    anchor.current = { height: el.scrollHeight, top: el.scrollTop, firstSeq };
  });

  const onScroll = useCallback(() => {
    const el = log.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    setAtBottom(bottom);
    anchor.current = { height: el.scrollHeight, top: el.scrollTop, firstSeq };
    if (el.scrollTop < 200 && history.hasOlder && !history.loadingOlder) history.loadOlder();
  }, [history, firstSeq]);

  // Keep loading older pages while the log is not full enough to scroll, or is still at the
  // top once a page came in: a scroll to the top while one was loading is not lost.
  useEffect(() => {
    const el = log.current;
    if (!el || history.loading || !history.hasOlder || history.loadingOlder) return;
    if (el.scrollHeight <= el.clientHeight || el.scrollTop < 200) history.loadOlder();
  }, [history]);

  // A search result opened here: scrolled to, not to the newest.
  const leaveBottom = useCallback(() => setAtBottom(false), []);
  useJumpToMessage(cid, history, log, leaveBottom);

  const jumpToNewest = () => {
    const el = log.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
    setAtBottom(true);
  };

  // Read marks: the newest message, seen.
  const newest = history.messages[history.messages.length - 1] ?? null;
  const [newestEl, setNewestEl] = useState<HTMLElement | null>(null);
  const newestRef = useMemo(() => (newest ? { id: newest.id, seq: newest.seq } : null), [newest]);
  useMarkRead(cid, newestRef, newestEl, conversation.unreadCount);

  async function submit() {
    const text = draft;
    if (!text.trim()) return;
    setActionError(null);
    if (editing) {
      const target = editing;
      setEditing(null);
      setDraft("");
      const result = await editMessage({ messageId: target.id, content: text }, NOT_OPTIMISTIC);
      if (result.error) {
        setEditing(target);
        setDraft(text);
        setActionError(result.error.graphQLErrors[0]?.message ?? "Couldn't save the edit. Try again.");
      }
      return;
    }
    const reply = replyTo;
    setDraft("");
    setReplyTo(null);
    typingSender.stop();
    setAtBottom(true);
    await outbox.enqueue({ conversationId: cid, content: text, replyToId: reply?.id ?? null });
  }

  async function remove(message: MessageFieldsFragment) {
    setActionError(null);
    const result = await deleteMessage({ messageId: message.id }, NOT_OPTIMISTIC);
    if (result.error)
      setActionError(result.error.graphQLErrors[0]?.message ?? "Couldn't delete the message. Try again.");
  }

  const actions = {
    onReply(message: MessageFieldsFragment) {
      setEditing(null);
      setReplyTo(message);
    },
    onEdit(message: MessageFieldsFragment) {
      setReplyTo(null);
      setEditing(message);
      setDraft(message.content);
    },
    onDelete: remove,
  };

  const banner: ComposerBanner | null = editing
    ? { kind: "edit", title: "Editing", text: editing.content }
    : replyTo
      ? {
          kind: "reply",
          title: `Replying to ${replyTo.sender.displayName}`,
          text: replyTo.deletedAt ? "This message was deleted" : replyTo.content,
        }
      : null;

  const rateLimited = pending.find((e) => e.rateLimitedUntil !== null && e.rateLimitedUntil > now.getTime());

  return (
    <section className="chat" data-testid="chat" aria-labelledby="chat-title">
      <ChatHeader conversation={conversation} viewerId={viewerId} now={now} />
      {history.loading ? (
        <LogSkeleton />
      ) : (
        <div
          className="log"
          role="log"
          aria-label="Messages"
          aria-live="polite"
          ref={log}
          onScroll={onScroll}
          tabIndex={0}
        >
          {history.error && history.messages.length === 0 ? (
            <div role="alert" className="log-error">
              <p>Couldn't load messages.</p>
              <button type="button" onClick={history.retry}>
                Retry
              </button>
            </div>
          ) : null}
          {!history.hasOlder && !history.error && (
            <div className="history-start" data-testid="history-start">
              This is the beginning of the conversation
            </div>
          )}
          {history.olderError && (
            <div role="alert" className="log-error">
              Couldn't load earlier messages.{" "}
              <button type="button" onClick={history.retryOlder}>
                Retry
              </button>
            </div>
          )}
          {history.loadingOlder && !history.olderError && (
            <div className="older-loading" data-testid="skeleton">
              <span className="spinner" /> Loading earlier messages…
            </div>
          )}
          {items.length === 0 && !history.error && <p className="log-empty muted">No messages yet. Say hello!</p>}
          {items.map((item, i) => {
            const prev = items[i - 1];
            const newDay = !prev || dayKey(timeOf(prev)) !== dayKey(timeOf(item));
            const sender = senderOf(item, viewerId);
            const firstUnread =
              unreadFrom !== null &&
              item.kind === "message" &&
              item.message.seq > unreadFrom &&
              item.message.sender.id !== viewerId &&
              !(prev?.kind === "message" && prev.message.seq > unreadFrom);
            const grouped = !newDay && !firstUnread && !!prev && senderOf(prev, viewerId) === sender;
            return (
              <Fragment key={item.kind === "message" ? item.message.id : item.entry.clientMessageId}>
                {newDay && (
                  <div className="day-separator" data-testid="day-separator" role="separator">
                    <span>{dayLabel(timeOf(item), now)}</span>
                  </div>
                )}
                {firstUnread && (
                  <div className="unread-separator" data-testid="unread-separator" role="separator">
                    <span>Unread messages</span>
                  </div>
                )}
                {item.kind === "message" ? (
                  <div ref={item.message === newest ? setNewestEl : undefined} className="message-slot">
                    <MessageItem
                      message={item.message}
                      own={item.message.sender.id === viewerId}
                      group={group}
                      grouped={grouped}
                      showSender={group && !grouped && item.message.sender.id !== viewerId}
                      canDelete={item.message.sender.id === viewerId || admin}
                      actions={actions}
                      viewerId={viewerId}
                    />
                  </div>
                ) : (
                  <PendingItem
                    entry={item.entry}
                    group={group}
                    grouped={grouped}
                    slow={now.getTime() - item.entry.createdAt > SLOW_MS}
                    onRetry={() => void outbox.retry(item.entry.clientMessageId)}
                    onCancel={() => void outbox.cancel(item.entry.clientMessageId)}
                  />
                )}
              </Fragment>
            );
          })}
        </div>
      )}
      {!atBottom && (
        <button type="button" className="jump" onClick={jumpToNewest}>
          Jump to newest
        </button>
      )}
      <div className="below-log">
        {typists.length > 0 && (
          <div className="typing-indicator" data-testid="typing-indicator" aria-live="polite">
            <span className="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {typingText(typists.map((t) => t.displayName))}
          </div>
        )}
        {rateLimited && (
          <div className="rate-limit-notice" data-testid="rate-limit-notice" role="status">
            Sending too fast — retrying in{" "}
            {Math.max(1, Math.ceil((rateLimited.rateLimitedUntil! - now.getTime()) / 1000))} s
          </div>
        )}
        {actionError && (
          <div role="alert" className="action-error">
            {actionError}
          </div>
        )}
      </div>
      <Composer
        people={people}
        value={draft}
        onChange={(v) => {
          setDraft(v);
          if (!editing) typingSender.typed(v);
        }}
        onSubmit={() => void submit()}
        banner={banner}
        onCancelBanner={() => {
          if (editing) setDraft("");
          setEditing(null);
          setReplyTo(null);
        }}
      />
    </section>
  );
}

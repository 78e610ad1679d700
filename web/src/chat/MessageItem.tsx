/** One message bubble: content, quote, time, ticks, reactions, and its actions (reply, react,
 * edit, delete). */
import { useState } from "react";
import type { MessageFieldsFragment } from "../gql/graphql";
import type { OutboxEntry } from "../outbox/store";
import { MentionText } from "../mentions/MentionText";
import { ReactionBar } from "../reactions/ReactionBar";
import { Avatar, hue } from "../ui/Avatar";
import { clock } from "../util/time";
import { Ticks, tickStatus } from "./Ticks";

export interface MessageActions {
  onReply(message: MessageFieldsFragment): void;
  onEdit(message: MessageFieldsFragment): void;
  onDelete(message: MessageFieldsFragment): void;
}

function Quote({ quote }: { quote: NonNullable<MessageFieldsFragment["replyTo"]> }) {
  return (
    <div className="quote" data-testid="message-quote">
      <span className="quote-sender">{quote.sender.displayName}</span>
      <span className="quote-text">{quote.deletedAt ? "This message was deleted" : quote.content}</span>
    </div>
  );
}

export function MessageItem({
  message,
  own,
  group,
  showSender,
  canDelete,
  actions,
  grouped,
  viewerId,
}: {
  message: MessageFieldsFragment;
  own: boolean;
  group: boolean;
  showSender: boolean;
  canDelete: boolean;
  actions: MessageActions;
  grouped: boolean;
  viewerId: string;
}) {
  const [confirming, setConfirming] = useState(false);
  const [picking, setPicking] = useState(false);
  const deleted = !!message.deletedAt;
  const status = tickStatus(message);
  return (
    <div
      className={`message${own ? " own" : ""}${grouped ? " grouped" : ""}${deleted ? " deleted" : ""}`}
      data-testid="message"
      data-own={own ? "true" : "false"}
      data-seq={message.seq}
      data-message-id={message.id}
      {...(own && message.clientMessageId ? { "data-client-id": message.clientMessageId } : {})}
      {...(own ? { "data-status": status } : {})}
      {...(deleted ? { "data-deleted": "true" } : {})}
      tabIndex={0}
    >
      <div className="message-line">
        {group && !own && (
          <span className="message-avatar" aria-hidden="true">
            {showSender && <Avatar name={message.sender.displayName} url={message.sender.avatarUrl} size={28} />}
          </span>
        )}
        <div className="bubble">
          {showSender && (
            <div
              className="message-sender"
              data-testid="message-sender"
              style={{ "--avatar-hue": hue(message.sender.displayName) } as React.CSSProperties}
            >
              {message.sender.displayName}
            </div>
          )}
          {message.replyTo && !deleted && <Quote quote={message.replyTo} />}
          <div className="message-content" data-testid="message-content">
            {deleted ? (
              "This message was deleted"
            ) : (
              <MentionText content={message.content} mentions={message.mentions} viewerId={viewerId} />
            )}
          </div>
          <div className="meta">
            {message.editedAt && !deleted && (
              <span className="edited" data-testid="message-edited">
                edited
              </span>
            )}
            <time
              className="message-time"
              data-testid="message-time"
              dateTime={message.createdAt}
              title={new Date(message.createdAt).toLocaleString()}
            >
              {clock(new Date(message.createdAt))}
            </time>
            {own && !deleted && <Ticks status={status} message={message} group={group} />}
          </div>
          {!deleted && <ReactionBar message={message} picking={picking} onPicked={() => setPicking(false)} />}
        </div>
        {!deleted && (
          <div className="actions" role="toolbar" aria-label="Message actions">
            <button type="button" onClick={() => actions.onReply(message)}>
              Reply
            </button>
            <button type="button" aria-expanded={picking} onClick={() => setPicking(!picking)}>
              React
            </button>
            {own && (
              <button type="button" onClick={() => actions.onEdit(message)}>
                Edit
              </button>
            )}
            {canDelete && (
              <button type="button" onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </div>
        )}
      </div>
      {confirming && (
        <div role="dialog" aria-label="Delete this message?" className="confirm">
          <span>Delete this message for everyone?</span>
          <button
            type="button"
            className="danger"
            autoFocus
            onClick={() => {
              setConfirming(false);
              actions.onDelete(message);
            }}
          >
            Delete message
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
    </div>
  );
}

export function PendingItem({
  entry,
  slow,
  onRetry,
  onCancel,
  group,
  grouped,
}: {
  entry: OutboxEntry;
  slow: boolean;
  onRetry(): void;
  onCancel(): void;
  group: boolean;
  grouped: boolean;
}) {
  const failed = entry.state === "failed";
  return (
    <div
      className={`message own pending${grouped ? " grouped" : ""}${failed ? " failed" : ""}`}
      data-testid="message"
      data-own="true"
      data-client-id={entry.clientMessageId}
      data-status={failed ? "failed" : "pending"}
    >
      <div className="bubble">
        <div className="message-content" data-testid="message-content">
          {entry.content}
        </div>
        <div className="meta">
          <time className="message-time" data-testid="message-time" dateTime={new Date(entry.createdAt).toISOString()}>
            {clock(new Date(entry.createdAt))}
          </time>
          <Ticks status={failed ? "failed" : "pending"} group={group} />
        </div>
      </div>
      {failed && (
        <div className="send-problem">
          <span role="alert">{entry.error}</span>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )}
      {!failed && slow && (
        <div className="send-problem">
          <span>Taking longer than usual</span>
          <button type="button" onClick={onRetry}>
            Retry
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}

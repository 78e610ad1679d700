/** Delivery ticks (RFC §2.3): ✓ sent, ✓✓ delivered, blue ✓✓ read; in a group "✓✓ 5" opens who read it. */
import { useEffect, useRef, useState } from "react";
import { useQuery } from "urql";
import { ReadByQuery } from "../api/operations";
import type { MessageFieldsFragment } from "../gql/graphql";
import { clock, dayLabel } from "../util/time";

export type TickStatus = "pending" | "sent" | "delivered" | "read" | "failed";

const LABEL: Record<TickStatus, string> = {
  pending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Not sent",
};

export function tickStatus(message: MessageFieldsFragment): TickStatus {
  return message.status === "READ" ? "read" : message.status === "DELIVERED" ? "delivered" : "sent";
}

function Glyph({ status }: { status: TickStatus }) {
  if (status === "pending") return <span className="spinner" aria-hidden="true" />;
  if (status === "failed") return <span aria-hidden="true">!</span>;
  return <span aria-hidden="true">{status === "sent" ? "✓" : "✓✓"}</span>;
}

function ReadBy({ messageId, onClose }: { messageId: string; onClose: () => void }) {
  const [{ data, fetching, error }] = useQuery({
    query: ReadByQuery,
    variables: { id: messageId },
    requestPolicy: "network-only",
  });
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    const onDown = (e: MouseEvent) => !box.current?.contains(e.target as Node) && onClose();
    window.addEventListener("keydown", onKey);
    window.addEventListener("mousedown", onDown);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("mousedown", onDown);
    };
  }, [onClose]);
  const readers = data?.message?.readBy ?? [];
  return (
    <div role="dialog" aria-label="Read by" className="popover" tabIndex={-1} ref={box}>
      <h3>Read by</h3>
      {fetching && !data && <p className="muted">Loading…</p>}
      {error && !data && <p role="alert">Couldn't load who read it.</p>}
      {data && readers.length === 0 && <p className="muted">Nobody yet</p>}
      <ul>
        {readers.map((r) => (
          <li key={r.user.id}>
            <span>{r.user.displayName}</span>
            <span className="muted">
              {dayLabel(r.readAt)} {clock(new Date(r.readAt))}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Ticks({
  status,
  message,
  group,
}: {
  status: TickStatus;
  message?: MessageFieldsFragment;
  group: boolean;
}) {
  const [open, setOpen] = useState(false);
  const className = `ticks ticks-${status}`;
  if (group && message && status !== "pending" && status !== "failed") {
    const count = message.readCount;
    return (
      <span className="ticks-wrap">
        <button
          type="button"
          className={`${className} ticks-button`}
          data-testid="message-ticks"
          aria-label={LABEL[status]}
          aria-haspopup="dialog"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
        >
          {count > 0 ? <span aria-hidden="true">✓✓ {count}</span> : <Glyph status={status} />}
        </button>
        {open && <ReadBy messageId={message.id} onClose={() => setOpen(false)} />}
      </span>
    );
  }
  return (
    <span className={className} data-testid="message-ticks" aria-label={LABEL[status]} role="img">
      <Glyph status={status} />
    </span>
  );
}

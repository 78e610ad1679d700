/** A conversation row's menu: pin, mute and archive (and undo each), the viewer's own view. */
import { useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import type { ConversationFieldsFragment } from "../gql/graphql";
import {
  ArchiveConversationMutation,
  mutedNow,
  MuteConversationMutation,
  PinConversationMutation,
  UnarchiveConversationMutation,
  UnmuteConversationMutation,
  UnpinConversationMutation,
} from "./viewerState";

const EIGHT_HOURS_MS = 8 * 3600_000;

type Item = [label: string, action: () => Promise<{ error?: { graphQLErrors: { message: string }[] } }>];

export function ConversationMenu({
  conversation,
  onError,
}: {
  conversation: ConversationFieldsFragment;
  onError: (message: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const [, pin] = useMutation(PinConversationMutation);
  const [, unpin] = useMutation(UnpinConversationMutation);
  const [, mute] = useMutation(MuteConversationMutation);
  const [, unmute] = useMutation(UnmuteConversationMutation);
  const [, archive] = useMutation(ArchiveConversationMutation);
  const [, unarchive] = useMutation(UnarchiveConversationMutation);
  const state = conversation.viewerState;
  const conversationId = conversation.id;

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  async function run(action: Item[1]) {
    setOpen(false);
    const result = await action();
    const error = result.error?.graphQLErrors[0];
    if (error) onError(error.message);
  }

  const muted = mutedNow(state);
  const items: Item[] = [
    state.pinned ? ["Unpin", () => unpin({ conversationId })] : ["Pin", () => pin({ conversationId })],
  ];
  if (muted) items.push(["Unmute", () => unmute({ conversationId })]);
  else {
    const later = () => new Date(Date.now() + EIGHT_HOURS_MS).toISOString();
    items.push(["Mute", () => mute({ conversationId, until: null })]);
    items.push(["Mute for 8 hours", () => mute({ conversationId, until: later() })]);
  }
  items.push(
    state.archived
      ? ["Unarchive", () => unarchive({ conversationId })]
      : ["Archive", () => archive({ conversationId })],
  );

  return (
    <div className="row-menu" ref={root} onKeyDown={(event) => event.key === "Escape" && setOpen(false)}>
      <button
        type="button"
        className="row-menu-button icon"
        aria-label={`Actions for ${conversation.displayTitle}`}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <div role="menu" className="row-menu-items" aria-label={`${conversation.displayTitle} actions`}>
          {items.map(([label, action]) => (
            <button key={label} type="button" role="menuitem" onClick={() => void run(action)}>
              {label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/**
 * Opening a conversation at one message (a search result): the target is remembered here,
 * the chat loads the page around it (the messages between it and the newest then fill in
 * below it), scrolls it to the middle of the log and marks it (`data-jumped`) for a moment.
 */
import { useEffect, useRef, type RefObject } from "react";
import type { History } from "../chat/useHistory";
import { navigate } from "../ui/route";
import { createStore, useStore } from "../util/store";

export interface JumpTarget {
  conversationId: string;
  seq: number;
}

export const jumpTarget = createStore<JumpTarget | null>(null);

/** Open `conversationId` scrolled to the message `seq`. */
export function openAt(conversationId: string, seq: number): void {
  jumpTarget.set({ conversationId, seq });
  navigate(`/c/${conversationId}`);
}

const MARK_MS = 4_000;

/**
 * In the chat of `conversationId`: bring the jump target into view once it is loaded.
 * `leaveBottom` stops the log sticking to the newest message, which would scroll it away.
 */
export function useJumpToMessage(
  conversationId: string,
  history: History,
  log: RefObject<HTMLElement | null>,
  leaveBottom: () => void,
): void {
  const target = useStore(jumpTarget);
  const wanted = target?.conversationId === conversationId ? target.seq : null;
  const held = wanted !== null && history.messages.some((m) => m.seq === wanted);

  // The page around the message, once; the hole between it and the newest page then fills.
  const asked = useRef<number | null>(null);
  useEffect(() => {
    if (wanted === null || held || history.loading) return;
    if (asked.current !== wanted) {
      asked.current = wanted;
      history.loadAround(wanted);
    } else if (history.settled) {
      jumpTarget.set(null); // not in the history (out of reach): stay where the chat is
    }
  }, [wanted, held, history]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (wanted === null || !held) return;
    const el = log.current?.querySelector<HTMLElement>(`[data-seq="${wanted}"]`);
    if (!el) return;
    leaveBottom();
    el.scrollIntoView({ block: "center" });
    el.setAttribute("data-jumped", "true");
    el.focus({ preventScroll: true });
    jumpTarget.set(null);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => el.removeAttribute("data-jumped"), MARK_MS);
  }, [wanted, held, log, leaveBottom]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
}

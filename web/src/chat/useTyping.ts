/** Tell the others we are typing: at most every 3 s while typing, and stop when idle or sent. */
import { useCallback, useEffect, useRef } from "react";
import { useMutation } from "urql";
import { SetTypingMutation } from "../api/operations";

const REFRESH_MS = 3_000;
const IDLE_MS = 4_000;

export function useTypingSender(conversationId: string) {
  const [, setTyping] = useMutation(SetTypingMutation);
  const lastSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // One at a time, in order: a late "typing" must not overtake the "stopped" after it.
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const send = useCallback(
    (isTyping: boolean) => {
      queue.current = queue.current.then(() => setTyping({ conversationId, isTyping }));
    },
    [conversationId, setTyping],
  );

  const stop = useCallback(() => {
    clearTimeout(idle.current);
    if (lastSent.current === 0) return;
    lastSent.current = 0;
    send(false);
  }, [send]);

  const typed = useCallback(
    (text: string) => {
      if (!text.trim()) {
        stop();
        return;
      }
      const now = Date.now();
      if (now - lastSent.current > REFRESH_MS) {
        lastSent.current = now;
        send(true);
      }
      clearTimeout(idle.current);
      idle.current = setTimeout(stop, IDLE_MS);
    },
    [send, stop],
  );

  useEffect(() => stop, [stop]);
  return { typed, stop };
}

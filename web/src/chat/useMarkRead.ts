/**
 * Mark read what the user actually saw: the newest message, once at least half of it has been
 * on screen while the window has focus and is visible. The mark covers everything before it.
 */
import { useEffect, useRef } from "react";
import { useMutation } from "urql";
import { MarkReadMutation } from "../api/operations";

export function useMarkRead(
  conversationId: string,
  newest: { id: string; seq: number } | null,
  element: HTMLElement | null,
  unread: number,
) {
  const [, markRead] = useMutation(MarkReadMutation);
  const marked = useRef(0);
  const visible = useRef(false);

  useEffect(() => {
    if (!newest || !element) return;
    const attempt = () => {
      if (!visible.current || unread === 0 || newest.seq <= marked.current) return;
      if (!document.hasFocus() || document.visibilityState !== "visible") return;
      marked.current = newest.seq;
      void markRead({ conversationId, messageId: newest.id }).then((result) => {
        if (result.error) marked.current = 0; // try again on the next chance
      });
    };
    const observer = new IntersectionObserver(
      ([entry]) => {
        visible.current = entry.intersectionRatio >= 0.5;
        attempt();
      },
      { threshold: [0, 0.5, 1] },
    );
    observer.observe(element);
    window.addEventListener("focus", attempt);
    document.addEventListener("visibilitychange", attempt);
    attempt();
    return () => {
      observer.disconnect();
      window.removeEventListener("focus", attempt);
      document.removeEventListener("visibilitychange", attempt);
    };
  }, [conversationId, newest, element, unread, markRead]);
}

/** Two routes: `/` (the list) and `/c/<conversationId>` (a chat). */
import { createStore, useStore } from "../util/store";

const path = createStore(window.location.pathname);
window.addEventListener("popstate", () => path.set(window.location.pathname));

export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname) return;
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  path.set(to);
}

export function useOpenConversation(): string | null {
  const current = useStore(path);
  const match = /^\/c\/([^/]+)\/?$/.exec(current);
  return match ? decodeURIComponent(match[1]) : null;
}

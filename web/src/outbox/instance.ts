/**
 * The app's one outbox. Tabs share the IndexedDB store and tell each other about changes on
 * a BroadcastChannel; two tabs sending the same entry is harmless (same clientMessageId).
 */
import type { Client } from "urql";
import { currentSession } from "../auth/session";
import { Outbox } from "./outbox";
import { clientSender } from "./sender";
import { IndexedDBOutboxStore, type OutboxStore } from "./store";

let client: Client | null = null;

export function setOutboxClient(next: Client | null): void {
  client = next;
  void outbox.reload(); // list the signed-in user's entries
  if (next) outbox.resume();
}

const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("tidings:outbox") : null;

const persisted = new IndexedDBOutboxStore();
/** Every write is announced to the other tabs, which read the store again. */
const store: OutboxStore = {
  all: () => persisted.all(),
  put: async (entry) => {
    await persisted.put(entry);
    channel?.postMessage("changed");
  },
  delete: async (id) => {
    await persisted.delete(id);
    channel?.postMessage("changed");
  },
};

export const outbox = new Outbox({
  store,
  send: clientSender(() => client),
  isOnline: () => navigator.onLine !== false && client !== null,
  owner: () => currentSession()?.user.id ?? null,
});

if (channel) channel.onmessage = () => void outbox.reload();

window.addEventListener("online", () => outbox.resume());

/** The outbox's persistence: IndexedDB database `tidings`, store `outbox`, keyed by clientMessageId. */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";

export type EntryState = "pending" | "failed";

export interface OutboxEntry {
  clientMessageId: string;
  /** Whose message it is: only sent while that user is signed in. */
  userId?: string | null;
  conversationId: string;
  content: string;
  replyToId: string | null;
  /** When the user pressed send (ms since epoch); also the send order. */
  createdAt: number;
  attempts: number;
  /** Not before this time (ms since epoch); 0 = now. */
  nextAttemptAt: number;
  state: EntryState;
  /** In words, for a failed entry or a wait. */
  error: string | null;
  /** Set while waiting out RATE_LIMITED. */
  rateLimitedUntil: number | null;
}

interface TidingsDB extends DBSchema {
  outbox: { key: string; value: OutboxEntry };
}

export interface OutboxStore {
  all(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(clientMessageId: string): Promise<void>;
}

export const DB_NAME = "tidings";

export class IndexedDBOutboxStore implements OutboxStore {
  private db: Promise<IDBPDatabase<TidingsDB>>;

  constructor(factory?: IDBFactory) {
    const original = globalThis.indexedDB;
    if (factory) globalThis.indexedDB = factory;
    this.db = openDB<TidingsDB>(DB_NAME, 1, {
      upgrade(db) {
        db.createObjectStore("outbox", { keyPath: "clientMessageId" });
      },
    });
    if (factory) globalThis.indexedDB = original;
  }

  async all(): Promise<OutboxEntry[]> {
    const entries = await (await this.db).getAll("outbox");
    return entries.sort((a, b) => a.createdAt - b.createdAt);
  }

  async put(entry: OutboxEntry): Promise<void> {
    await (await this.db).put("outbox", entry);
  }

  async delete(clientMessageId: string): Promise<void> {
    await (await this.db).delete("outbox", clientMessageId);
  }
}

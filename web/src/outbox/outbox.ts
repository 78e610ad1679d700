/**
 * Nothing a user sends is lost: every message waits here (persisted in IndexedDB) until the
 * server confirms it. Sends go out one at a time in the order typed, each with its
 * clientMessageId, so a retry after a lost response is stored once (the server dedups).
 */
import { backoffDelay } from "./backoff";
import type { OutboxEntry, OutboxStore } from "./store";

export type SendOutcome =
  | { kind: "sent" }
  | { kind: "network" }
  | { kind: "rateLimited"; retryAfterSeconds: number }
  | { kind: "invalid"; message: string }
  | { kind: "gone" };

export type Sender = (entry: OutboxEntry) => Promise<SendOutcome>;

/** An attempt without an answer by then counts as a network failure (a hung request). */
export const ATTEMPT_TIMEOUT_MS = 10_000;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface OutboxOptions {
  store: OutboxStore;
  send: Sender;
  clock?: Clock;
  random?: () => number;
  /** Whether sending makes sense now (navigator.onLine); offline entries wait for resume(). */
  isOnline?: () => boolean;
  newId?: () => string;
  /** The signed-in user: only their entries are listed and sent. */
  owner?: () => string | null;
}

export interface NewMessage {
  conversationId: string;
  content: string;
  replyToId?: string | null;
}

type Listener = (entries: OutboxEntry[]) => void;

export class Outbox {
  private entries = new Map<string, OutboxEntry>();
  private listeners = new Set<Listener>();
  private current: OutboxEntry[] = [];
  /** The attempt under way: which entry, and a number so a superseded attempt is known. */
  private inFlight: { id: string; attempt: number } | null = null;
  private attempts = 0;
  private timer: unknown = null;
  private loaded: Promise<void>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly isOnline: () => boolean;
  private readonly newId: () => string;
  private readonly owner: () => string | null;

  constructor(private readonly options: OutboxOptions) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.isOnline = options.isOnline ?? (() => true);
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.owner = options.owner ?? (() => null);
    // A fresh start (page load) is a new chance for everything still waiting.
    this.loaded = this.reload().then(() => this.resume());
  }

  /** Read the persisted entries again (start-up, or another tab changed them). */
  async reload(): Promise<void> {
    const stored = await this.options.store.all();
    this.entries = new Map(stored.map((entry) => [entry.clientMessageId, entry]));
    if (this.inFlight && !this.entries.has(this.inFlight.id)) this.inFlight = null;
    this.emit();
    this.pump();
  }

  ready(): Promise<void> {
    return this.loaded;
  }

  list(conversationId?: string): OutboxEntry[] {
    const owner = this.owner();
    return [...this.entries.values()]
      .filter((entry) => (entry.userId ?? null) === owner)
      .filter((entry) => conversationId === undefined || entry.conversationId === conversationId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async enqueue(message: NewMessage): Promise<OutboxEntry> {
    await this.loaded;
    const entry: OutboxEntry = {
      clientMessageId: this.newId(),
      userId: this.owner(),
      conversationId: message.conversationId,
      content: message.content,
      replyToId: message.replyToId ?? null,
      createdAt: this.clock.now(),
      attempts: 0,
      nextAttemptAt: 0,
      state: "pending",
      error: null,
      rateLimitedUntil: null,
    };
    this.entries.set(entry.clientMessageId, entry);
    await this.options.store.put(entry);
    this.emit();
    this.pump();
    return entry;
  }

  /** Send now what is waiting (back online, socket reconnected, user pressed Retry). */
  resume(): void {
    for (const entry of this.entries.values()) {
      if (entry.state === "pending" && entry.rateLimitedUntil === null) entry.nextAttemptAt = 0;
    }
    this.emit();
    this.pump();
  }

  /** The user pressed Retry: a new attempt now, even while an earlier one hangs. */
  async retry(clientMessageId: string): Promise<void> {
    const entry = this.entries.get(clientMessageId);
    if (!entry) return;
    if (this.inFlight?.id === clientMessageId) this.inFlight = null; // superseded
    entry.state = "pending";
    entry.error = null;
    entry.nextAttemptAt = 0;
    await this.options.store.put(entry);
    this.emit();
    this.pump();
  }

  /** Signing out on purpose: this user's unsent messages leave this device too. */
  async forget(userId: string): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (entry.userId === userId) {
        this.entries.delete(entry.clientMessageId);
        await this.options.store.delete(entry.clientMessageId);
      }
    }
    this.emit();
  }

  /** Give up on a message: it leaves the outbox (and the log). */
  async cancel(clientMessageId: string): Promise<void> {
    if (!this.entries.delete(clientMessageId)) return;
    await this.options.store.delete(clientMessageId);
    this.emit();
  }

  /** Every entry, oldest first; the same array until something changes (for useSyncExternalStore). */
  snapshot(): OutboxEntry[] {
    return this.current;
  }

  private emit(): void {
    this.current = this.list().map((entry) => ({ ...entry }));
    for (const listener of this.listeners) listener(this.current);
  }

  /** The next entry to send: the oldest pending one, if its time has come. */
  private pump(): void {
    if (this.inFlight !== null) return;
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.isOnline()) return;
    const next = this.list().find((entry) => entry.state === "pending");
    if (!next) return;
    const wait = next.nextAttemptAt - this.clock.now();
    if (wait > 0) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    void this.attempt(next);
  }

  /** One send, given up as a network failure if no answer comes within ATTEMPT_TIMEOUT_MS. */
  private sendOnce(entry: OutboxEntry): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve({ kind: "network" }), ATTEMPT_TIMEOUT_MS);
      this.options.send(entry).then(
        (outcome) => {
          this.clock.clearTimeout(timer);
          resolve(outcome);
        },
        () => {
          this.clock.clearTimeout(timer);
          resolve({ kind: "network" });
        },
      );
    });
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const mine = { id: entry.clientMessageId, attempt: ++this.attempts };
    this.inFlight = mine;
    const outcome = await this.sendOnce(entry);
    const superseded = this.inFlight !== mine;
    if (!superseded) this.inFlight = null;
    const current = this.entries.get(entry.clientMessageId);
    if (!current || (superseded && outcome.kind !== "sent")) {
      // Cancelled meanwhile, or a newer attempt decides (a late success still confirms it).
      this.pump();
      return;
    }
    switch (outcome.kind) {
      case "sent":
      case "gone":
        this.entries.delete(entry.clientMessageId);
        await this.options.store.delete(entry.clientMessageId);
        break;
      case "network":
        current.attempts += 1;
        current.rateLimitedUntil = null;
        current.nextAttemptAt = this.clock.now() + backoffDelay(current.attempts, this.random);
        await this.options.store.put(current);
        break;
      case "rateLimited": {
        const until = this.clock.now() + Math.max(1, outcome.retryAfterSeconds) * 1000;
        current.rateLimitedUntil = until;
        current.nextAttemptAt = until;
        await this.options.store.put(current);
        break;
      }
      case "invalid":
        current.state = "failed";
        current.error = outcome.message;
        current.rateLimitedUntil = null;
        await this.options.store.put(current);
        break;
    }
    this.emit();
    this.pump();
  }
}

import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../test/clock";
import { backoffDelay } from "./backoff";
import { ATTEMPT_TIMEOUT_MS, Outbox, type SendOutcome } from "./outbox";
import { IndexedDBOutboxStore, type OutboxEntry } from "./store";

/** A server stand-in that answers what each attempt is told to, and records what it got. */
function scriptedSender(outcomes: SendOutcome[]) {
  const received: OutboxEntry[] = [];
  const send = async (entry: OutboxEntry): Promise<SendOutcome> => {
    received.push({ ...entry });
    return outcomes.shift() ?? { kind: "sent" };
  };
  return { send, received };
}

let ids = 0;
function setup(outcomes: SendOutcome[], factory = new IDBFactory(), clock = new ManualClock()) {
  const sender = scriptedSender(outcomes);
  const store = new IndexedDBOutboxStore(factory);
  const outbox = new Outbox({ store, send: sender.send, clock, random: () => 0.5, newId: () => `cmid-${++ids}` });
  return { outbox, store, clock, factory, ...sender };
}

describe("outbox", () => {
  it("keeps a message in IndexedDB until the server confirms it", async () => {
    const { outbox, store, received } = setup([{ kind: "network" }]);
    const entry = await outbox.enqueue({ conversationId: "c1", content: "Hi Bob!" });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    await vi.waitFor(async () => expect((await store.all())[0]?.attempts).toBe(1));
    expect((await store.all()).map((e) => e.clientMessageId)).toEqual([entry.clientMessageId]);
  });

  it("retries after network errors with exponential backoff and jitter, always with the same clientMessageId", async () => {
    const { outbox, clock, received, store } = setup([{ kind: "network" }, { kind: "network" }, { kind: "network" }]);
    const entry = await outbox.enqueue({ conversationId: "c1", content: "Lunch?" });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await vi.waitFor(() => expect(received).toHaveLength(attempt));
      await vi.waitFor(() => expect(clock.pending()).toBe(1));
      clock.advance(backoffDelay(attempt, () => 0.5));
    }
    await vi.waitFor(() => expect(received).toHaveLength(4));
    await vi.waitFor(async () => expect(await store.all()).toEqual([]));
    // 0.75 of each doubling step with random() = 0.5
    expect(clock.delays.filter((d) => d !== ATTEMPT_TIMEOUT_MS)).toEqual([375, 750, 1500]);
    expect(new Set(received.map((e) => e.clientMessageId))).toEqual(new Set([entry.clientMessageId]));
    expect(outbox.list()).toEqual([]);
  });

  it("backs off exponentially up to a cap, spread by jitter", () => {
    expect(backoffDelay(1, () => 0)).toBe(250);
    expect(backoffDelay(1, () => 1)).toBe(500);
    expect(backoffDelay(4, () => 0)).toBe(2000);
    expect(backoffDelay(30, () => 1)).toBe(30_000);
  });

  it("survives a reload: a new outbox on the same IndexedDB sends what was left, with the same id", async () => {
    const factory = new IDBFactory();
    const first = setup([{ kind: "network" }], factory);
    const entry = await first.outbox.enqueue({
      conversationId: "c1",
      content: "typed before the reload",
      replyToId: "m7",
    });
    await vi.waitFor(() => expect(first.received).toHaveLength(1));
    await vi.waitFor(async () => expect((await first.store.all())[0]?.attempts).toBe(1));

    const second = setup([], factory);
    await second.outbox.ready();
    await vi.waitFor(() => expect(second.received).toHaveLength(1));
    expect(second.received[0]).toMatchObject({
      clientMessageId: entry.clientMessageId,
      content: "typed before the reload",
      replyToId: "m7",
      conversationId: "c1",
    });
    await vi.waitFor(async () => expect(await second.store.all()).toEqual([]));
  });

  it("sends in the order typed, one at a time", async () => {
    const { outbox, received } = setup([]);
    await outbox.enqueue({ conversationId: "c1", content: "one" });
    await outbox.enqueue({ conversationId: "c1", content: "two" });
    await outbox.enqueue({ conversationId: "c2", content: "three" });
    await vi.waitFor(() => expect(received.map((e) => e.content)).toEqual(["one", "two", "three"]));
  });

  it("waits out RATE_LIMITED for retryAfter seconds, then goes out by itself", async () => {
    const { outbox, clock, received, store } = setup([{ kind: "rateLimited", retryAfterSeconds: 7 }]);
    await outbox.enqueue({ conversationId: "c1", content: "fast" });
    await vi.waitFor(() => expect(clock.pending()).toBe(1));
    expect(clock.delays.filter((d) => d !== ATTEMPT_TIMEOUT_MS)).toEqual([7000]);
    expect(outbox.list()[0].rateLimitedUntil).toBe(clock.now() + 7000);
    clock.advance(6999);
    expect(received).toHaveLength(1);
    clock.advance(1);
    await vi.waitFor(() => expect(received).toHaveLength(2));
    await vi.waitFor(async () => expect(await store.all()).toEqual([]));
  });

  it("keeps a refused message as failed, in words, without retrying it", async () => {
    const { outbox, clock, received, store } = setup([
      { kind: "invalid", message: "Message is too long (4,012 / 4,000)" },
    ]);
    await outbox.enqueue({ conversationId: "c1", content: "x".repeat(4012) });
    await vi.waitFor(async () => expect((await store.all())[0]?.state).toBe("failed"));
    expect(outbox.list()[0].error).toBe("Message is too long (4,012 / 4,000)");
    clock.advance(60_000);
    expect(received).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it("sends again at once on resume (back online), and forgets a cancelled message", async () => {
    const { outbox, clock, received, store } = setup([{ kind: "network" }, { kind: "network" }]);
    const a = await outbox.enqueue({ conversationId: "c1", content: "a" });
    await vi.waitFor(() => expect(clock.pending()).toBe(1));
    outbox.resume();
    await vi.waitFor(() => expect(received).toHaveLength(2));
    await outbox.cancel(a.clientMessageId);
    expect(await store.all()).toEqual([]);
    expect(outbox.list()).toEqual([]);
  });

  it("does not send while offline, and sends when resumed online", async () => {
    let online = false;
    const sender = scriptedSender([]);
    const outbox = new Outbox({
      store: new IndexedDBOutboxStore(new IDBFactory()),
      send: sender.send,
      clock: new ManualClock(),
      isOnline: () => online,
    });
    await outbox.enqueue({ conversationId: "c1", content: "from the tunnel" });
    await new Promise((r) => setTimeout(r, 20));
    expect(sender.received).toHaveLength(0);
    online = true;
    outbox.resume();
    await vi.waitFor(() => expect(sender.received).toHaveLength(1));
  });

  it("gives up on an attempt that never answers and tries again, and Retry does not wait for it", async () => {
    const clock = new ManualClock();
    const received: OutboxEntry[] = [];
    const answers: ((outcome: SendOutcome) => void)[] = [];
    const outbox = new Outbox({
      store: new IndexedDBOutboxStore(new IDBFactory()),
      clock,
      random: () => 0.5,
      send: (entry) => {
        received.push(entry);
        return new Promise((resolve) => answers.push(resolve));
      },
    });
    const entry = await outbox.enqueue({ conversationId: "c1", content: "are you coming?" });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    // The user presses Retry while the first attempt hangs: a second one goes out at once.
    await outbox.retry(entry.clientMessageId);
    await vi.waitFor(() => expect(received).toHaveLength(2));
    // The first fails late: that changes nothing while the second is under way.
    answers[0]({ kind: "network" });
    await new Promise((r) => setTimeout(r, 10));
    expect(received).toHaveLength(2);
    // The second never answers: after the timeout it counts as a network failure and is retried.
    clock.advance(ATTEMPT_TIMEOUT_MS);
    await vi.waitFor(() => expect(outbox.list()[0]?.attempts).toBe(1));
    clock.advance(backoffDelay(1, () => 0.5));
    await vi.waitFor(() => expect(received).toHaveLength(3));
    answers[2]({ kind: "sent" });
    await vi.waitFor(() => expect(outbox.list()).toEqual([]));
    expect(new Set(received.map((e) => e.clientMessageId)).size).toBe(1);
  });

  it("sends only the signed-in user's messages: another user signing in on this device sends none of them", async () => {
    const factory = new IDBFactory();
    let owner: string | null = "alice";
    const alice = scriptedSender([{ kind: "network" }]);
    const first = new Outbox({
      store: new IndexedDBOutboxStore(factory),
      send: alice.send,
      clock: new ManualClock(),
      owner: () => owner,
    });
    await first.enqueue({ conversationId: "c1", content: "from alice" });
    await vi.waitFor(() => expect(alice.received).toHaveLength(1));
    owner = "bob";
    const bob = scriptedSender([]);
    const second = new Outbox({
      store: new IndexedDBOutboxStore(factory),
      send: bob.send,
      clock: new ManualClock(),
      owner: () => owner,
    });
    await second.ready();
    await new Promise((r) => setTimeout(r, 20));
    expect(bob.received).toHaveLength(0);
    expect(second.list()).toEqual([]);
    owner = "alice";
    await second.reload();
    second.resume();
    await vi.waitFor(() => expect(bob.received.map((e) => e.content)).toEqual(["from alice"]));
  });
});

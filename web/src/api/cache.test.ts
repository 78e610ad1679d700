/**
 * The Graphcache updaters against a real urql client whose transport the test plays:
 * canned query answers, and subscription events pushed by hand.
 */
import { describe, expect, it } from "vitest";
import { Client, makeResult, type Exchange, type Operation } from "urql";
import { filter, fromPromise, fromValue, makeSubject, map, mergeMap, pipe, type Subject } from "wonka";
import type {
  ConversationsQuery as ConversationsData,
  MessageFieldsFragment,
  MessagesQuery as MessagesData,
} from "../gql/graphql";
import { cacheConfig, insertBySeq } from "./cache";
import { goneConversations } from "./live";
import { cacheExchange } from "@urql/exchange-graphcache";
import {
  ConversationUpdatedSubscription,
  ConversationsQuery,
  MarkReadMutation,
  MessageAddedSubscription,
  MessageUpdatedSubscription,
  MessagesQuery,
  ReceiptUpdatedSubscription,
  SendMessageMutation,
} from "./operations";
import { conversationsVars, newestPage } from "./pages";
import { ArchiveConversationMutation, ArchivedConversationsQuery, archivedVars, forList } from "../list/viewerState";

const ME = "u-me";
const BOB = "u-bob";

function user(id: string, name: string) {
  return {
    __typename: "User" as const,
    id,
    username: name.toLowerCase(),
    displayName: name,
    avatarUrl: null,
    presence: { __typename: "Presence" as const, status: "ONLINE" as const, lastSeenAt: null },
  };
}

function message(seq: number, from: string, extra: Partial<MessageFieldsFragment> = {}): MessageFieldsFragment {
  const sender = from === ME ? user(ME, "Me") : user(BOB, "Bob");
  return {
    __typename: "Message",
    id: `m${seq}`,
    conversationId: "c1",
    seq,
    content: `message ${seq}`,
    clientMessageId: null,
    createdAt: new Date(Date.UTC(2026, 11, 1, 12, seq)).toISOString(),
    editedAt: null,
    deletedAt: null,
    cursor: `cursor-${seq}`,
    status: "SENT",
    deliveredCount: 0,
    readCount: 0,
    recipientCount: 1,
    sender: {
      __typename: "User",
      id: sender.id,
      displayName: sender.displayName,
      username: sender.username,
      avatarUrl: null,
    },
    replyTo: null,
    mentions: [],
    reactions: [],
    ...extra,
  };
}

function conversation(last: MessageFieldsFragment | null, unreadCount: number) {
  return {
    __typename: "Conversation" as const,
    id: "c1",
    kind: "DIRECT" as const,
    title: null,
    displayTitle: "Bob",
    lastMessageAt: last?.createdAt ?? null,
    createdAt: "2026-12-01T11:00:00+00:00",
    unreadCount,
    unreadMentionCount: 0,
    participantCount: 2,
    viewerState: {
      __typename: "ConversationViewerState" as const,
      muted: false,
      mutedUntil: null,
      archived: false,
      pinned: false,
      pinnedAt: null,
    },
    participants: [ME, BOB].map((id) => ({
      __typename: "Participant" as const,
      role: "ADMIN" as const,
      lastReadSeq: 0,
      user: id === ME ? user(ME, "Me") : user(BOB, "Bob"),
    })),
    lastMessage: last,
  };
}

function page(messages: MessageFieldsFragment[]) {
  return {
    __typename: "Query",
    messages: {
      __typename: "MessageConnection",
      edges: messages.map((m) => ({ __typename: "MessageEdge", cursor: m.cursor, node: m })),
      pageInfo: {
        __typename: "PageInfo",
        hasPreviousPage: false,
        hasNextPage: false,
        startCursor: messages[0]?.cursor ?? null,
        endCursor: null,
      },
    },
  };
}

function list(conversations: ReturnType<typeof conversation>[]) {
  return {
    __typename: "Query",
    conversations: {
      __typename: "ConversationConnection",
      edges: conversations.map((c) => ({ __typename: "ConversationEdge", cursor: c.id, node: c })),
      pageInfo: { __typename: "PageInfo", hasNextPage: false, endCursor: null },
    },
  };
}

type Answer = (op: Operation) => object | Promise<object>;

/** A urql client with the app's cache; `answers` by operation name, `events` for subscriptions. */
function harness(answers: Record<string, Answer>) {
  const events = new Map<string, Subject<object>>();
  const subject = (name: string) => {
    if (!events.has(name)) events.set(name, makeSubject<object>());
    return events.get(name)!;
  };
  const transport: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== "teardown"),
      mergeMap((op) => {
        const name = op.query.definitions.find((d) => d.kind === "OperationDefinition")?.name?.value ?? "";
        if (op.kind === "subscription")
          return pipe(
            subject(name).source,
            map((data) => makeResult(op, { data })),
          );
        const answer = answers[name](op);
        if (answer instanceof Promise) return fromPromise(answer.then((data: object) => makeResult(op, { data })));
        return fromValue(makeResult(op, { data: answer }));
      }),
    );
  const client = new Client({ url: "/graphql", exchanges: [cacheExchange(cacheConfig(() => ME)), transport] });
  return {
    client,
    answers,
    async push(name: string, data: object) {
      subject(name).next(data);
      await tick();
    },
  };
}

function follow<T>(source: { subscribe(cb: (r: { data?: T }) => void): { unsubscribe(): void } }) {
  const seen: { latest?: T } = {};
  source.subscribe((r) => {
    if (r.data) seen.latest = r.data;
  });
  return seen;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function seqs(data: MessagesData | undefined): number[] {
  return data?.messages.edges.map((e) => e.node.seq) ?? [];
}

describe("cache updaters", () => {
  let answerMarkRead = () => {};
  async function start(initial: MessageFieldsFragment[], unread: number) {
    const h = harness({
      Messages: () => page(initial),
      Conversations: () => list([conversation(initial[initial.length - 1] ?? null, unread)]),
      SendMessage: (op) => ({
        __typename: "Mutation",
        sendMessage: message(initial.length + 1, ME, {
          clientMessageId: (op.variables as { input: { clientMessageId: string } }).input.clientMessageId,
        }),
      }),
      // The server answers when the test says so: what shows before is the optimistic result.
      MarkRead: () =>
        new Promise<object>(
          (resolve) =>
            (answerMarkRead = () =>
              resolve({
                __typename: "Mutation",
                markRead: { __typename: "Participant", lastReadSeq: 2, lastReadAt: null },
              })),
        ),
    });
    const history = follow<MessagesData>(h.client.query(MessagesQuery, newestPage("c1")));
    const inbox = follow<ConversationsData>(h.client.query(ConversationsQuery, conversationsVars));
    h.client.subscription(MessageAddedSubscription, {}).subscribe(() => undefined);
    h.client.subscription(MessageUpdatedSubscription, {}).subscribe(() => undefined);
    h.client.subscription(ReceiptUpdatedSubscription, { conversationId: "c1" }).subscribe(() => undefined);
    h.client.subscription(ConversationUpdatedSubscription, {}).subscribe(() => undefined);
    await tick();
    return { ...h, history, inbox };
  }
  const added = (m: MessageFieldsFragment) => ({ __typename: "Subscription", messageAdded: m });

  it("messageAdded appends in seq order, without duplicates", async () => {
    const h = await start([message(1, BOB), message(2, BOB)], 2);
    await h.push("MessageAdded", added(message(4, BOB)));
    await h.push("MessageAdded", added(message(3, BOB)));
    await h.push("MessageAdded", added(message(4, BOB)));
    await h.push("MessageAdded", added(message(2, BOB)));
    expect(seqs(h.history.latest)).toEqual([1, 2, 3, 4]);
  });

  it("counts each new message from others once, not the viewer's own, and moves the conversation's last message", async () => {
    const h = await start([message(1, BOB)], 1);
    await h.push("MessageAdded", added(message(2, BOB)));
    await h.push("MessageAdded", added(message(2, BOB)));
    await h.push("MessageAdded", added(message(3, ME)));
    const row = h.inbox.latest!.conversations.edges[0].node;
    expect(row.unreadCount).toBe(2);
    expect(row.lastMessage?.seq).toBe(3);
  });

  it("a message from another that mentions the viewer counts as an unread mention until read", async () => {
    const h = await start([message(1, BOB)], 1);
    const me = { __typename: "User" as const, id: ME, username: "me" };
    await h.push("MessageAdded", added(message(2, BOB, { mentions: [me] })));
    await h.push("MessageAdded", added(message(2, BOB, { mentions: [me] })));
    await h.push("MessageAdded", added(message(3, BOB)));
    await h.push("MessageAdded", added(message(4, ME, { mentions: [me] })));
    expect(h.inbox.latest!.conversations.edges[0].node.unreadMentionCount).toBe(1);
    const pending = h.client.mutation(MarkReadMutation, { conversationId: "c1", messageId: "m3" }).toPromise();
    await tick();
    expect(h.inbox.latest!.conversations.edges[0].node.unreadMentionCount).toBe(0);
    answerMarkRead();
    await pending;
  });

  it("an edit that adds or removes a mention of the viewer, or a deletion, moves the badges of unread messages only", async () => {
    const h = await start([message(1, BOB), message(2, BOB), message(3, BOB)], 3);
    const me = { __typename: "User" as const, id: ME, username: "me" };
    const updated = (m: MessageFieldsFragment) => ({ __typename: "Subscription", messageUpdated: m });
    const row = () => h.inbox.latest!.conversations.edges[0].node;
    const pending = h.client.mutation(MarkReadMutation, { conversationId: "c1", messageId: "m2" }).toPromise();
    answerMarkRead();
    await pending;
    await tick();
    expect([row().unreadCount, row().unreadMentionCount]).toEqual([1, 0]);

    // m3 is unread: an edit that mentions the viewer badges it, one that takes it out clears it.
    await h.push("MessageUpdated", updated(message(3, BOB, { content: "@me 3", editedAt: "x", mentions: [me] })));
    expect([row().unreadCount, row().unreadMentionCount]).toEqual([1, 1]);
    await h.push("MessageUpdated", updated(message(3, BOB, { content: "3", editedAt: "y", mentions: [] })));
    expect([row().unreadCount, row().unreadMentionCount]).toEqual([1, 0]);
    // m2 was read: mentioning the viewer in it now is no unread mention.
    await h.push("MessageUpdated", updated(message(2, BOB, { content: "@me 2", editedAt: "x", mentions: [me] })));
    expect([row().unreadCount, row().unreadMentionCount]).toEqual([1, 0]);
    // An unread mention deleted: neither the message nor its mention counts any more.
    await h.push("MessageUpdated", updated(message(3, BOB, { content: "@me", editedAt: "z", mentions: [me] })));
    expect([row().unreadCount, row().unreadMentionCount]).toEqual([1, 1]);
    await h.push("MessageUpdated", updated(message(3, BOB, { content: "", deletedAt: "z", mentions: [] })));
    expect([row().unreadCount, row().unreadMentionCount]).toEqual([0, 0]);
  });

  it("the sent message and its live echo are one message, the real one", async () => {
    const h = await start([message(1, BOB)], 0);
    const result = await h.client
      .mutation(SendMessageMutation, {
        input: { conversationId: "c1", content: "message 2", clientMessageId: "cmid-1" },
      })
      .toPromise();
    expect(result.data?.sendMessage.id).toBe("m2");
    await h.push("MessageAdded", added(message(2, ME, { clientMessageId: "cmid-1" })));
    const edges = h.history.latest!.messages.edges;
    expect(edges.map((e) => [e.node.id, e.node.clientMessageId])).toEqual([
      ["m1", null],
      ["m2", "cmid-1"],
    ]);
    expect(h.inbox.latest!.conversations.edges[0].node.unreadCount).toBe(0);
  });

  it("markRead clears the badge at once (optimistically) down to what is after the mark", async () => {
    const h = await start([message(1, BOB), message(2, BOB), message(3, BOB)], 3);
    const pending = h.client.mutation(MarkReadMutation, { conversationId: "c1", messageId: "m2" }).toPromise();
    await tick();
    expect(h.inbox.latest!.conversations.edges[0].node.unreadCount).toBe(1);
    answerMarkRead();
    await pending;
    await tick();
    expect(h.inbox.latest!.conversations.edges[0].node.unreadCount).toBe(1);
  });

  it("a read mark from the viewer's other device clears the badge; others' reads turn ticks blue", async () => {
    const h = await start([message(1, ME), message(2, BOB), message(3, BOB)], 2);
    await h.push("ReceiptUpdated", {
      __typename: "Subscription",
      receiptUpdated: {
        __typename: "ReceiptUpdate",
        conversationId: "c1",
        receipts: [
          {
            __typename: "ParticipantReceipt",
            user: { __typename: "User", id: ME },
            lastDeliveredSeq: 3,
            lastReadSeq: 3,
            readAt: null,
          },
          {
            __typename: "ParticipantReceipt",
            user: { __typename: "User", id: BOB },
            lastDeliveredSeq: 1,
            lastReadSeq: 1,
            readAt: null,
          },
        ],
        counts: [
          {
            __typename: "MessageReceiptCount",
            messageId: "m1",
            seq: 1,
            deliveredCount: 1,
            readCount: 1,
            recipientCount: 1,
          },
        ],
      },
    });
    expect(h.inbox.latest!.conversations.edges[0].node.unreadCount).toBe(0);
    const first = h.history.latest!.messages.edges[0].node;
    expect([first.status, first.readCount]).toEqual(["READ", 1]);
  });

  it("a page answered before the newest message came does not lower the badge", async () => {
    const h = harness({
      Messages: () => page([message(1, BOB)]),
      Conversations: () => list([conversation(message(2, BOB), 2)]),
    });
    const inbox = follow<ConversationsData>(h.client.query(ConversationsQuery, conversationsVars));
    follow<MessagesData>(h.client.query(MessagesQuery, newestPage("c1")));
    h.client.subscription(ReceiptUpdatedSubscription, { conversationId: "c1" }).subscribe(() => undefined);
    await tick();
    await h.push("ReceiptUpdated", {
      __typename: "Subscription",
      receiptUpdated: {
        __typename: "ReceiptUpdate",
        conversationId: "c1",
        receipts: [
          {
            __typename: "ParticipantReceipt",
            user: { __typename: "User", id: ME },
            lastDeliveredSeq: 2,
            lastReadSeq: 0,
            readAt: null,
          },
        ],
        counts: [],
      },
    });
    expect(inbox.latest!.conversations.edges[0].node.unreadCount).toBe(2);
  });

  it("counts that overtake the sent message's own reply still move its ticks", async () => {
    const h = await start([message(1, BOB)], 0);
    // A fast group reader: the receipt for m2 comes before sendMessage has answered with m2.
    await h.push("ReceiptUpdated", {
      __typename: "Subscription",
      receiptUpdated: {
        __typename: "ReceiptUpdate",
        conversationId: "c1",
        receipts: [],
        counts: [
          {
            __typename: "MessageReceiptCount",
            messageId: "m2",
            seq: 2,
            deliveredCount: 1,
            readCount: 0,
            recipientCount: 1,
          },
        ],
      },
    });
    await h.client
      .mutation(SendMessageMutation, {
        input: { conversationId: "c1", content: "message 2", clientMessageId: "cmid-2" },
      })
      .toPromise();
    await tick();
    const sent = h.history.latest!.messages.edges.find((e) => e.node.id === "m2")!.node;
    expect([sent.status, sent.deliveredCount]).toEqual(["DELIVERED", 1]);
  });

  it("a conversation the viewer was removed from leaves the list, and comes back when re-added", async () => {
    const h = await start([message(1, BOB)], 0);
    const without = { ...conversation(message(1, BOB), 0), participants: conversation(null, 0).participants.slice(1) };
    await h.push("ConversationUpdated", { __typename: "Subscription", conversationUpdated: without });
    expect(h.inbox.latest!.conversations.edges).toEqual([]);
    expect(goneConversations.get().has("c1")).toBe(true);
    await h.push("ConversationUpdated", {
      __typename: "Subscription",
      conversationUpdated: conversation(message(1, BOB), 0),
    });
    expect(h.inbox.latest!.conversations.edges.map((e) => e.node.id)).toEqual(["c1"]);
    expect(goneConversations.get().has("c1")).toBe(false);
  });

  it("state from another device moves a conversation between the lists; a message brings it back", async () => {
    const h = await start([message(1, BOB)], 0);
    h.answers.ArchivedConversations = () => list([]);
    const archivedList = follow<{ conversations: { edges: { node: { id: string } }[] } }>(
      h.client.query(ArchivedConversationsQuery, archivedVars),
    );
    await tick();
    const withState = (state: object) => {
      const base = conversation(message(1, BOB), 0);
      return { ...base, viewerState: { ...base.viewerState, ...state } };
    };
    const ids = (data?: { conversations: { edges: { node: { id: string } }[] } }) =>
      data?.conversations.edges.map((e) => e.node.id);

    await h.push("ConversationUpdated", {
      __typename: "Subscription",
      conversationUpdated: withState({ archived: true }),
    });
    expect(ids(h.inbox.latest)).toEqual([]);
    expect(ids(archivedList.latest)).toEqual(["c1"]);

    // A message of Bob's: not muted, so back in the inbox.
    await h.push("MessageAdded", added(message(2, BOB)));
    expect(ids(h.inbox.latest)).toEqual(["c1"]);
    expect(ids(archivedList.latest)).toEqual([]);

    // Muted and archived: it stays archived.
    await h.push("ConversationUpdated", {
      __typename: "Subscription",
      conversationUpdated: withState({ archived: true, muted: true }),
    });
    await h.push("MessageAdded", added(message(3, BOB)));
    expect(ids(archivedList.latest)).toEqual(["c1"]);
    expect(
      forList(
        h.inbox.latest!.conversations.edges.map((e) => e.node),
        false,
      ),
    ).toEqual([]);
  });

  it("archiving shows at once, before the server answers", async () => {
    const h = await start([message(1, BOB)], 0);
    let answer = () => {};
    h.answers.ArchiveConversation = () =>
      new Promise<object>((resolve) => {
        const archived = conversation(message(1, BOB), 0);
        answer = () =>
          resolve({
            __typename: "Mutation",
            archiveConversation: { ...archived, viewerState: { ...archived.viewerState, archived: true } },
          });
      });
    const done = h.client.mutation(ArchiveConversationMutation, { conversationId: "c1" }).toPromise();
    await tick();
    expect(h.inbox.latest!.conversations.edges).toEqual([]);
    answer();
    await done;
    await tick();
    expect(h.inbox.latest!.conversations.edges).toEqual([]);
  });

  it("an edit that mentions the viewer in a conversation seen only in the list asks the server for its badge", async () => {
    const me = { __typename: "User" as const, id: ME, username: "me" };
    const last = message(2, BOB);
    const counted = { ...conversation(last, 2), unreadMentionCount: 1 };
    const lists: object[] = [list([conversation(last, 2)]), list([counted])];
    let asked = 0;
    const h = harness({ Conversations: () => lists[Math.min(asked++, 1)] });
    const inbox = follow<ConversationsData>(h.client.query(ConversationsQuery, conversationsVars));
    h.client.subscription(MessageUpdatedSubscription, {}).subscribe(() => undefined);
    await tick();
    expect([asked, inbox.latest!.conversations.edges[0].node.unreadMentionCount]).toEqual([1, 0]);

    const edited = message(2, BOB, { content: "@me", editedAt: "x", mentions: [me] });
    await h.push("MessageUpdated", { __typename: "Subscription", messageUpdated: edited });
    await tick();
    expect([asked, inbox.latest!.conversations.edges[0].node.unreadMentionCount]).toEqual([2, 1]);
  });

  it("insertBySeq keeps the same array when the message is there already", () => {
    const edges = page([message(1, BOB), message(3, BOB)]).messages.edges as MessagesData["messages"]["edges"];
    expect(insertBySeq(edges, message(3, BOB))).toBe(edges);
    expect(insertBySeq(edges, message(2, BOB)).map((e) => e.node.seq)).toEqual([1, 2, 3]);
  });
});

/** How one outbox entry is sent through the urql client, and what the answer means for it. */
import type { Client } from "urql";
import { markGone } from "../api/live";
import { SendMessageMutation } from "../api/operations";
import type { Sender, SendOutcome } from "./outbox";
import type { OutboxEntry } from "./store";

export const MAX_CHARS = 4000;

export function charCount(text: string): number {
  return [...text.trim()].length;
}

const number = (n: number) => n.toLocaleString("en-US");

export function tooLongText(count: number, limit = MAX_CHARS): string {
  return `Message is too long (${number(count)} / ${number(limit)})`;
}

interface ErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The outcome of one answer: errors in words for the user, waits for the outbox. */
export function outcomeOf(entry: OutboxEntry, errors: ErrorLike[], networkError: boolean): SendOutcome {
  if (networkError) return { kind: "network" };
  const error = errors[0];
  if (!error) return { kind: "network" };
  const code = error.extensions?.code;
  switch (code) {
    case "RATE_LIMITED":
      return { kind: "rateLimited", retryAfterSeconds: Number(error.extensions?.retryAfter ?? 1) };
    case "MESSAGE_TOO_LARGE":
      return {
        kind: "invalid",
        message: tooLongText(charCount(entry.content), Number(error.extensions?.limit ?? MAX_CHARS)),
      };
    case "VALIDATION_ERROR":
      return { kind: "invalid", message: error.message.endsWith(".") ? error.message : `${error.message}.` };
    case "NOT_IN_CONVERSATION":
      return { kind: "gone" };
    case "FORBIDDEN":
      // A direct conversation closed by a block: sending again would not help.
      return { kind: "invalid", message: error.message.endsWith(".") ? error.message : `${error.message}.` };
    default:
      // UNAVAILABLE, TOKEN_EXPIRED (refreshed meanwhile), internal errors: try again.
      return { kind: "network" };
  }
}

export function clientSender(getClient: () => Client | null): Sender {
  return async (entry) => {
    const client = getClient();
    if (!client) return { kind: "network" };
    const result = await client
      .mutation(
        SendMessageMutation,
        {
          input: {
            conversationId: entry.conversationId,
            content: entry.content,
            clientMessageId: entry.clientMessageId,
            replyToId: entry.replyToId,
          },
        },
        { requestPolicy: "network-only" },
      )
      .toPromise();
    if (result.data?.sendMessage) return { kind: "sent" };
    const outcome = outcomeOf(entry, result.error?.graphQLErrors ?? [], !!result.error?.networkError);
    if (outcome.kind === "gone") markGone(entry.conversationId);
    return outcome;
  };
}

/** Presence in words and counts, for the list rows and the chat header. */
import type { ConversationFieldsFragment } from "../gql/graphql";
import { lastSeenText } from "../util/time";

type Participant = ConversationFieldsFragment["participants"][number];

export function others(conversation: ConversationFieldsFragment, viewerId: string): Participant[] {
  return conversation.participants.filter((p) => p.user.id !== viewerId);
}

export function isOnline(p: Participant): boolean {
  return p.user.presence.status !== "OFFLINE";
}

/** Others who are online (ONLINE, AWAY or BUSY): the viewer is not counted. */
export function onlineCount(conversation: ConversationFieldsFragment, viewerId: string): number {
  return others(conversation, viewerId).filter(isOnline).length;
}

export function directPartner(conversation: ConversationFieldsFragment, viewerId: string): Participant | undefined {
  return conversation.kind === "DIRECT" ? others(conversation, viewerId)[0] : undefined;
}

export function statusText(conversation: ConversationFieldsFragment, viewerId: string, now = new Date()): string {
  if (conversation.kind === "GROUP") {
    const online = onlineCount(conversation, viewerId);
    const members = `${conversation.participantCount} member${conversation.participantCount === 1 ? "" : "s"}`;
    return online > 0 ? `${members}, ${online} online` : members;
  }
  const partner = directPartner(conversation, viewerId);
  if (!partner) return "";
  const { status, lastSeenAt } = partner.user.presence;
  if (status !== "OFFLINE") return status.toLowerCase();
  return lastSeenAt ? lastSeenText(lastSeenAt, now) : "";
}

export function typingText(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names[0]} and ${names.length - 1} others are typing…`;
}

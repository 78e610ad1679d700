/**
 * A message's reactions after the viewer adds or removes one, as the server will answer: what
 * the optimistic update shows at once (and what an offline reaction shows until it is sent).
 */
import type { MessageFieldsFragment } from "../gql/graphql";

type Reaction = MessageFieldsFragment["reactions"][number];

export function withReaction(reactions: Reaction[], emoji: string, add: boolean): Reaction[] {
  const at = reactions.findIndex((r) => r.emoji === emoji);
  const current = at === -1 ? null : reactions[at];
  if (add) {
    if (current?.reactedByViewer) return reactions;
    if (!current) return [...reactions, { __typename: "Reaction", emoji, count: 1, reactedByViewer: true, users: [] }];
    return reactions.map((r, i) => (i === at ? { ...r, count: r.count + 1, reactedByViewer: true } : r));
  }
  if (!current?.reactedByViewer) return reactions;
  if (current.count <= 1) return reactions.filter((_, i) => i !== at);
  return reactions.map((r, i) => (i === at ? { ...r, count: r.count - 1, reactedByViewer: false } : r));
}

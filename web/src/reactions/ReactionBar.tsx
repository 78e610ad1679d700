/**
 * The reactions under a message: one chip per emoji with its count (the viewer's own are
 * pressed), a click toggles the viewer's reaction, and a small picker of common emoji (opened
 * by the message's React action) adds one. Results and other people's reactions arrive through
 * the cache (mutation results and messageUpdated), so every open screen shows the same counts.
 */
import { useState } from "react";
import { useMutation } from "urql";
import type { MessageFieldsFragment } from "../gql/graphql";
import { AddReactionMutation, RemoveReactionMutation } from "../api/operations";

/** The picker's fixed set: what people react with most (as Slack and WhatsApp offer first). */
export const COMMON_EMOJI = ["👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "👀"];

type Reaction = MessageFieldsFragment["reactions"][number];

/** "Alice, Bob and 3 more": who reacted, for the chip's tooltip. */
export function reactors(reaction: Reaction): string {
  const names = reaction.users.map((u) => u.displayName);
  const more = reaction.count - names.length;
  return more > 0 ? `${names.join(", ")} and ${more} more` : names.join(", ");
}

export function ReactionBar({
  message,
  picking,
  onPicked,
}: {
  message: MessageFieldsFragment;
  picking: boolean;
  onPicked(): void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [, add] = useMutation(AddReactionMutation);
  const [, remove] = useMutation(RemoveReactionMutation);
  const reactions = message.reactions;

  async function toggle(emoji: string) {
    setError(null);
    onPicked();
    const mine = reactions.some((r) => r.emoji === emoji && r.reactedByViewer);
    const variables = { messageId: message.id, emoji };
    const result = mine ? await remove(variables) : await add(variables);
    if (result.error) setError(result.error.graphQLErrors[0]?.message ?? "Couldn't react. Try again.");
  }

  if (reactions.length === 0 && !picking && !error) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {reactions.map((r) => (
        <button
          key={r.emoji}
          type="button"
          className={`reaction${r.reactedByViewer ? " mine" : ""}`}
          data-testid="reaction"
          data-emoji={r.emoji}
          aria-pressed={r.reactedByViewer}
          aria-label={`${r.emoji} ${r.count}`}
          title={reactors(r)}
          onClick={() => void toggle(r.emoji)}
        >
          <span aria-hidden="true">{r.emoji}</span>
          <span className="reaction-count" data-testid="reaction-count" aria-hidden="true">
            {r.count}
          </span>
        </button>
      ))}
      {picking && (
        <div className="reaction-picker" role="menu" aria-label="Pick a reaction">
          {COMMON_EMOJI.map((emoji) => (
            <button
              key={emoji}
              type="button"
              role="menuitem"
              aria-label={`React with ${emoji}`}
              onClick={() => void toggle(emoji)}
            >
              {emoji}
            </button>
          ))}
        </div>
      )}
      {error && (
        <span className="reaction-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Message text with its resolved @mentions highlighted, the viewer's own more strongly; always
 * rendered as text nodes, never as HTML. */
import { splitMentions } from "./mentionText";

export function MentionText({
  content,
  mentions,
  viewerId,
}: {
  content: string;
  mentions: { id: string; username: string }[];
  viewerId: string;
}) {
  return (
    <>
      {splitMentions(content, mentions).map((piece, i) =>
        piece.mention ? (
          <span
            key={i}
            className={`mention${piece.mention.id === viewerId ? " mention-me" : ""}`}
            data-testid="mention"
            data-user-id={piece.mention.id}
          >
            {piece.text}
          </span>
        ) : (
          piece.text
        ),
      )}
    </>
  );
}

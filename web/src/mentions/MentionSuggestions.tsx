/** The composer's suggestions while an @word is typed: the conversation's other participants
 * whose username or name starts with what follows the "@". */
export interface Mentionable {
  id: string;
  username: string;
  displayName: string;
}

const SHOWN = 6;

export function matchingPeople(people: Mentionable[], query: string): Mentionable[] {
  return people
    .filter(
      (p) =>
        p.username.startsWith(query) ||
        p.displayName
          .toLowerCase()
          .split(/\s+/)
          .some((word) => word.startsWith(query)),
    )
    .slice(0, SHOWN);
}

export function MentionSuggestions({
  matches,
  active,
  onPick,
}: {
  matches: Mentionable[];
  active: number;
  onPick(person: Mentionable): void;
}) {
  return (
    <ul className="mention-suggestions" role="listbox" id="mention-suggestions" aria-label="Mention someone">
      {matches.map((p, i) => (
        <li
          key={p.id}
          id={`mention-option-${p.id}`}
          role="option"
          aria-selected={i === active}
          className={i === active ? "active" : undefined}
          // Before the textarea loses focus, so the caret is still where the @word is.
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(p);
          }}
        >
          <span className="mention-name">{p.displayName}</span> <span className="mention-username">@{p.username}</span>
        </li>
      ))}
    </ul>
  );
}

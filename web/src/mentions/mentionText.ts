/**
 * Mentions in text: splitting content into plain text and the @usernames the server resolved
 * (Message.mentions, so "@nobody" stays plain text), and finding the @word being typed at the
 * caret for the composer's suggestions. Both follow the server's rule: a mention starts a word,
 * so "bob@example.com" names nobody.
 */

export type Piece = { text: string; mention: null } | { text: string; mention: { id: string; username: string } };

const MENTION = /(^|[^\w.@])@([A-Za-z0-9_.]{3,30})/g;

/** `content` as pieces, the mentions of `mentioned` marked (case-insensitive). */
export function splitMentions(content: string, mentioned: { id: string; username: string }[]): Piece[] {
  if (mentioned.length === 0 || !content.includes("@")) return [{ text: content, mention: null }];
  const byName = new Map(mentioned.map((u) => [u.username.toLowerCase(), u]));
  const pieces: Piece[] = [];
  let at = 0;
  for (const match of content.matchAll(MENTION)) {
    let name = match[2].toLowerCase();
    let user = byName.get(name);
    if (!user && name.endsWith(".")) {
      name = name.replace(/\.+$/, "");
      user = byName.get(name);
    }
    if (!user) continue;
    const start = (match.index ?? 0) + match[1].length;
    const end = start + 1 + name.length;
    if (start > at) pieces.push({ text: content.slice(at, start), mention: null });
    pieces.push({ text: content.slice(start, end), mention: user });
    at = end;
  }
  if (at < content.length) pieces.push({ text: content.slice(at), mention: null });
  return pieces;
}

/** The "@word" being typed just before the caret: where its "@" is and what follows it. */
export function mentionAtCaret(value: string, caret: number): { start: number; query: string } | null {
  const before = value.slice(0, caret);
  const match = /(^|[^\w.@])@([A-Za-z0-9_.]{0,30})$/.exec(before);
  if (!match) return null;
  return { start: before.length - match[2].length - 1, query: match[2].toLowerCase() };
}

/** `value` with the "@word" at `start` (up to the caret) replaced by "@username ". */
export function completeMention(
  value: string,
  caret: number,
  start: number,
  username: string,
): { value: string; caret: number } {
  const inserted = `@${username} `;
  return { value: value.slice(0, start) + inserted + value.slice(caret), caret: start + inserted.length };
}

/** A picture, or initials on a colour picked from the name (stable per person). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : [...(words[0] ?? "?")][0];
  return letters.toUpperCase();
}

/** A stable colour per person, shared by their avatar and their name in group chats. */
export function hue(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 360;
  return h;
}

export function Avatar({ name, url, size = 40 }: { name: string; url?: string | null; size?: number }) {
  const style = { width: size, height: size, fontSize: size * 0.4, "--avatar-hue": hue(name) } as React.CSSProperties;
  if (url) return <img className="avatar" data-testid="avatar" src={url} alt="" style={style} />;
  return (
    <span className="avatar" data-testid="avatar" aria-hidden="true" style={style}>
      {initials(name)}
    </span>
  );
}

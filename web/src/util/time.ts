/** Times in words, as chat apps show them (RFC §3.3 wording for last seen). */

const MINUTE = 60_000;

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function daysBetween(a: Date, b: Date): number {
  return Math.round((startOfDay(b) - startOfDay(a)) / 86_400_000);
}

const pad = (n: number) => String(n).padStart(2, "0");

export function clock(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function longDate(d: Date): string {
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** In the conversation list: "now", "5m", "14:05", "Yesterday", "Mon", "12/03/2026". */
export function listTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const ago = now.getTime() - d.getTime();
  if (ago < MINUTE) return "now";
  if (ago < 60 * MINUTE) return `${Math.floor(ago / MINUTE)}m`;
  const days = daysBetween(d, now);
  if (days <= 0) return clock(d);
  if (days === 1) return "Yesterday";
  if (days < 7) return WEEKDAYS[d.getDay()];
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/** The chat header for an offline contact. */
export function lastSeenText(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const ago = now.getTime() - d.getTime();
  if (ago < MINUTE) return "last seen just now";
  if (ago < 60 * MINUTE) {
    const m = Math.floor(ago / MINUTE);
    return `last seen ${m} minute${m === 1 ? "" : "s"} ago`;
  }
  const days = daysBetween(d, now);
  if (days <= 0) return `last seen today at ${clock(d)}`;
  if (days === 1) return `last seen yesterday at ${clock(d)}`;
  return `last seen ${longDate(d)}`;
}

/** Day separators in the log. */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const days = daysBetween(d, now);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  return longDate(d);
}

export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

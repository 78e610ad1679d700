/** The list's pin and muted marks, drawn inline (an emoji may have no glyph on the system). */

export function PinIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
      <path fill="currentColor" d="M15 2l7 7-2.5 1.2-4.3 4.3.8 4.5-2 2-4-4L4 23l-3-3 6-6-4-4 2-2 4.5.8 4.3-4.3z" />
    </svg>
  );
}

export function MutedIcon() {
  return (
    <svg
      viewBox="0 0 24 24"
      width="14"
      height="14"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
    >
      <path d="M18 8a6 6 0 0 0-9.3-5M6.3 6.3A6 6 0 0 0 6 8c0 7-3 9-3 9h14M18.6 13A18 18 0 0 1 18 8" />
      <path d="M13.7 21a2 2 0 0 1-3.4 0M2 2l20 20" strokeLinecap="round" />
    </svg>
  );
}

/** The message box: grows with the text, Enter sends, Shift+Enter breaks the line; typing "@"
 * suggests the conversation's participants (arrows choose, Enter or Tab completes). */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import { MentionSuggestions, matchingPeople, type Mentionable } from "../mentions/MentionSuggestions";
import { completeMention, mentionAtCaret } from "../mentions/mentionText";
import { MAX_CHARS, charCount } from "../outbox/sender";

const COUNTER_FROM = 3800;
const fmt = (n: number) => n.toLocaleString("en-US");

export interface ComposerBanner {
  kind: "reply" | "edit";
  title: string;
  text: string;
}

export function Composer({
  value,
  onChange,
  onSubmit,
  banner,
  onCancelBanner,
  disabled,
  people = [],
}: {
  value: string;
  onChange(value: string): void;
  onSubmit(): void;
  banner: ComposerBanner | null;
  onCancelBanner(): void;
  disabled?: boolean;
  /** Who "@" suggests: the conversation's other participants. */
  people?: Mentionable[];
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const count = charCount(value);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const typed = caret === null ? null : mentionAtCaret(value, caret);
  const matches = typed && dismissed !== value ? matchingPeople(people, typed.query) : [];
  const suggesting = typed !== null && matches.length > 0;
  const pendingCaret = useRef<number | null>(null);

  useLayoutEffect(() => {
    const el = area.current;
    if (el && pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [value]);

  function pick(person: Mentionable) {
    if (!typed || caret === null) return;
    const done = completeMention(value, caret, typed.start, person.username);
    pendingCaret.current = done.caret;
    setCaret(done.caret);
    setActive(0);
    onChange(done.value);
  }

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [value]);

  useEffect(() => {
    if (banner) area.current?.focus();
  }, [banner]);

  function onKey(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggesting) {
      const at = Math.min(active, matches.length - 1);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive((at + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.nativeEvent.isComposing) {
        event.preventDefault();
        pick(matches[at]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setDismissed(value);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSubmit();
    }
    if (event.key === "Escape" && banner) onCancelBanner();
  }

  return (
    <div className="composer">
      {banner && (
        <div
          className={`composer-banner banner-${banner.kind}`}
          {...(banner.kind === "reply" ? { "data-testid": "reply-preview" } : { "data-testid": "edit-banner" })}
        >
          <div className="banner-text">
            <span className="banner-title">{banner.title}</span>
            <span className="banner-quote">{banner.text}</span>
          </div>
          <button
            type="button"
            className="icon"
            onClick={onCancelBanner}
            aria-label={banner.kind === "reply" ? "Cancel reply" : "Cancel edit"}
          >
            ×
          </button>
        </div>
      )}
      {suggesting && (
        <MentionSuggestions matches={matches} active={Math.min(active, matches.length - 1)} onPick={pick} />
      )}
      <form
        className="composer-row"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <label htmlFor="composer-input" className="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          autoFocus
          ref={area}
          rows={1}
          value={value}
          placeholder="Write a message…"
          onChange={(e) => {
            setCaret(e.target.selectionStart);
            setActive(0);
            onChange(e.target.value);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKey}
          aria-autocomplete="list"
          aria-controls={suggesting ? "mention-suggestions" : undefined}
          aria-activedescendant={
            suggesting ? `mention-option-${matches[Math.min(active, matches.length - 1)].id}` : undefined
          }
          disabled={disabled}
          aria-describedby={count >= COUNTER_FROM ? "char-counter" : undefined}
        />
        {count >= COUNTER_FROM && (
          <span
            id="char-counter"
            className={`char-counter${count > MAX_CHARS ? " over" : ""}`}
            data-testid="char-counter"
          >
            {fmt(count)} / {fmt(MAX_CHARS)}
          </span>
        )}
        <button type="submit" className="send" disabled={disabled || value.trim().length === 0} aria-label="Send">
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z" fill="currentColor" />
          </svg>
        </button>
      </form>
    </div>
  );
}

/** The message box: grows with the text, Enter sends, Shift+Enter breaks the line. */
import { useEffect, useLayoutEffect, useRef, type KeyboardEvent } from "react";
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
}: {
  value: string;
  onChange(value: string): void;
  onSubmit(): void;
  banner: ComposerBanner | null;
  onCancelBanner(): void;
  disabled?: boolean;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const count = charCount(value);

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
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKey}
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

/** Grey bubbles while the history loads. */
export function LogSkeleton() {
  return (
    <div className="log log-skeleton" aria-hidden="true">
      {[60, 40, 72, 30, 55].map((w, i) => (
        <div key={i} className={`skeleton-bubble${i % 2 ? " own" : ""}`} data-testid="skeleton">
          <span className="skeleton" style={{ width: `${w}%` }} />
        </div>
      ))}
    </div>
  );
}

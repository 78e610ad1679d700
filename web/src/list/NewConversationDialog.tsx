/** Start a direct message or a group, finding people with searchUsers. */
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery } from "urql";
import { CreateConversationMutation, SearchUsersQuery } from "../api/operations";
import type { UserFieldsFragment } from "../gql/graphql";
import { Avatar } from "../ui/Avatar";
import { navigate } from "../ui/route";

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

export function NewConversationDialog({ viewerId, onClose }: { viewerId: string; onClose: () => void }) {
  const [kind, setKind] = useState<"DIRECT" | "GROUP">("DIRECT");
  const [query, setQuery] = useState("");
  const [title, setTitle] = useState("");
  const [selected, setSelected] = useState<UserFieldsFragment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const search = useDebounced(query.trim(), 200);
  const [{ data, fetching }] = useQuery({
    query: SearchUsersQuery,
    variables: { query: search },
    pause: search.length === 0,
    requestPolicy: "network-only",
  });
  const [{ fetching: creating }, create] = useMutation(CreateConversationMutation);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const results = (data?.searchUsers ?? []).filter((u) => u.id !== viewerId);

  function toggle(user: UserFieldsFragment) {
    setError(null);
    setSelected((current) => {
      if (current.some((u) => u.id === user.id)) return current.filter((u) => u.id !== user.id);
      return kind === "DIRECT" ? [user] : [...current, user];
    });
  }

  async function submit() {
    if (selected.length === 0) {
      setError(kind === "DIRECT" ? "Choose who to message." : "Choose at least one person.");
      return;
    }
    if (kind === "GROUP" && !title.trim()) {
      setError("Give the group a name.");
      return;
    }
    const result = await create({
      input: { kind, participantIds: selected.map((u) => u.id), title: kind === "GROUP" ? title.trim() : null },
    });
    const created = result.data?.createConversation;
    if (created) {
      onClose();
      navigate(`/c/${created.id}`);
      return;
    }
    const e = result.error?.graphQLErrors[0];
    if (result.error?.networkError) setError("Can't reach the server. Try again.");
    else if (e?.extensions?.code === "RATE_LIMITED")
      setError(`You're creating conversations too fast. Try again in ${Number(e.extensions.retryAfter)} s.`);
    else setError(e ? (e.message.endsWith(".") ? e.message : `${e.message}.`) : "Something went wrong.");
  }

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-labelledby="new-conv-title" className="dialog" ref={dialog}>
        <h2 id="new-conv-title">New conversation</h2>
        <fieldset className="kind-choice">
          <legend className="sr-only">Kind</legend>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === "DIRECT"}
              onChange={() => {
                setKind("DIRECT");
                setSelected((s) => s.slice(0, 1));
              }}
            />
            Direct message
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === "GROUP"} onChange={() => setKind("GROUP")} />
            Group
          </label>
        </fieldset>
        {kind === "GROUP" && (
          <div className="field">
            <label htmlFor="group-name">Group name</label>
            <input id="group-name" value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} />
          </div>
        )}
        <div className="field">
          <label htmlFor="people-search">Search people</label>
          <input
            id="people-search"
            type="search"
            autoFocus
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Name or @username"
            autoComplete="off"
          />
        </div>
        {selected.length > 0 && (
          <div className="chips" aria-label="Selected">
            {selected.map((u) => (
              <button
                type="button"
                key={u.id}
                className="chip"
                onClick={() => toggle(u)}
                aria-label={`Remove ${u.displayName}`}
              >
                {u.displayName} ×
              </button>
            ))}
          </div>
        )}
        <div role="listbox" aria-label="People" aria-multiselectable={kind === "GROUP"} className="people">
          {search && !fetching && results.length === 0 && <p className="muted people-empty">Nobody found.</p>}
          {results.map((u) => {
            const on = selected.some((s) => s.id === u.id);
            return (
              <div
                key={u.id}
                role="option"
                aria-selected={on}
                tabIndex={0}
                className={`person${on ? " person-on" : ""}`}
                aria-label={`${u.displayName} @${u.username}`}
                onClick={() => toggle(u)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    toggle(u);
                  }
                }}
              >
                <Avatar name={u.displayName} url={u.avatarUrl} size={32} />
                <span className="person-names">
                  <span>{u.displayName}</span>
                  <span className="muted">@{u.username}</span>
                </span>
                {on && (
                  <span className="check" aria-hidden="true">
                    ✓
                  </span>
                )}
              </div>
            );
          })}
        </div>
        {error && (
          <div role="alert" className="form-error">
            {error}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="primary" onClick={submit} disabled={creating}>
            Create
          </button>
        </div>
      </div>
    </div>
  );
}

/** Account settings: change the password, see and sign out devices, unblock people, delete
 * the account (the password confirms it). */
import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { clearSession } from "../auth/session";
import { outbox } from "../outbox/instance";
import { Avatar } from "../ui/Avatar";
import { listTime } from "../util/time";
import { failureText } from "./errors";
import {
  AccountQuery,
  ChangePasswordMutation,
  DeleteAccountMutation,
  EndSessionMutation,
  UnblockUserMutation,
} from "./operations";

function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [{ fetching }, change] = useMutation(ChangePasswordMutation);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await change({ currentPassword: current, newPassword: next });
    if (result.data?.changePassword) {
      setCurrent("");
      setNext("");
      setNote({ ok: true, text: "Password changed. Your other devices were signed out." });
    } else setNote({ ok: false, text: failureText(result.error) });
  }

  return (
    <form className="account-section" onSubmit={(e) => void submit(e)} aria-labelledby="password-title">
      <h3 id="password-title">Password</h3>
      <div className="field">
        <label htmlFor="current-password">Current password</label>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="new-password">New password</label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          maxLength={128}
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </div>
      {note && (
        <div role={note.ok ? "status" : "alert"} className={note.ok ? "form-note" : "form-error"}>
          {note.text}
        </div>
      )}
      <button type="submit" className="primary" disabled={fetching || !current || !next}>
        Change password
      </button>
    </form>
  );
}

function DeleteAccountForm({ viewerId }: { viewerId: string }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, remove] = useMutation(DeleteAccountMutation);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await remove({ password });
    if (!result.data?.deleteAccount) {
      setError(failureText(result.error));
      return;
    }
    await outbox.forget(viewerId);
    clearSession(false);
  }

  return (
    <form className="account-section danger" onSubmit={(e) => void submit(e)} aria-labelledby="delete-title">
      <h3 id="delete-title">Delete account</h3>
      <p className="muted">
        Your messages stay in others' history as deleted, from "Deleted user". This cannot be undone.
      </p>
      <div className="field">
        <label htmlFor="delete-password">Password to confirm</label>
        <input
          id="delete-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {error && (
        <div role="alert" className="form-error">
          {error}
        </div>
      )}
      <button type="submit" className="danger" disabled={fetching || !password}>
        Delete my account
      </button>
    </form>
  );
}

/** This device on top, as messaging apps list it; the others most recently used first. */
function thisDeviceFirst<T extends { current: boolean }>(sessions: readonly T[]): T[] {
  return [...sessions].sort((a, b) => Number(b.current) - Number(a.current));
}

export function AccountDialog({ viewerId, onClose }: { viewerId: string; onClose: () => void }) {
  const [{ data, error }, refetch] = useQuery({ query: AccountQuery, requestPolicy: "network-only" });
  const [, endSession] = useMutation(EndSessionMutation);
  const [, unblock] = useMutation(UnblockUserMutation);
  const again = () => refetch({ requestPolicy: "network-only" });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const me = data?.me;
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-labelledby="account-title" className="dialog account">
        <h2 id="account-title">Account</h2>
        {me && <p className="muted">{me.email}</p>}
        {error && !me && (
          <div role="alert" className="form-error">
            {failureText(error)}
          </div>
        )}
        <PasswordForm />
        <section className="account-section" aria-labelledby="devices-title">
          <h3 id="devices-title">Devices</h3>
          <ul aria-label="Devices" className="account-list">
            {thisDeviceFirst(me?.sessions ?? []).map((s) => (
              <li key={s.id} data-testid="device" data-current={s.current}>
                <span className="person-names">
                  <span>{s.device}</span>
                  <span className="muted">{s.current ? "This device" : `Last used ${listTime(s.lastUsedAt)}`}</span>
                </span>
                {!s.current && (
                  <button
                    type="button"
                    aria-label={`Sign out ${s.device}`}
                    onClick={() => void endSession({ id: s.id }).then(again)}
                  >
                    Sign out
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
        <section className="account-section" aria-labelledby="blocked-title">
          <h3 id="blocked-title">Blocked people</h3>
          {me && me.blockedUsers.length === 0 && <p className="muted">Nobody is blocked.</p>}
          <ul aria-label="Blocked people" className="account-list">
            {me?.blockedUsers.map((u) => (
              <li key={u.id} data-testid="blocked-user">
                <Avatar name={u.displayName} url={u.avatarUrl} size={28} />
                <span className="person-names">
                  <span>{u.displayName}</span>
                  <span className="muted">@{u.username}</span>
                </span>
                <button
                  type="button"
                  aria-label={`Unblock ${u.displayName}`}
                  onClick={() => void unblock({ userId: u.id }).then(again)}
                >
                  Unblock
                </button>
              </li>
            ))}
          </ul>
        </section>
        <DeleteAccountForm viewerId={viewerId} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

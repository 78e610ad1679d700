/** Sign in and sign up, with errors in words next to what caused them. */
import { useEffect, useState, type FormEvent } from "react";
import { Client, fetchExchange } from "urql";
import { LoginMutation, RegisterMutation } from "../api/operations";
import type { AuthFieldsFragment } from "../gql/graphql";
import { RegistrationModeQuery, signUpNotice, type RegistrationMode } from "./registration";
import { dismissEndedNotice, sessionEndedNotice, sessionFromAuth, storeSession } from "./session";

/** Signing in needs no cache and no socket. */
const anonymous = new Client({ url: "/graphql", exchanges: [fetchExchange], requestPolicy: "network-only" });

interface Failure {
  form: string | null;
  fields: Record<string, string>;
}

const FIELD_NAMES: Record<string, string> = {
  username: "username",
  email: "email",
  password: "password",
  displayName: "displayName",
  usernameOrEmail: "usernameOrEmail",
  inviteCode: "inviteCode",
};

function failureOf(error: {
  graphQLErrors: { message: string; extensions?: Record<string, unknown> }[];
  networkError?: Error;
}): Failure {
  if (error.networkError) return { form: "Can't reach the server. Check your connection and try again.", fields: {} };
  const fields: Record<string, string> = {};
  let form: string | null = null;
  for (const e of error.graphQLErrors) {
    const code = e.extensions?.code;
    const field = typeof e.extensions?.field === "string" ? FIELD_NAMES[e.extensions.field] : undefined;
    if (code === "INVALID_CREDENTIALS") form = "Wrong username or password.";
    // A deactivated account, or sign-up closed: the server's words say which.
    else if (code === "FORBIDDEN") form = e.message.endsWith(".") ? e.message : `${e.message}.`;
    else if (code === "RATE_LIMITED")
      form = `Too many attempts. Try again in ${Number(e.extensions?.retryAfter ?? 60)} s.`;
    else if (code === "CONFLICT" && field) {
      fields[field] = field === "username" ? "That username is taken." : "An account with that email already exists.";
      form = fields[field];
    } else if (field) {
      fields[field] = e.message.endsWith(".") ? e.message : `${e.message}.`;
      form = form ?? "Please fix the fields marked below.";
    } else form = "Something went wrong. Please try again.";
  }
  return { form, fields };
}

function Field(props: {
  label: string;
  name: string;
  type?: string;
  autoComplete: string;
  error?: string;
  autoFocus?: boolean;
}) {
  const id = `auth-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        autoFocus={props.autoFocus}
        required
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      {props.error && (
        <p className="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

export function AuthScreen() {
  const [mode, setMode] = useState<"signin" | "signup">("signin");
  const [failure, setFailure] = useState<Failure>({
    form: sessionEndedNotice() ? "Your session ended. Please sign in again." : null,
    fields: {},
  });
  const [busy, setBusy] = useState(false);
  const [registration, setRegistration] = useState<RegistrationMode>();
  useEffect(() => {
    void anonymous
      .query(RegistrationModeQuery, {})
      .toPromise()
      .then((result) => setRegistration(result.data?.registrationMode));
  }, []);
  const closed = mode === "signup" && registration === "CLOSED";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => String(form.get(name) ?? "");
    setBusy(true);
    const result =
      mode === "signin"
        ? await anonymous
            .mutation(LoginMutation, {
              input: { usernameOrEmail: value("usernameOrEmail").trim(), password: value("password") },
            })
            .toPromise()
        : await anonymous
            .mutation(RegisterMutation, {
              input: {
                username: value("username").trim(),
                email: value("email").trim(),
                displayName: value("displayName").trim() || null,
                password: value("password"),
                inviteCode: registration === "INVITE" ? value("inviteCode").trim() : null,
              },
            })
            .toPromise();
    setBusy(false);
    const data = result.data as { login?: AuthFieldsFragment; register?: AuthFieldsFragment } | undefined;
    const auth = data?.login ?? data?.register;
    if (auth) {
      dismissEndedNotice();
      void storeSession(sessionFromAuth(auth));
    } else if (result.error) setFailure(failureOf(result.error));
  }

  function switchTo(next: "signin" | "signup") {
    setMode(next);
    setFailure({ form: null, fields: {} });
  }

  const heading = mode === "signin" ? "Sign in" : "Create your account";
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand" aria-hidden="true">
          <span className="brand-mark">T</span> Tidings
        </div>
        <form onSubmit={submit} aria-labelledby="auth-heading" noValidate={false} key={mode}>
          <h1 id="auth-heading">{heading}</h1>
          {failure.form && (
            <div role="alert" className="form-error">
              {failure.form}
            </div>
          )}
          {mode === "signup" && signUpNotice(registration) && (
            <p className="auth-notice" role="status">
              {signUpNotice(registration)}
            </p>
          )}
          {closed ? null : mode === "signin" ? (
            <>
              <Field
                label="Username or email"
                name="usernameOrEmail"
                autoComplete="username"
                autoFocus
                error={failure.fields.usernameOrEmail}
              />
              <Field
                label="Password"
                name="password"
                type="password"
                autoComplete="current-password"
                error={failure.fields.password}
              />
            </>
          ) : (
            <>
              <Field
                label="Username"
                name="username"
                autoComplete="username"
                autoFocus
                error={failure.fields.username}
              />
              <Field label="Email" name="email" type="email" autoComplete="email" error={failure.fields.email} />
              <div className="field">
                <label htmlFor="auth-displayName">Display name</label>
                <input id="auth-displayName" name="displayName" autoComplete="name" />
                {failure.fields.displayName && <p className="field-error">{failure.fields.displayName}</p>}
              </div>
              <Field
                label="Password"
                name="password"
                type="password"
                autoComplete="new-password"
                error={failure.fields.password}
              />
              {registration === "INVITE" && (
                <Field label="Invite code" name="inviteCode" autoComplete="off" error={failure.fields.inviteCode} />
              )}
            </>
          )}
          {!closed && (
            <button type="submit" className="primary" disabled={busy}>
              {mode === "signin" ? "Sign in" : "Sign up"}
            </button>
          )}
        </form>
        <p className="auth-switch">
          {mode === "signin" ? (
            <button type="button" className="link" onClick={() => switchTo("signup")}>
              Create an account
            </button>
          ) : (
            <button type="button" className="link" onClick={() => switchTo("signin")}>
              I have an account
            </button>
          )}
        </p>
      </div>
    </main>
  );
}

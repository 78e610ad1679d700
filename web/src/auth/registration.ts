/** How this server lets people sign up (TIDINGS_REGISTRATION), so the sign-up form can ask for
 * an invite code, or say that sign-up is closed, before anyone types a thing. */
import { graphql } from "../gql";
import type { RegistrationMode } from "../gql/graphql";

export const RegistrationModeQuery = graphql(`
  query RegistrationMode {
    registrationMode
  }
`);

export type { RegistrationMode };

/** What the sign-up form says when the server is not open to everyone. */
export function signUpNotice(mode: RegistrationMode | undefined): string | null {
  if (mode === "CLOSED") return "Sign-up is closed on this server. Ask an administrator for an account.";
  if (mode === "INVITE") return "This server is invite-only: enter the invite code an administrator gave you.";
  return null;
}

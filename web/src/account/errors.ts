/** What an account mutation's failure means to the person who made it. */
import type { CombinedError } from "urql";

export function failureText(error: CombinedError | undefined): string {
  if (!error) return "Something went wrong.";
  if (error.networkError) return "Can't reach the server. Try again.";
  const first = error.graphQLErrors[0];
  const code = first?.extensions?.code;
  if (code === "INVALID_CREDENTIALS") return "That password is not right.";
  if (code === "RATE_LIMITED") return `Too many tries. Try again in ${Number(first.extensions.retryAfter)} s.`;
  const message = first?.message ?? "Something went wrong";
  return message.endsWith(".") ? message : `${message}.`;
}

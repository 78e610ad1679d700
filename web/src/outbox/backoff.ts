/** Retry delays after network failures: exponential with jitter, capped. */
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 30_000;

/**
 * Delay before retry number `attempt` (1 = the first retry): half of the exponential step is
 * fixed and half random, so tabs and devices that failed together do not retry in lockstep.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

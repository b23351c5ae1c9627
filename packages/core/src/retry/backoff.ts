/**
 * How a computed delay is randomised. `full` draws uniformly from 0 to the delay, so clients that
 * failed together (one provider outage) spread their retries instead of returning in step.
 */
export type BackoffJitter = "none" | "full";

/** The same delay before every retry. */
export interface FixedBackoffPolicy {
  readonly strategy: "fixed";
  /** Delay before each retry, in ms. */
  readonly delayMs: number;
  readonly jitter: BackoffJitter;
}

/** A delay that grows by `multiplier` after each failed attempt, up to `maxDelayMs`. */
export interface ExponentialBackoffPolicy {
  readonly strategy: "exponential";
  /** Delay after the first failed attempt, in ms. */
  readonly initialDelayMs: number;
  /** Factor applied per further failed attempt; at least 1. */
  readonly multiplier: number;
  /** Cap on the delay before jitter, in ms. */
  readonly maxDelayMs: number;
  readonly jitter: BackoffJitter;
}

/** How long to wait before the next attempt of a failed turn (B9) or tool call (B15). */
export type BackoffPolicy = FixedBackoffPolicy | ExponentialBackoffPolicy;

/** Turn retries (B9): exponential from 250 ms, ×2, capped at 4 s, full jitter. */
export const DEFAULT_TURN_RETRY_BACKOFF: ExponentialBackoffPolicy = {
  strategy: "exponential",
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 4_000,
  jitter: "full",
};

/** Sync tool retries (B15): exponential from 500 ms, ×2, capped at 10 s, full jitter. */
export const DEFAULT_TOOL_RETRY_BACKOFF: ExponentialBackoffPolicy = {
  strategy: "exponential",
  initialDelayMs: 500,
  multiplier: 2,
  maxDelayMs: 10_000,
  jitter: "full",
};

/** Throws a RangeError unless `attempt` is a 1-based attempt number. */
export function assertAttemptNumber(attempt: number, name = "attempt"): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`${name} must be an integer of at least 1, got ${attempt}`);
  }
}

function assertNonNegativeMs(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number of ms of at least 0, got ${value}`);
  }
}

function baseDelayMs(policy: BackoffPolicy, attempt: number): number {
  if (policy.strategy === "fixed") {
    assertNonNegativeMs(policy.delayMs, "delayMs");
    return Math.floor(policy.delayMs);
  }
  assertNonNegativeMs(policy.initialDelayMs, "initialDelayMs");
  assertNonNegativeMs(policy.maxDelayMs, "maxDelayMs");
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1) {
    throw new RangeError(
      `multiplier must be a finite number of at least 1, got ${policy.multiplier}`,
    );
  }
  // The multiplier can overflow to Infinity for large attempts; the cap absorbs it.
  const uncappedMs = policy.initialDelayMs * policy.multiplier ** (attempt - 1);
  return Math.floor(Math.min(uncappedMs, policy.maxDelayMs));
}

/**
 * The delay before the next attempt, in whole ms.
 *
 * @param attempt the 1-based number of the attempt that just failed: after the first failure
 *   (attempt 1) an exponential policy waits `initialDelayMs`, after the second
 *   `initialDelayMs × multiplier`, and so on up to `maxDelayMs`.
 * @param random a source of numbers in [0, 1), used only by `full` jitter, which returns
 *   `floor(random() × (delay + 1))`, i.e. 0 to the delay inclusive.
 * @throws RangeError for an attempt below 1, a negative or non-finite delay, a multiplier below 1,
 *   or a random number outside [0, 1).
 */
export function computeBackoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number,
): number {
  assertAttemptNumber(attempt);
  const delayMs = baseDelayMs(policy, attempt);
  if (policy.jitter === "none") {
    return delayMs;
  }
  const draw = random();
  if (!(draw >= 0 && draw < 1)) {
    throw new RangeError(`random() must return a number in [0, 1), got ${draw}`);
  }
  return Math.floor(draw * (delayMs + 1));
}

// Riding out a lost database connection (issue #5): after a connection error the store waits and
// tries again, with growing pauses, until a time budget is spent, so a PostgreSQL restart of a few
// seconds costs a delay instead of a failed call.
import { setTimeout as sleep } from "node:timers/promises";
import { computeBackoffDelayMs, type ExponentialBackoffPolicy } from "@durable-agents/core";
import { StoreUnavailableError } from "../errors.js";

/** How long, and how often, a call is tried again after connection errors. */
export interface ConnectionRetryPolicy {
  /**
   * How long after the first connection error of a call the store keeps trying, in ms. Beyond it
   * the call fails with StoreUnavailableError.
   */
  budgetMs: number;
  /** The pauses between attempts. */
  backoff: ExponentialBackoffPolicy;
}

/**
 * 15 s: a PostgreSQL restart (`pg_ctl restart -m fast`, a failover) takes a few seconds. Pauses
 * start at 50 ms (a single terminated backend needs only a new connection) and double up to 2 s,
 * with full jitter so replicas that lost the database together do not reconnect in step.
 */
export const DEFAULT_CONNECTION_RETRY: ConnectionRetryPolicy = {
  budgetMs: 15_000,
  backoff: {
    strategy: "exponential",
    initialDelayMs: 50,
    multiplier: 2,
    maxDelayMs: 2_000,
    jitter: "full",
  },
};

/** The retries of one call after connection errors: each failure waits for the next attempt, or gives up. */
export class ConnectionRetry {
  readonly #policy: ConnectionRetryPolicy;
  #firstFailureAt: number | undefined;
  #failures = 0;

  constructor(policy: ConnectionRetryPolicy) {
    this.#policy = policy;
  }

  /**
   * Waits before the next attempt after the connection error `error`, or throws a
   * StoreUnavailableError (caused by it) once the budget is spent.
   */
  async wait(error: unknown): Promise<void> {
    const now = performance.now();
    this.#firstFailureAt ??= now;
    this.#failures += 1;
    const remainingMs = this.#firstFailureAt + this.#policy.budgetMs - now;
    if (remainingMs <= 0) {
      throw new StoreUnavailableError({ commitOutcomeUnknown: false, cause: error });
    }
    const delayMs = computeBackoffDelayMs(this.#policy.backoff, this.#failures, Math.random);
    await sleep(Math.min(remainingMs, delayMs));
  }
}

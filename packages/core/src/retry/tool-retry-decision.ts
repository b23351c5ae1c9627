import { errorTextOf } from "../errors/error-text.js";
import { isRetryableToolError } from "../errors/tool-error-retryability.js";
import {
  assertAttemptNumber,
  type BackoffPolicy,
  computeBackoffDelayMs,
  DEFAULT_TOOL_RETRY_BACKOFF,
} from "./backoff.js";

/** Attempts of one sync tool call, the first included, when its policy does not say (B15). */
export const DEFAULT_TOOL_RETRY_MAX_ATTEMPTS = 3;

/** How a sync tool's failed executions are retried (B15). Without a policy, they are not. */
export interface ToolRetryPolicy {
  /** Retry failed executions of this tool; retries are opt-in per tool. */
  enabled: boolean;
  /**
   * Most executions of one call, the first included.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Delay between executions when `shouldRetry` names none.
   * @default DEFAULT_TOOL_RETRY_BACKOFF
   */
  backoff?: BackoffPolicy;
}

/** `ToolRetryPolicy` with every default filled in. */
export type ResolvedToolRetryPolicy = Required<ToolRetryPolicy>;

/** Fills in the defaults of a tool's retry policy; no policy means retries are off. */
export function withToolRetryDefaults(policy?: ToolRetryPolicy): ResolvedToolRetryPolicy {
  return {
    enabled: policy?.enabled ?? false,
    maxAttempts: policy?.maxAttempts ?? DEFAULT_TOOL_RETRY_MAX_ATTEMPTS,
    backoff: policy?.backoff ?? DEFAULT_TOOL_RETRY_BACKOFF,
  };
}

/**
 * What a tool's own `shouldRetry` answered: a plain yes/no, or an object that may also name the
 * delay before the next execution, in ms.
 */
export type ToolShouldRetryResult = boolean | { retryable: boolean; delayMs?: number };

/** Everything `decideToolRetry` needs to know about the execution that just failed. */
export interface ToolRetryInput {
  /** What the tool threw, or the error text its runner reported. */
  error: unknown;
  /** 1-based number of the execution that just failed. */
  attempt: number;
  /** The tool's retry policy; absent means no retries. */
  policy?: ToolRetryPolicy;
  /** The tool's `shouldRetry` answer; when absent, `retryableHint` or B23 decides. */
  shouldRetryResult?: ToolShouldRetryResult;
  /**
   * The runner's own judgement of the failure (a runner in another language may classify its
   * errors itself); used when there is no `shouldRetry` answer, before the default classifier.
   */
  retryableHint?: boolean;
  /** The current time, ms since the epoch. */
  now: number;
  /** A source of numbers in [0, 1) for backoff jitter. */
  random: () => number;
}

/** Where a tool retry's delay came from. */
export type ToolRetryDelaySource = "should_retry" | "backoff";

/** Execute the tool again at `nextRetryTime` (B15); all fields are shown on the tool call. */
export interface ToolRetryScheduled {
  action: "retry";
  /** The execution that failed; the retry will be attempt + 1. */
  attempt: number;
  maxAttempts: number;
  /** Wait before the next execution, in ms. */
  delayMs: number;
  delaySource: ToolRetryDelaySource;
  /** When the next execution is due, ms since the epoch (`now + delayMs`). */
  nextRetryTime: number;
  /** The failure's text, shown as the call's last error. */
  errorText: string;
}

/** Why a failed tool execution is final; the first that applies, in this order. */
export type ToolRetryFailReason =
  /** The tool has no retry policy, or it is disabled. */
  | "retry_disabled"
  /** `shouldRetry`, the runner's hint or the default classifier (B23) said no. */
  | "not_retryable"
  /** This was the last allowed execution. */
  | "attempts_exhausted";

/** Fail the tool call with `errorText` (B15). */
export interface ToolRetryRefused {
  action: "fail";
  attempt: number;
  /** 1 when retries are disabled: only one execution was allowed. */
  maxAttempts: number;
  /** The failure's text, which becomes the call's error. */
  errorText: string;
  reason: ToolRetryFailReason;
}

export type ToolRetryDecision = ToolRetryScheduled | ToolRetryRefused;

function isRetryable(input: ToolRetryInput): boolean {
  const { shouldRetryResult } = input;
  if (typeof shouldRetryResult === "boolean") {
    return shouldRetryResult;
  }
  if (shouldRetryResult !== undefined) {
    return shouldRetryResult.retryable;
  }
  return input.retryableHint ?? isRetryableToolError(input.error);
}

function shouldRetryDelayMs(result: ToolShouldRetryResult | undefined): number | undefined {
  if (typeof result !== "object" || result.delayMs === undefined) {
    return undefined;
  }
  const { delayMs } = result;
  // A delay that is not a real duration is ignored rather than trusted; backoff decides.
  return Number.isFinite(delayMs) && delayMs >= 0 ? Math.ceil(delayMs) : undefined;
}

/**
 * Decides whether a failed sync tool execution is retried and when (B15): only when the tool's
 * policy is enabled, the failure is retryable (its `shouldRetry` answer, else the runner's hint,
 * else `isRetryableToolError`, B23), and attempts remain. The delay is the one `shouldRetry`
 * named, else the policy's backoff.
 *
 * @throws RangeError for an attempt or `maxAttempts` below 1, or an invalid backoff policy.
 */
export function decideToolRetry(input: ToolRetryInput): ToolRetryDecision {
  const policy = withToolRetryDefaults(input.policy);
  assertAttemptNumber(input.attempt);
  assertAttemptNumber(policy.maxAttempts, "maxAttempts");
  const { attempt } = input;
  const errorText = errorTextOf(input.error);
  const maxAttempts = policy.enabled ? policy.maxAttempts : 1;
  const refuse = (reason: ToolRetryFailReason): ToolRetryRefused => ({
    action: "fail",
    attempt,
    maxAttempts,
    errorText,
    reason,
  });
  if (!policy.enabled) {
    return refuse("retry_disabled");
  }
  if (!isRetryable(input)) {
    return refuse("not_retryable");
  }
  if (attempt >= maxAttempts) {
    return refuse("attempts_exhausted");
  }
  const namedDelayMs = shouldRetryDelayMs(input.shouldRetryResult);
  const delayMs = namedDelayMs ?? computeBackoffDelayMs(policy.backoff, attempt, input.random);
  return {
    action: "retry",
    attempt,
    maxAttempts,
    delayMs,
    delaySource: namedDelayMs === undefined ? "backoff" : "should_retry",
    nextRetryTime: input.now + delayMs,
    errorText,
  };
}

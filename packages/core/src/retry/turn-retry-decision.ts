import type { TurnErrorClassification } from "../errors/classify-turn-error.js";
import { TURN_ERROR_KIND_TRAITS, type TurnErrorKind } from "../errors/turn-error-kind.js";
import {
  assertAttemptNumber,
  type BackoffPolicy,
  computeBackoffDelayMs,
  DEFAULT_TURN_RETRY_BACKOFF,
} from "./backoff.js";

/** Attempts of one turn, the first included, when the agent does not say (B9). */
export const DEFAULT_TURN_RETRY_MAX_ATTEMPTS = 3;

/** How an agent retries failed turns (B9). */
export interface TurnRetryOptions {
  /**
   * Retry failed turns at all; when off, every failure fails the thread.
   * @default true
   */
  enabled?: boolean;
  /**
   * Most attempts of one turn, the first included.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Retry even when the failed attempt had already scheduled tool calls. Off by default because
   * the retried turn would ask for the same tools again while the first calls still run.
   * @default false
   */
  retryAfterToolCalls?: boolean;
  /**
   * Delay between attempts when neither the hook nor the provider names one.
   * @default DEFAULT_TURN_RETRY_BACKOFF
   */
  backoff?: BackoffPolicy;
}

/** `TurnRetryOptions` with every default filled in. */
export type ResolvedTurnRetryOptions = Required<TurnRetryOptions>;

/** Fills in the defaults of `TurnRetryOptions`. */
export function withTurnRetryDefaults(options: TurnRetryOptions = {}): ResolvedTurnRetryOptions {
  return {
    enabled: options.enabled ?? true,
    maxAttempts: options.maxAttempts ?? DEFAULT_TURN_RETRY_MAX_ATTEMPTS,
    retryAfterToolCalls: options.retryAfterToolCalls ?? false,
    backoff: options.backoff ?? DEFAULT_TURN_RETRY_BACKOFF,
  };
}

/**
 * What an agent's `classify` hook answered about a failed turn (B9): retry (after `delayMs`, when
 * given, instead of Retry-After or backoff), or fail (as `kind`, when given, instead of the
 * default classification's kind).
 */
export type TurnRetryHookDecision =
  | { action: "retry"; delayMs?: number }
  | { action: "fail"; kind?: TurnErrorKind };

/** Everything `decideTurnRetry` needs to know about the attempt that just failed. */
export interface TurnRetryInput {
  /** `classifyTurnError` of what the attempt threw. */
  classification: TurnErrorClassification;
  /** The `classify` hook's answer, when the agent has one; it overrides the classification. */
  hookDecision?: TurnRetryHookDecision;
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  /** Whether the attempt recorded any tool call before failing. */
  hasScheduledToolCalls: boolean;
  /** Whether the attempt streamed any chunk for which `isMeaningfulChunk` is true. */
  hasEmittedOutput: boolean;
  options?: TurnRetryOptions;
  /** A source of numbers in [0, 1) for backoff jitter. */
  random: () => number;
}

/** Where a retry's delay came from, in the priority order of B9. */
export type TurnRetryDelaySource =
  /** The `classify` hook named a delay. */
  | "hook"
  /** The provider's `retry-after-ms` / `retry-after` header, within 0–60 s. */
  | "retry_after"
  /** The backoff policy. */
  | "backoff";

/** Why a failed turn is not retried; the first that applies, in this order. */
export type TurnRetryFailReason =
  /** Retries are turned off for the agent. */
  | "retry_disabled"
  /** The `classify` hook answered fail. */
  | "hook_declined"
  /** No hook answer, and the default classification says the error is not retryable. */
  | "not_retryable"
  /** The attempt had scheduled tool calls and `retryAfterToolCalls` is off. */
  | "tool_calls_scheduled"
  /** The attempt had already streamed output that a retry would repeat. */
  | "output_emitted"
  /** This was the last allowed attempt. */
  | "attempts_exhausted";

/** Retry the turn after `delayMs` (B9). */
export interface TurnRetryScheduled {
  action: "retry";
  /** The classification's kind, recorded on the retry state (X8). */
  kind: TurnErrorKind;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  delaySource: TurnRetryDelaySource;
  /** The attempt that failed; the retry will be attempt + 1. */
  attempt: number;
  maxAttempts: number;
}

/** Fail the thread (B9); the fields are what the error hook and the failed thread carry (X8). */
export interface TurnRetryRefused {
  action: "fail";
  /** The hook's kind when it answered fail with one, else the classification's. */
  kind: TurnErrorKind;
  /**
   * Whether the error itself was judged transient (by the hook's answer when there is one, else
   * by the classification), even though this decision does not retry it: a rate limit that
   * exhausted its attempts is still retryable for a client that resumes later.
   */
  retryable: boolean;
  /** From the hook's kind when it named one, else from the classification. */
  requiresExplicitHandling: boolean;
  attempt: number;
  /** 1 when retries are disabled: only one attempt was allowed. */
  maxAttempts: number;
  reason: TurnRetryFailReason;
}

export type TurnRetryDecision = TurnRetryScheduled | TurnRetryRefused;

/** UI message stream chunks that only frame a stream: they say nothing a retry would repeat. */
const FRAMING_CHUNK_TYPES: ReadonlySet<string> = new Set(["start", "finish", "error"]);

/**
 * Whether a streamed chunk is output the user may have seen (B9): anything but the `start`,
 * `finish` and `error` chunks. One meaningful chunk makes a failed attempt final.
 */
export function isMeaningfulChunk(chunkType: string): boolean {
  return !FRAMING_CHUNK_TYPES.has(chunkType);
}

function failReason(
  input: TurnRetryInput,
  options: ResolvedTurnRetryOptions,
): TurnRetryFailReason | undefined {
  const { hookDecision, classification } = input;
  if (!options.enabled) {
    return "retry_disabled";
  }
  if (hookDecision?.action === "fail") {
    return "hook_declined";
  }
  if (hookDecision === undefined && !classification.retryable) {
    return "not_retryable";
  }
  // The tool calls are already dispatched (B6); a retry would ask for them again.
  if (input.hasScheduledToolCalls && !options.retryAfterToolCalls) {
    return "tool_calls_scheduled";
  }
  if (input.hasEmittedOutput) {
    return "output_emitted";
  }
  return input.attempt >= options.maxAttempts ? "attempts_exhausted" : undefined;
}

function usableHookDelayMs(hookDecision: TurnRetryHookDecision | undefined): number | undefined {
  if (hookDecision?.action !== "retry" || hookDecision.delayMs === undefined) {
    return undefined;
  }
  const { delayMs } = hookDecision;
  // A hook delay that is not a real duration is ignored rather than trusted, and the next source
  // decides.
  return Number.isFinite(delayMs) && delayMs >= 0 ? Math.ceil(delayMs) : undefined;
}

function retryDelay(
  input: TurnRetryInput,
  options: ResolvedTurnRetryOptions,
): Pick<TurnRetryScheduled, "delayMs" | "delaySource"> {
  const hookDelayMs = usableHookDelayMs(input.hookDecision);
  if (hookDelayMs !== undefined) {
    return { delayMs: hookDelayMs, delaySource: "hook" };
  }
  const { retryAfterMs } = input.classification;
  if (retryAfterMs !== undefined) {
    return { delayMs: retryAfterMs, delaySource: "retry_after" };
  }
  return {
    delayMs: computeBackoffDelayMs(options.backoff, input.attempt, input.random),
    delaySource: "backoff",
  };
}

/**
 * Decides whether a failed turn attempt is retried and after how long (B9). Retry only when
 * retries are enabled, the hook (or, without a hook, the classification) says retry, the attempt
 * scheduled no tool call (unless `retryAfterToolCalls`), streamed no meaningful chunk, and was not
 * the last allowed one. Delay: the hook's, else the provider's Retry-After, else backoff.
 *
 * @throws RangeError for an attempt or `maxAttempts` below 1, or an invalid backoff policy.
 */
export function decideTurnRetry(input: TurnRetryInput): TurnRetryDecision {
  const options = withTurnRetryDefaults(input.options);
  assertAttemptNumber(input.attempt);
  assertAttemptNumber(options.maxAttempts, "maxAttempts");
  const { classification, hookDecision, attempt } = input;
  const maxAttempts = options.enabled ? options.maxAttempts : 1;
  const reason = failReason(input, options);
  if (reason === undefined) {
    return {
      action: "retry",
      kind: classification.kind,
      ...retryDelay(input, options),
      attempt,
      maxAttempts,
    };
  }
  const hookKind = hookDecision?.action === "fail" ? hookDecision.kind : undefined;
  return {
    action: "fail",
    kind: hookKind ?? classification.kind,
    retryable:
      hookDecision === undefined ? classification.retryable : hookDecision.action === "retry",
    requiresExplicitHandling:
      hookKind === undefined
        ? classification.requiresExplicitHandling
        : TURN_ERROR_KIND_TRAITS[hookKind].requiresExplicitHandling,
    attempt,
    maxAttempts,
    reason,
  };
}

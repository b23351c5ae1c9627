import { collectErrorSignals, type ErrorSignals } from "./error-signals.js";
import { errorTextOf } from "./error-text.js";
import {
  AUTH_CODES,
  AUTH_PATTERNS,
  AUTH_STATUS_CODES,
  CONTEXT_OVERFLOW_CODES,
  CONTEXT_OVERFLOW_PATTERNS,
  INSUFFICIENT_CREDITS_CODES,
  INSUFFICIENT_CREDITS_PATTERNS,
  INSUFFICIENT_CREDITS_STATUS_CODES,
  INVALID_REQUEST_CODES,
  INVALID_REQUEST_PATTERNS,
  INVALID_REQUEST_STATUS_CODES,
  NETWORK_ERROR_CODES,
  NETWORK_PATTERNS,
  RATE_LIMIT_CODES,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_STATUS_CODES,
  SERVER_ERROR_CODES,
  SERVER_ERROR_PATTERNS,
  TRANSIENT_CLIENT_STATUS_CODES,
} from "./provider-error-catalog.js";
import { parseRetryAfterMs } from "./retry-after.js";
import { TURN_ERROR_KIND_TRAITS, type TurnErrorKind } from "./turn-error-kind.js";

/** What `classifyTurnError` concluded about a failed model call (B22). */
export interface TurnErrorClassification {
  /** Why the call failed. */
  kind: TurnErrorKind;
  /** Whether repeating the call may succeed (from the kind, see `TURN_ERROR_KIND_TRAITS`). */
  retryable: boolean;
  /** Whether it will keep failing until someone acts (from the kind). */
  requiresExplicitHandling: boolean;
  /** HTTP status of the failed call, when one was found (see `ErrorSignals.statusCode`). */
  statusCode?: number;
  /**
   * The provider's error code or type (lower-cased, e.g. `insufficient_quota`): the one that
   * decided the kind when a code did, else the first one in the provider's body.
   */
  providerCode?: string;
  /** The error's message, for logs and the thread's error text. */
  message: string;
  /** The provider's Retry-After, when it gave one within 0–60 s (B9). */
  retryAfterMs?: number;
}

interface KindDecision {
  kind: TurnErrorKind;
  /** The error or provider code that decided the kind, when a code did. */
  code?: string;
}

/** Looks for one kind's evidence in the signals: a code from `codes` or a message pattern. */
class SignalMatcher {
  private readonly codes: readonly string[];

  constructor(private readonly signals: ErrorSignals) {
    this.codes = [...signals.providerCodes, ...signals.errorCodes];
  }

  codeIn(codes: ReadonlySet<string>): string | undefined {
    return this.codes.find((code) => codes.has(code));
  }

  says(patterns: readonly RegExp[]): boolean {
    return this.signals.messages.some((message) =>
      patterns.some((pattern) => pattern.test(message)),
    );
  }

  /** The kind applies when a matching code was found, a message matched, or the status fits. */
  decide(
    kind: TurnErrorKind,
    codes: ReadonlySet<string>,
    patterns: readonly RegExp[],
    isStatusMatch: boolean,
  ): KindDecision | undefined {
    const code = this.codeIn(codes);
    if (code !== undefined) {
      return { kind, code };
    }
    return isStatusMatch || this.says(patterns) ? { kind } : undefined;
  }
}

function isServerErrorStatus(statusCode: number): boolean {
  return statusCode >= 500 && statusCode <= 599;
}

/** B22: the steps run in this order and the first that matches decides the kind. */
function decideKind(signals: ErrorSignals): KindDecision {
  const matcher = new SignalMatcher(signals);
  const { statusCode } = signals;
  const hasStatus = (statusCodes: ReadonlySet<number>): boolean =>
    statusCode !== undefined && statusCodes.has(statusCode);
  const steps: ReadonlyArray<() => KindDecision | undefined> = [
    // The caller's own abort or timeout is not a provider failure, and retrying would defeat the
    // signal that stopped it; so it wins over everything the error may also say.
    () => (signals.isAbort ? { kind: "unknown" } : undefined),
    // Context overflow and credits come before auth and rate limits: providers send them as 400
    // (Anthropic) or even 429 (OpenAI `insufficient_quota`), and retrying them only burns attempts.
    () =>
      matcher.decide("context_overflow", CONTEXT_OVERFLOW_CODES, CONTEXT_OVERFLOW_PATTERNS, false),
    () =>
      matcher.decide(
        "insufficient_credits",
        INSUFFICIENT_CREDITS_CODES,
        INSUFFICIENT_CREDITS_PATTERNS,
        hasStatus(INSUFFICIENT_CREDITS_STATUS_CODES),
      ),
    () => matcher.decide("auth", AUTH_CODES, AUTH_PATTERNS, hasStatus(AUTH_STATUS_CODES)),
    () =>
      matcher.decide(
        "rate_limited",
        RATE_LIMIT_CODES,
        RATE_LIMIT_PATTERNS,
        hasStatus(RATE_LIMIT_STATUS_CODES),
      ),
    () => decideServerError(matcher, statusCode),
    // 408 Request Timeout and 409 Conflict are transient like a dropped connection.
    () => (hasStatus(TRANSIENT_CLIENT_STATUS_CODES) ? { kind: "network" } : undefined),
    () =>
      matcher.decide(
        "network",
        NETWORK_ERROR_CODES,
        NETWORK_PATTERNS,
        // The AI SDK marks a failed fetch (no response, hence no status) as retryable.
        signals.isRetryable === true && statusCode === undefined,
      ),
    () =>
      matcher.decide(
        "invalid_request",
        INVALID_REQUEST_CODES,
        INVALID_REQUEST_PATTERNS,
        hasStatus(INVALID_REQUEST_STATUS_CODES),
      ),
  ];
  for (const step of steps) {
    const decision = step();
    if (decision !== undefined) {
      return decision;
    }
  }
  return { kind: "unknown" };
}

/**
 * A 5xx status decides on its own. Server-error codes and reason phrases only count when there is
 * no status at all, which is how errors arrive in the middle of a stream (Anthropic's
 * `overloaded_error` event); with a non-5xx status the status is the better witness.
 */
function decideServerError(
  matcher: SignalMatcher,
  statusCode: number | undefined,
): KindDecision | undefined {
  if (statusCode !== undefined) {
    return isServerErrorStatus(statusCode) ? { kind: "provider_5xx" } : undefined;
  }
  return matcher.decide("provider_5xx", SERVER_ERROR_CODES, SERVER_ERROR_PATTERNS, false);
}

/**
 * Classifies why a turn's model call failed (B22), from the thrown value and everything it wraps.
 * Never throws.
 *
 * @param error whatever the model call threw (an AI SDK `APICallError` or `RetryError`, a fetch
 *   or socket error, a provider's error event…).
 * @param now the current time, ms since the epoch, to read a Retry-After given as an HTTP date.
 */
export function classifyTurnError(error: unknown, now: number): TurnErrorClassification {
  const signals = collectErrorSignals(error);
  const { kind, code } = decideKind(signals);
  const traits = TURN_ERROR_KIND_TRAITS[kind];
  const providerCode =
    code !== undefined && signals.providerCodes.includes(code) ? code : signals.providerCodes[0];
  return {
    kind,
    retryable: traits.retryable,
    requiresExplicitHandling: traits.requiresExplicitHandling,
    statusCode: signals.statusCode,
    providerCode,
    message: signals.messages[0] ?? errorTextOf(error),
    retryAfterMs: parseRetryAfterMs(signals.responseHeaders, now),
  };
}

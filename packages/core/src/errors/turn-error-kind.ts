/**
 * Why a turn's model call failed (B22). Carried on the retry state and on failed threads (X8) so
 * clients can tell a usage cap from a transient 429 without parsing text.
 */
export const TURN_ERROR_KINDS = [
  "unknown",
  "context_overflow",
  "insufficient_credits",
  "auth",
  "rate_limited",
  "provider_5xx",
  "network",
  "invalid_request",
] as const;

/** One of `TURN_ERROR_KINDS`; see `TURN_ERROR_KIND_TRAITS` for what each means. */
export type TurnErrorKind = (typeof TURN_ERROR_KINDS)[number];

/** How a kind of turn error is handled by default. */
export interface TurnErrorKindTraits {
  /** Repeating the same request later may succeed. */
  readonly retryable: boolean;
  /**
   * Repeating it will fail the same way until someone acts (shortens the conversation, tops up
   * credits, fixes the key or the request); the application should surface it, not just log it.
   */
  readonly requiresExplicitHandling: boolean;
}

/** The default handling of each kind (B22); a `classify` hook may still decide otherwise (B9). */
export const TURN_ERROR_KIND_TRAITS: Readonly<Record<TurnErrorKind, TurnErrorKindTraits>> = {
  /** Not recognised, or aborted/timed out by the caller's own signal: not retried. */
  unknown: { retryable: false, requiresExplicitHandling: false },
  /** The conversation no longer fits the model's context window. */
  context_overflow: { retryable: false, requiresExplicitHandling: true },
  /** The account is out of credits, quota or plan allowance. */
  insufficient_credits: { retryable: false, requiresExplicitHandling: true },
  /** The credentials are missing, wrong, or not allowed to use the model (401, 403). */
  auth: { retryable: false, requiresExplicitHandling: true },
  /** The provider asked us to slow down (429). */
  rate_limited: { retryable: true, requiresExplicitHandling: false },
  /** The provider failed on its side (5xx, overloaded). */
  provider_5xx: { retryable: true, requiresExplicitHandling: false },
  /** The request never got a proper answer: connection, DNS or socket failure, 408, 409. */
  network: { retryable: true, requiresExplicitHandling: false },
  /** The provider rejected the request as malformed (400, 422). */
  invalid_request: { retryable: false, requiresExplicitHandling: true },
};

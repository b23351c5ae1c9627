import { describe, expect, it } from "vitest";
import type { TurnErrorClassification } from "../errors/classify-turn-error.js";
import { DEFAULT_TURN_RETRY_BACKOFF } from "./backoff.js";
import {
  decideTurnRetry,
  isMeaningfulChunk,
  type TurnRetryInput,
  withTurnRetryDefaults,
} from "./turn-retry-decision.js";

const rateLimited: TurnErrorClassification = {
  kind: "rate_limited",
  retryable: true,
  requiresExplicitHandling: false,
  statusCode: 429,
  message: "Too Many Requests",
};

const contextOverflow: TurnErrorClassification = {
  kind: "context_overflow",
  retryable: false,
  requiresExplicitHandling: true,
  statusCode: 400,
  message: "prompt is too long",
};

const halfway = (): number => 0.5;

function input(overrides: Partial<TurnRetryInput> = {}): TurnRetryInput {
  return {
    classification: rateLimited,
    attempt: 1,
    hasScheduledToolCalls: false,
    hasEmittedOutput: false,
    random: halfway,
    ...overrides,
  };
}

describe("decideTurnRetry: when to retry (B9)", () => {
  it("retries a retryable error after backoff", () => {
    expect(decideTurnRetry(input())).toEqual({
      action: "retry",
      kind: "rate_limited",
      delayMs: 125,
      delaySource: "backoff",
      attempt: 1,
      maxAttempts: 3,
    });
  });

  it("uses the attempt that failed for backoff", () => {
    expect(decideTurnRetry(input({ attempt: 2 }))).toMatchObject({ action: "retry", delayMs: 250 });
  });

  it.each([
    {
      label: "retries are disabled",
      overrides: { options: { enabled: false } },
      reason: "retry_disabled",
      maxAttempts: 1,
    },
    {
      label: "the hook answers fail",
      overrides: { hookDecision: { action: "fail" } },
      reason: "hook_declined",
      maxAttempts: 3,
    },
    {
      label: "the error is not retryable",
      overrides: { classification: contextOverflow },
      reason: "not_retryable",
      maxAttempts: 3,
    },
    {
      label: "the attempt scheduled tool calls",
      overrides: { hasScheduledToolCalls: true },
      reason: "tool_calls_scheduled",
      maxAttempts: 3,
    },
    {
      label: "the attempt emitted output",
      overrides: { hasEmittedOutput: true },
      reason: "output_emitted",
      maxAttempts: 3,
    },
    {
      label: "it was the last attempt",
      overrides: { attempt: 3 },
      reason: "attempts_exhausted",
      maxAttempts: 3,
    },
    {
      label: "it was past the last attempt",
      overrides: { attempt: 4 },
      reason: "attempts_exhausted",
      maxAttempts: 3,
    },
    {
      label: "a single attempt is allowed",
      overrides: { options: { maxAttempts: 1 } },
      reason: "attempts_exhausted",
      maxAttempts: 1,
    },
  ] satisfies {
    label: string;
    overrides: Partial<TurnRetryInput>;
    reason: string;
    maxAttempts: number;
  }[])("fails with $reason when $label", ({ overrides, reason, maxAttempts }) => {
    expect(decideTurnRetry(input(overrides))).toMatchObject({
      action: "fail",
      reason,
      maxAttempts,
    });
  });

  it("reports the first reason that applies", () => {
    const decision = decideTurnRetry(
      input({
        classification: contextOverflow,
        hasScheduledToolCalls: true,
        hasEmittedOutput: true,
        attempt: 3,
      }),
    );
    expect(decision).toMatchObject({ action: "fail", reason: "not_retryable" });
  });

  it("puts tool calls before emitted output", () => {
    const decision = decideTurnRetry(
      input({ hasScheduledToolCalls: true, hasEmittedOutput: true }),
    );
    expect(decision).toMatchObject({ action: "fail", reason: "tool_calls_scheduled" });
  });

  it("retries after tool calls when retryAfterToolCalls is on", () => {
    const decision = decideTurnRetry(
      input({ hasScheduledToolCalls: true, options: { retryAfterToolCalls: true } }),
    );
    expect(decision).toMatchObject({ action: "retry" });
  });

  it("still refuses emitted output when retryAfterToolCalls is on", () => {
    const decision = decideTurnRetry(
      input({
        hasScheduledToolCalls: true,
        hasEmittedOutput: true,
        options: { retryAfterToolCalls: true },
      }),
    );
    expect(decision).toMatchObject({ action: "fail", reason: "output_emitted" });
  });

  it("lets the hook retry an error the classifier would not", () => {
    const decision = decideTurnRetry(
      input({ classification: contextOverflow, hookDecision: { action: "retry" } }),
    );
    expect(decision).toEqual({
      action: "retry",
      kind: "context_overflow",
      delayMs: 125,
      delaySource: "backoff",
      attempt: 1,
      maxAttempts: 3,
    });
  });

  it("does not let the hook retry when retries are disabled", () => {
    const decision = decideTurnRetry(
      input({ hookDecision: { action: "retry", delayMs: 10 }, options: { enabled: false } }),
    );
    expect(decision).toMatchObject({ action: "fail", reason: "retry_disabled" });
  });
});

describe("decideTurnRetry: delay priority (B9)", () => {
  it("takes the hook's delay over Retry-After", () => {
    const decision = decideTurnRetry(
      input({
        classification: { ...rateLimited, retryAfterMs: 9_000 },
        hookDecision: { action: "retry", delayMs: 1_234 },
      }),
    );
    expect(decision).toMatchObject({ delayMs: 1_234, delaySource: "hook" });
  });

  it("lets the hook name delays beyond the Retry-After window", () => {
    const decision = decideTurnRetry(
      input({ hookDecision: { action: "retry", delayMs: 120_000 } }),
    );
    expect(decision).toMatchObject({ delayMs: 120_000, delaySource: "hook" });
  });

  it("rounds a fractional hook delay up", () => {
    const decision = decideTurnRetry(input({ hookDecision: { action: "retry", delayMs: 10.2 } }));
    expect(decision).toMatchObject({ delayMs: 11, delaySource: "hook" });
  });

  it("takes Retry-After over backoff", () => {
    const decision = decideTurnRetry(
      input({ classification: { ...rateLimited, retryAfterMs: 9_000 } }),
    );
    expect(decision).toMatchObject({ delayMs: 9_000, delaySource: "retry_after" });
  });

  it("takes a Retry-After of zero", () => {
    const decision = decideTurnRetry(
      input({ classification: { ...rateLimited, retryAfterMs: 0 } }),
    );
    expect(decision).toMatchObject({ delayMs: 0, delaySource: "retry_after" });
  });

  it.each([
    ["negative", -5],
    ["NaN", Number.NaN],
    ["infinite", Number.POSITIVE_INFINITY],
  ])("ignores a %s hook delay and falls back", (_label, delayMs) => {
    const decision = decideTurnRetry(
      input({
        classification: { ...rateLimited, retryAfterMs: 2_000 },
        hookDecision: { action: "retry", delayMs },
      }),
    );
    expect(decision).toMatchObject({ delayMs: 2_000, delaySource: "retry_after" });
  });

  it("uses the agent's backoff policy", () => {
    const decision = decideTurnRetry(
      input({ options: { backoff: { strategy: "fixed", delayMs: 5_000, jitter: "none" } } }),
    );
    expect(decision).toMatchObject({ delayMs: 5_000, delaySource: "backoff" });
  });
});

describe("decideTurnRetry: what a failure reports (X8)", () => {
  it("reports the classification when there is no hook", () => {
    expect(decideTurnRetry(input({ classification: contextOverflow }))).toEqual({
      action: "fail",
      kind: "context_overflow",
      retryable: false,
      requiresExplicitHandling: true,
      attempt: 1,
      maxAttempts: 3,
      reason: "not_retryable",
    });
  });

  it("keeps a transient error retryable when its attempts run out", () => {
    expect(decideTurnRetry(input({ attempt: 3 }))).toEqual({
      action: "fail",
      kind: "rate_limited",
      retryable: true,
      requiresExplicitHandling: false,
      attempt: 3,
      maxAttempts: 3,
      reason: "attempts_exhausted",
    });
  });

  it("takes the hook's kind and that kind's explicit-handling trait", () => {
    const decision = decideTurnRetry(
      input({ hookDecision: { action: "fail", kind: "insufficient_credits" } }),
    );
    expect(decision).toMatchObject({
      action: "fail",
      kind: "insufficient_credits",
      retryable: false,
      requiresExplicitHandling: true,
      reason: "hook_declined",
    });
  });

  it("keeps the classification's kind when the hook fails without one", () => {
    const decision = decideTurnRetry(input({ hookDecision: { action: "fail" } }));
    expect(decision).toMatchObject({
      kind: "rate_limited",
      retryable: false,
      requiresExplicitHandling: false,
    });
  });

  it("reports a hook retry that was blocked as retryable", () => {
    const decision = decideTurnRetry(
      input({
        classification: contextOverflow,
        hookDecision: { action: "retry" },
        hasEmittedOutput: true,
      }),
    );
    expect(decision).toMatchObject({
      action: "fail",
      kind: "context_overflow",
      retryable: true,
      reason: "output_emitted",
    });
  });
});

describe("decideTurnRetry: input checks", () => {
  it.each([
    ["attempt 0", input({ attempt: 0 })],
    ["maxAttempts 0", input({ options: { maxAttempts: 0 } })],
    ["a fractional maxAttempts", input({ options: { maxAttempts: 2.5 } })],
  ])("rejects %s", (_label, badInput) => {
    expect(() => decideTurnRetry(badInput)).toThrow(RangeError);
  });
});

describe("withTurnRetryDefaults", () => {
  it("fills every default", () => {
    expect(withTurnRetryDefaults()).toEqual({
      enabled: true,
      maxAttempts: 3,
      retryAfterToolCalls: false,
      backoff: DEFAULT_TURN_RETRY_BACKOFF,
    });
  });

  it("keeps what is given", () => {
    expect(withTurnRetryDefaults({ enabled: false, maxAttempts: 5 })).toMatchObject({
      enabled: false,
      maxAttempts: 5,
    });
  });
});

describe("isMeaningfulChunk (B9)", () => {
  it.each([
    ["start", false],
    ["finish", false],
    ["error", false],
    ["text-delta", true],
    ["text-start", true],
    ["reasoning-delta", true],
    ["tool-input-available", true],
    ["start-step", true],
    ["finish-step", true],
  ])("%s → %s", (chunkType, meaningful) => {
    expect(isMeaningfulChunk(chunkType)).toBe(meaningful);
  });
});

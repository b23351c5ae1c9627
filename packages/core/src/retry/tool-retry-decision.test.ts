import { describe, expect, it } from "vitest";
import { DEFAULT_TOOL_RETRY_BACKOFF } from "./backoff.js";
import {
  decideToolRetry,
  type ToolRetryInput,
  withToolRetryDefaults,
} from "./tool-retry-decision.js";

const NOW = 1_700_000_000_000;
const halfway = (): number => 0.5;

const transientError = Object.assign(new Error("Service Unavailable"), { statusCode: 503 });
const finalError = Object.assign(new Error("account id is required"), { statusCode: 422 });

function input(overrides: Partial<ToolRetryInput> = {}): ToolRetryInput {
  return {
    error: transientError,
    attempt: 1,
    policy: { enabled: true },
    now: NOW,
    random: halfway,
    ...overrides,
  };
}

describe("decideToolRetry (B15)", () => {
  it("retries a transient failure after the default backoff", () => {
    expect(decideToolRetry(input())).toEqual({
      action: "retry",
      attempt: 1,
      maxAttempts: 3,
      delayMs: 250,
      delaySource: "backoff",
      nextRetryTime: NOW + 250,
      errorText: "Service Unavailable",
    });
  });

  it("grows the delay with the attempt that failed", () => {
    expect(decideToolRetry(input({ attempt: 2 }))).toMatchObject({
      delayMs: 500,
      nextRetryTime: NOW + 500,
    });
  });

  it("fails without a policy, reporting a single allowed attempt", () => {
    expect(decideToolRetry(input({ policy: undefined }))).toEqual({
      action: "fail",
      attempt: 1,
      maxAttempts: 1,
      errorText: "Service Unavailable",
      reason: "retry_disabled",
    });
  });

  it("fails when the policy is disabled", () => {
    expect(decideToolRetry(input({ policy: { enabled: false } }))).toMatchObject({
      action: "fail",
      reason: "retry_disabled",
    });
  });

  it("fails a failure the default classifier calls final (B23)", () => {
    expect(decideToolRetry(input({ error: finalError }))).toEqual({
      action: "fail",
      attempt: 1,
      maxAttempts: 3,
      errorText: "account id is required",
      reason: "not_retryable",
    });
  });

  it.each([
    [2, "retry"],
    [3, "fail"],
    [4, "fail"],
  ])("with 3 attempts allowed, attempt %i → %s", (attempt, action) => {
    expect(decideToolRetry(input({ attempt })).action).toBe(action);
  });

  it("names attempts_exhausted as the reason on the last attempt", () => {
    expect(decideToolRetry(input({ attempt: 3 }))).toMatchObject({
      reason: "attempts_exhausted",
      maxAttempts: 3,
    });
  });

  it("honours the policy's maxAttempts and backoff", () => {
    const policy = {
      enabled: true,
      maxAttempts: 5,
      backoff: { strategy: "fixed", delayMs: 2_000, jitter: "none" },
    } as const;
    expect(decideToolRetry(input({ policy, attempt: 4 }))).toMatchObject({
      action: "retry",
      maxAttempts: 5,
      delayMs: 2_000,
      nextRetryTime: NOW + 2_000,
    });
  });

  it.each([
    ["true overrides a final-looking error", finalError, true, "retry"],
    ["false overrides a transient error", transientError, false, "fail"],
    ["{ retryable: true }", finalError, { retryable: true }, "retry"],
    ["{ retryable: false }", transientError, { retryable: false }, "fail"],
  ] as const)("follows shouldRetry %s", (_label, error, shouldRetryResult, action) => {
    expect(decideToolRetry(input({ error, shouldRetryResult })).action).toBe(action);
  });

  it("takes the delay named by shouldRetry", () => {
    const decision = decideToolRetry(
      input({ shouldRetryResult: { retryable: true, delayMs: 7_500 } }),
    );
    expect(decision).toMatchObject({
      action: "retry",
      delayMs: 7_500,
      delaySource: "should_retry",
      nextRetryTime: NOW + 7_500,
    });
  });

  it("ignores a negative delay from shouldRetry and uses backoff", () => {
    const decision = decideToolRetry(
      input({ shouldRetryResult: { retryable: true, delayMs: -1 } }),
    );
    expect(decision).toMatchObject({ delayMs: 250, delaySource: "backoff" });
  });

  it("uses the runner's hint when there is no shouldRetry answer", () => {
    expect(decideToolRetry(input({ error: finalError, retryableHint: true })).action).toBe("retry");
    expect(decideToolRetry(input({ retryableHint: false })).action).toBe("fail");
  });

  it("prefers shouldRetry over the runner's hint", () => {
    const decision = decideToolRetry(input({ shouldRetryResult: false, retryableHint: true }));
    expect(decision).toMatchObject({ action: "fail", reason: "not_retryable" });
  });

  it("classifies error text reported by a runner", () => {
    expect(decideToolRetry(input({ error: "socket hang up" }))).toMatchObject({
      action: "retry",
      errorText: "socket hang up",
    });
  });

  it("rejects attempt 0 and maxAttempts 0", () => {
    expect(() => decideToolRetry(input({ attempt: 0 }))).toThrow(RangeError);
    expect(() => decideToolRetry(input({ policy: { enabled: true, maxAttempts: 0 } }))).toThrow(
      RangeError,
    );
  });
});

describe("withToolRetryDefaults", () => {
  it("treats a missing policy as disabled", () => {
    expect(withToolRetryDefaults()).toEqual({
      enabled: false,
      maxAttempts: 3,
      backoff: DEFAULT_TOOL_RETRY_BACKOFF,
    });
  });

  it("fills the defaults of an enabled policy", () => {
    expect(withToolRetryDefaults({ enabled: true })).toEqual({
      enabled: true,
      maxAttempts: 3,
      backoff: DEFAULT_TOOL_RETRY_BACKOFF,
    });
  });
});

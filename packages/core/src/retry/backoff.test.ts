import { describe, expect, it } from "vitest";
import {
  type BackoffPolicy,
  computeBackoffDelayMs,
  DEFAULT_TOOL_RETRY_BACKOFF,
  DEFAULT_TURN_RETRY_BACKOFF,
} from "./backoff.js";

const never = (): number => {
  throw new Error("random must not be drawn without jitter");
};
const fixedRandom =
  (value: number): (() => number) =>
  () =>
    value;

const noJitter = (policy: BackoffPolicy): BackoffPolicy => ({ ...policy, jitter: "none" });

describe("computeBackoffDelayMs", () => {
  it.each([
    [1, 250],
    [2, 500],
    [3, 1_000],
    [4, 2_000],
    [5, 4_000],
    [6, 4_000],
    [50, 4_000],
    [10_000, 4_000],
  ])("turn default without jitter, attempt %i → %i ms (B9)", (attempt, delayMs) => {
    expect(computeBackoffDelayMs(noJitter(DEFAULT_TURN_RETRY_BACKOFF), attempt, never)).toBe(
      delayMs,
    );
  });

  it.each([
    [1, 500],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [5, 8_000],
    [6, 10_000],
  ])("tool default without jitter, attempt %i → %i ms (B15)", (attempt, delayMs) => {
    expect(computeBackoffDelayMs(noJitter(DEFAULT_TOOL_RETRY_BACKOFF), attempt, never)).toBe(
      delayMs,
    );
  });

  it.each([
    [0, 1, 0],
    [0.5, 1, 125],
    [0.999_999, 1, 250],
    [0.5, 2, 250],
    [0.25, 5, 1_000],
    [0.999_999, 9, 4_000],
  ])("turn default with full jitter, random %d at attempt %i → %i ms", (draw, attempt, delayMs) => {
    expect(computeBackoffDelayMs(DEFAULT_TURN_RETRY_BACKOFF, attempt, fixedRandom(draw))).toBe(
      delayMs,
    );
  });

  it("keeps full jitter within 0 and the capped delay", () => {
    const draws = [0, 0.1, 0.33, 0.5, 0.77, 0.999_999_9];
    const delays = draws.map((draw) =>
      computeBackoffDelayMs(DEFAULT_TOOL_RETRY_BACKOFF, 12, fixedRandom(draw)),
    );
    expect(delays).toEqual([0, 1_000, 3_300, 5_000, 7_700, 10_000]);
  });

  it("waits the same for every attempt with a fixed policy", () => {
    const policy: BackoffPolicy = { strategy: "fixed", delayMs: 750, jitter: "none" };
    expect([1, 2, 7].map((attempt) => computeBackoffDelayMs(policy, attempt, never))).toEqual([
      750, 750, 750,
    ]);
  });

  it("jitters a fixed policy", () => {
    const policy: BackoffPolicy = { strategy: "fixed", delayMs: 1_000, jitter: "full" };
    expect(computeBackoffDelayMs(policy, 3, fixedRandom(0.4))).toBe(400);
  });

  it("rounds a fractional exponential delay down to whole ms", () => {
    const policy: BackoffPolicy = {
      strategy: "exponential",
      initialDelayMs: 100,
      multiplier: 1.5,
      maxDelayMs: 10_000,
      jitter: "none",
    };
    expect([1, 2, 3, 4].map((attempt) => computeBackoffDelayMs(policy, attempt, never))).toEqual([
      100, 150, 225, 337,
    ]);
  });

  it.each([
    ["attempt 0", DEFAULT_TURN_RETRY_BACKOFF, 0, 0.5],
    ["a fractional attempt", DEFAULT_TURN_RETRY_BACKOFF, 1.5, 0.5],
    ["random() returning 1", DEFAULT_TURN_RETRY_BACKOFF, 1, 1],
    ["random() returning a negative number", DEFAULT_TURN_RETRY_BACKOFF, 1, -0.1],
    ["a negative fixed delay", { strategy: "fixed", delayMs: -1, jitter: "none" }, 1, 0.5],
    [
      "an infinite cap",
      { ...DEFAULT_TURN_RETRY_BACKOFF, maxDelayMs: Number.POSITIVE_INFINITY },
      1,
      0.5,
    ],
    ["a NaN initial delay", { ...DEFAULT_TURN_RETRY_BACKOFF, initialDelayMs: Number.NaN }, 1, 0.5],
    ["a multiplier below 1", { ...DEFAULT_TURN_RETRY_BACKOFF, multiplier: 0.5 }, 1, 0.5],
  ] satisfies [string, BackoffPolicy, number, number][])(
    "rejects %s",
    (_label, policy, attempt, draw) => {
      expect(() => computeBackoffDelayMs(policy, attempt, fixedRandom(draw))).toThrow(RangeError);
    },
  );
});

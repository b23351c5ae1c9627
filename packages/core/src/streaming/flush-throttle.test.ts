import { describe, expect, it } from "vitest";
import { DEFAULT_DELTA_THROTTLE_MS, decideFlush, type FlushTimingInput } from "./flush-throttle.js";

describe("decideFlush (B5 throttle)", () => {
  it.each<{ name: string; input: FlushTimingInput; expected: ReturnType<typeof decideFlush> }>([
    {
      name: "the first row of a stream is written at once",
      input: { lastFlushAt: undefined, now: 1_000 },
      expected: { flushNow: true },
    },
    {
      name: "a full throttle period after the last row, flush now",
      input: { lastFlushAt: 1_000, now: 1_250 },
      expected: { flushNow: true },
    },
    {
      name: "more than a period after the last row, flush now",
      input: { lastFlushAt: 1_000, now: 9_000 },
      expected: { flushNow: true },
    },
    {
      name: "within the default period, wait for the rest of it",
      input: { lastFlushAt: 1_000, now: 1_100 },
      expected: { flushNow: false, waitMs: 150 },
    },
    {
      name: "right after a row, wait a whole period",
      input: { lastFlushAt: 1_000, now: 1_000 },
      expected: { flushNow: false, waitMs: 250 },
    },
    {
      name: "a custom throttle period is honoured",
      input: { lastFlushAt: 1_000, now: 1_400, throttleMs: 1_000 },
      expected: { flushNow: false, waitMs: 600 },
    },
    {
      name: "a throttle of 0 always flushes",
      input: { lastFlushAt: 1_000, now: 1_000, throttleMs: 0 },
      expected: { flushNow: true },
    },
    {
      name: "a clock that went backwards never waits longer than one period",
      input: { lastFlushAt: 5_000, now: 1_000 },
      expected: { flushNow: false, waitMs: 250 },
    },
  ])("$name", ({ input, expected }) => {
    expect(decideFlush(input)).toStrictEqual(expected);
  });

  it("defaults to 250 ms", () => {
    expect(DEFAULT_DELTA_THROTTLE_MS).toBe(250);
  });
});

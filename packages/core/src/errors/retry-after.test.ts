import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, parseRetryAfterMs } from "./retry-after.js";

const NOW = Date.UTC(2026, 1, 18, 0, 0, 0);

function httpDate(offsetMs: number): string {
  return new Date(NOW + offsetMs).toUTCString();
}

describe("parseRetryAfterMs (B9)", () => {
  it.each([
    ["retry-after-ms in ms", { "retry-after-ms": "1500" }, 1_500],
    ["retry-after-ms with a fraction, rounded up", { "retry-after-ms": "150.2" }, 151],
    ["retry-after-ms of zero", { "retry-after-ms": "0" }, 0],
    ["retry-after-ms at the 60 s limit", { "retry-after-ms": "60000" }, 60_000],
    ["retry-after in seconds", { "retry-after": "2" }, 2_000],
    ["retry-after with a fraction of a second", { "retry-after": "2.4" }, 2_400],
    ["retry-after with surrounding spaces", { "retry-after": " 3 " }, 3_000],
    ["retry-after at the 60 s limit", { "retry-after": "60" }, 60_000],
    ["retry-after as an HTTP date", { "retry-after": httpDate(4_000) }, 4_000],
    ["retry-after as an HTTP date of now", { "retry-after": httpDate(0) }, 0],
    ["header names in any case", { "Retry-After": "5" }, 5_000],
    ["retry-after-ms before retry-after", { "retry-after-ms": "250", "retry-after": "9" }, 250],
    [
      "retry-after when retry-after-ms is unusable",
      { "retry-after-ms": "90000", "retry-after": "9" },
      9_000,
    ],
    [
      "retry-after when retry-after-ms is garbage",
      { "retry-after-ms": "soon", "retry-after": "1" },
      1_000,
    ],
    ["a number value (Node headers)", { "retry-after": 4 }, 4_000],
    ["the first of repeated values", { "retry-after": ["6", "8"] }, 6_000],
  ])("reads %s", (_label, headers, delayMs) => {
    expect(parseRetryAfterMs(headers, NOW)).toBe(delayMs);
  });

  it.each([
    ["no headers", undefined],
    ["no retry headers", { "content-type": "application/json" }],
    ["more than 60 s in seconds", { "retry-after": "61" }],
    ["more than 60 s in ms", { "retry-after-ms": "60001" }],
    ["an HTTP date more than 60 s ahead", { "retry-after": httpDate(61_000) }],
    ["an HTTP date in the past", { "retry-after": httpDate(-1_000) }],
    ["a negative number", { "retry-after": "-1" }],
    ["an exponent", { "retry-after": "1e3" }],
    ["a number followed by text", { "retry-after": "5 seconds" }],
    ["garbage", { "retry-after": "later, please" }],
    ["an empty value", { "retry-after": "" }],
    ["a value of the wrong type", { "retry-after": { seconds: 1 } }],
  ])("ignores %s", (_label, headers) => {
    expect(parseRetryAfterMs(headers, NOW)).toBeUndefined();
  });

  it("reads a fetch Headers object", () => {
    const headers = new Headers({ "Retry-After-Ms": "700" });
    expect(parseRetryAfterMs(headers, NOW)).toBe(700);
  });

  it("measures an HTTP date from the injected now", () => {
    const headers = { "retry-after": httpDate(10_000) };
    expect(parseRetryAfterMs(headers, NOW + 4_000)).toBe(6_000);
  });

  it("caps at one minute", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(60_000);
  });
});

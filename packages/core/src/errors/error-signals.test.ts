import { APICallError, RetryError } from "ai";
import { describe, expect, it } from "vitest";
import { collectErrorSignals } from "./error-signals.js";

function apiCallError(statusCode: number | undefined, message: string): APICallError {
  return new APICallError({
    message,
    url: "https://api.provider.test/v1/messages",
    requestBodyValues: {},
    statusCode,
  });
}

function nest(depth: number, innermost: unknown): unknown {
  let error = innermost;
  for (let level = 0; level < depth; level += 1) {
    error = new Error(`wrapper ${level}`, { cause: error });
  }
  return error;
}

describe("collectErrorSignals: status codes", () => {
  it.each([
    ["status code 503 (AI SDK)", "Request failed with status code 503", 503],
    ["status: 429", "upstream replied status: 429", 429],
    ["status=500", "call failed status=500", 500],
    ["HTTP 502", "HTTP 502 from proxy", 502],
    ["HTTP/1.1 504", "HTTP/1.1 504 Gateway Timeout", 504],
    ["HTTP error 503", "HTTP error 503", 503],
    ["leading status (OpenAI SDK)", "429 Rate limit reached for requests", 429],
    ["leading status behind 'Error:'", "Error: 500 oops", 500],
    ["status before a reason phrase", "upstream said 503 Service Unavailable", 503],
  ])("parses %s", (_label, message, statusCode) => {
    expect(collectErrorSignals(new Error(message)).statusCode).toBe(statusCode);
  });

  it.each([
    ["a count after 'status'", "processing status: 5 items remaining"],
    ["a success status", "status code 200 but body empty"],
    ["a year", "2024 was a long year"],
    ["no number at all", "something went wrong"],
  ])("ignores %s", (_label, message) => {
    expect(collectErrorSignals(new Error(message)).statusCode).toBeUndefined();
  });

  it("prefers a status property over a body code and over the message", () => {
    const error = Object.assign(new Error("status code 500"), {
      statusCode: 503,
      responseBody: JSON.stringify({ error: { code: 429 } }),
    });
    expect(collectErrorSignals(error).statusCode).toBe(503);
  });

  it("prefers a numeric body code over a status in a message", () => {
    const error = Object.assign(new Error("status code 500"), {
      responseBody: JSON.stringify({ error: { code: 429 } }),
    });
    expect(collectErrorSignals(error).statusCode).toBe(429);
  });

  it("reads `status` as well as `statusCode` (OpenAI and Anthropic SDK errors)", () => {
    expect(collectErrorSignals({ status: 401, message: "no" }).statusCode).toBe(401);
  });

  it("ignores numbers that are not HTTP statuses", () => {
    expect(collectErrorSignals({ statusCode: 42, status: 1_000 }).statusCode).toBeUndefined();
  });
});

describe("collectErrorSignals: walking the chain", () => {
  it("reads causes breadth-first and lower-cases codes", () => {
    const signals = collectErrorSignals(
      new Error("outer", {
        cause: Object.assign(new Error("inner"), { code: "ECONNRESET", statusCode: 502 }),
      }),
    );
    expect(signals).toMatchObject({
      statusCode: 502,
      errorCodes: ["econnreset"],
      names: ["Error"],
      messages: ["outer", "inner"],
    });
  });

  it("visits a RetryError's last error before its earlier attempts", () => {
    const signals = collectErrorSignals(
      new RetryError({
        message: "Failed after 2 attempts.",
        reason: "maxRetriesExceeded",
        errors: [apiCallError(500, "first"), apiCallError(429, "second")],
      }),
    );
    expect(signals.statusCode).toBe(429);
    expect(signals.messages).toEqual(["Failed after 2 attempts.", "second", "first"]);
    expect(signals.names).toEqual(["AI_RetryError", "AI_APICallError"]);
  });

  it("reads AggregateError's errors", () => {
    const signals = collectErrorSignals(
      new AggregateError([Object.assign(new Error("a"), { code: "ETIMEDOUT" })], "all failed"),
    );
    expect(signals.errorCodes).toEqual(["etimedout"]);
  });

  it("stops on cycles", () => {
    const first: Error & { cause?: unknown } = new Error("first");
    const second = new Error("second", { cause: first });
    first.cause = second;
    expect(collectErrorSignals(first).messages).toEqual(["first", "second"]);
  });

  it("reads causes eight levels deep", () => {
    const signals = collectErrorSignals(nest(8, Object.assign(new Error("x"), { code: "EPIPE" })));
    expect(signals.errorCodes).toEqual(["epipe"]);
  });

  it("stops below eight levels", () => {
    const signals = collectErrorSignals(nest(9, Object.assign(new Error("x"), { code: "EPIPE" })));
    expect(signals.errorCodes).toEqual([]);
  });

  it("keeps the first isRetryable flag and the first headers on the chain", () => {
    const signals = collectErrorSignals(
      Object.assign(new Error("outer"), {
        isRetryable: false,
        responseHeaders: { "retry-after": "1" },
        cause: { isRetryable: true, responseHeaders: { "retry-after": "2" } },
      }),
    );
    expect(signals.isRetryable).toBe(false);
    expect(signals.responseHeaders).toEqual({ "retry-after": "1" });
  });
});

describe("collectErrorSignals: provider bodies", () => {
  it("reads code, type and message from an OpenAI body", () => {
    const signals = collectErrorSignals(
      Object.assign(new Error("quota"), {
        responseBody: JSON.stringify({
          error: {
            message: "You exceeded your quota",
            type: "insufficient_quota",
            code: "insufficient_quota",
          },
        }),
      }),
    );
    expect(signals.providerCodes).toEqual(["insufficient_quota"]);
    expect(signals.messages).toEqual(["quota", "You exceeded your quota"]);
  });

  it("reads Google's gRPC-style status and its numeric code", () => {
    const signals = collectErrorSignals({
      data: { error: { code: 503, status: "UNAVAILABLE", message: "overloaded" } },
    });
    expect(signals.providerCodes).toEqual(["unavailable"]);
    expect(signals.statusCode).toBe(503);
  });

  it("skips the generic `type: error` envelope", () => {
    const signals = collectErrorSignals({ type: "error", error: { type: "api_error" } });
    expect(signals.providerCodes).toEqual(["api_error"]);
  });

  it("keeps a body that is not JSON as a message, truncated", () => {
    const body = `upstream connect error ${"x".repeat(3_000)}`;
    const signals = collectErrorSignals(Object.assign(new Error("bad"), { responseBody: body }));
    expect(signals.messages[1]).toHaveLength(2_000);
    expect(signals.messages[1]?.startsWith("upstream connect error")).toBe(true);
  });

  it("tolerates a body that looks like JSON but is not", () => {
    const signals = collectErrorSignals(
      Object.assign(new Error("bad"), { responseBody: '{"error": ' }),
    );
    expect(signals.providerCodes).toEqual([]);
    expect(signals.messages).toEqual(["bad", '{"error":']);
  });

  it("reads a string `error` member as a message", () => {
    expect(collectErrorSignals({ error: "Rate limit exceeded" }).messages).toEqual([
      "Rate limit exceeded",
    ]);
  });
});

describe("collectErrorSignals: abort", () => {
  it.each([
    ["AbortError", new DOMException("aborted", "AbortError"), true],
    ["TimeoutError", new DOMException("timed out", "TimeoutError"), true],
    ["RetryError aborted", new RetryError({ message: "x", reason: "abort", errors: [] }), true],
    [
      "AbortError as a cause",
      new Error("wrapped", { cause: new DOMException("a", "AbortError") }),
      true,
    ],
    [
      "RetryError exhausted",
      new RetryError({ message: "x", reason: "maxRetriesExceeded", errors: [] }),
      false,
    ],
    [
      "plain reason: abort on another error",
      Object.assign(new Error("x"), { reason: "abort" }),
      false,
    ],
    ["plain error", new Error("x"), false],
  ])("%s → %s", (_label, error, isAbort) => {
    expect(collectErrorSignals(error).isAbort).toBe(isAbort);
  });
});

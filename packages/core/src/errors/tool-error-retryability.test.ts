import { APICallError } from "ai";
import { describe, expect, it } from "vitest";
import { isRetryableToolError } from "./tool-error-retryability.js";

function withFields(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe("isRetryableToolError (B23)", () => {
  it.each([
    ["429", withFields("busy", { statusCode: 429 })],
    ["408", withFields("timeout", { statusCode: 408 })],
    ["409", withFields("conflict", { status: 409 })],
    ["500", withFields("server", { statusCode: 500 })],
    [
      "503 on an APICallError",
      new APICallError({ message: "x", url: "u", requestBodyValues: {}, statusCode: 503 }),
    ],
    ["599", withFields("edge", { statusCode: 599 })],
    [
      "a status in a cause",
      new Error("tool failed", { cause: withFields("inner", { statusCode: 502 }) }),
    ],
    ["'status code 503' in the text", "Request failed with status code 503"],
    ["'status: 429' in the text", "upstream status: 429"],
    ["ECONNRESET", withFields("socket", { code: "ECONNRESET" })],
    ["ENOTFOUND", withFields("dns", { code: "ENOTFOUND" })],
    [
      "UND_ERR_SOCKET in a cause",
      new TypeError("fetch failed", { cause: withFields("x", { code: "UND_ERR_SOCKET" }) }),
    ],
    ["rate-limit wording", "Rate limit exceeded, try again later"],
    ["'Too Many Requests'", "Too Many Requests"],
    ["'Internal Server Error'", "Internal Server Error"],
    ["'Bad Gateway'", new Error("Bad Gateway")],
    ["'Service Unavailable'", "Service Unavailable"],
    ["'overloaded'", "The service is overloaded"],
    ["'fetch failed'", new TypeError("fetch failed")],
    ["'socket hang up'", "socket hang up"],
    ["'upstream connect error'", "fetch failed due to upstream connect error"],
    ["'connection refused'", "connection refused"],
  ])("retries %s", (_label, error) => {
    expect(isRetryableToolError(error)).toBe(true);
  });

  it.each([
    ["401", withFields("unauthorized", { statusCode: 401 })],
    ["403", withFields("forbidden", { statusCode: 403 })],
    ["404", withFields("missing", { statusCode: 404 })],
    ["422", withFields("validation", { statusCode: 422 })],
    ["402", withFields("pay", { statusCode: 402 })],
    ["a 4xx status even with network wording", withFields("socket hang up", { statusCode: 400 })],
    [
      "a 4xx status even with a network code",
      withFields("x", { statusCode: 404, code: "ECONNRESET" }),
    ],
    ["'status: 5' (not a status)", "processing status: 5 items remaining"],
    ["a deterministic validation error", "invalid input: account id is required"],
    ["an unknown error", new Error("something odd")],
    ["an abort", new DOMException("This operation was aborted", "AbortError")],
    ["a thrown undefined", undefined],
  ])("does not retry %s", (_label, error) => {
    expect(isRetryableToolError(error)).toBe(false);
  });
});

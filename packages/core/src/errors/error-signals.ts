import { RetryError } from "ai";
import { type HeaderSource, isHeaderSource } from "./http-headers.js";
import {
  ABORT_ERROR_CODES,
  ABORT_ERROR_NAMES,
  ABORT_MESSAGE_PATTERNS,
} from "./provider-error-catalog.js";
import { readProperty } from "./read-property.js";

/**
 * Everything a thrown value says about why a call failed, gathered from the value and the errors
 * it wraps (`cause`, the AI SDK `RetryError`'s `lastError` and `errors[]`, `AggregateError`'s
 * `errors[]`). Lists keep the order in which they were found: outermost error first, then its
 * wrapped errors breadth-first, so a `RetryError`'s last error comes before earlier attempts.
 */
export interface ErrorSignals {
  /**
   * HTTP status of the failed call: the first `statusCode`/`status` number on the error chain,
   * else a numeric status in a provider body (`{"error":{"code":429}}`), else one parsed from a
   * message ("429 Too Many Requests", "status code 503", "HTTP 500"). Only 100–599 is accepted
   * from properties and bodies, only 400–599 from messages.
   */
  statusCode?: number;
  /** `code` strings of the errors themselves (`ECONNRESET`, `UND_ERR_SOCKET`…), lower-cased. */
  errorCodes: readonly string[];
  /**
   * Provider error codes and types (`rate_limit_exceeded`, `overloaded_error`,
   * `RESOURCE_EXHAUSTED`…), lower-cased, from response bodies, `data` objects, SDK `error`
   * members and the `type` of provider error classes.
   */
  providerCodes: readonly string[];
  /** `name` of every error on the chain (`AI_APICallError`, `AbortError`…), as written. */
  names: readonly string[];
  /** Every message on the chain and in provider bodies, outermost first. */
  messages: readonly string[];
  /** The first `isRetryable` flag on the chain (the AI SDK sets it on `APICallError`). */
  isRetryable?: boolean;
  /** The first response headers on the chain, as found. */
  responseHeaders?: HeaderSource;
  /** Whether the call was aborted or timed out by its own signal rather than failed (B22). */
  isAbort: boolean;
}

/** Walk bounds: error chains are short; these only stop cycles built by hand and hostile values. */
const MAX_ERRORS_VISITED = 32;
const MAX_CHAIN_DEPTH = 8;
/** Bodies nest one provider's error inside another's (OpenRouter `metadata.raw`), rarely deeper. */
const MAX_PAYLOAD_DEPTH = 4;
/** Only the start of a non-JSON body is kept as a message: enough for an HTML title or a proxy error. */
const MAX_BODY_TEXT_CHARS = 2_000;
/** A wrapper with more errors than this (a big `AggregateError`) is sampled, not walked whole. */
const MAX_WRAPPED_ERRORS = 8;

const MIN_STATUS_CODE = 100;
const MAX_STATUS_CODE = 599;
const MIN_ERROR_STATUS_CODE = 400;

/** Provider bodies mark themselves as errors with `"type": "error"`; that says nothing new. */
const GENERIC_PAYLOAD_TYPES: ReadonlySet<string> = new Set(["error"]);

const STATUS_IN_MESSAGE_PATTERNS: readonly RegExp[] = [
  // "status code 503" (AI SDK, fetch wrappers), "status: 429", "status=500".
  /\bstatus(?:[ _]code)?\s*[:=]?\s*(\d{3})\b/i,
  // "HTTP 500", "HTTP/1.1 502", "HTTP error 503".
  /\bhttp(?:\/\d(?:\.\d)?)?(?:\s+error)?[\s:]+(\d{3})\b/i,
  // OpenAI and Anthropic SDKs start messages with the status ("429 Rate limit reached…"),
  // sometimes behind an "Error:" prefix.
  /^\s*(?:\w*error:\s*)?(\d{3})\b/i,
  // A status followed by its standard reason phrase anywhere ("upstream said 503 Service Unavailable").
  /\b(\d{3})\s+(?:too many requests|internal server error|bad gateway|service unavailable|gateway timeout|request timeout|unauthorized|forbidden|bad request|payment required|conflict|unprocessable (?:entity|content)|payload too large)\b/i,
];

function isObject(value: unknown): value is object {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}

function asStatusCode(value: unknown): number | undefined {
  return typeof value === "number" &&
    Number.isInteger(value) &&
    value >= MIN_STATUS_CODE &&
    value <= MAX_STATUS_CODE
    ? value
    : undefined;
}

function parseStatusCodeFromMessage(message: string): number | undefined {
  for (const pattern of STATUS_IN_MESSAGE_PATTERNS) {
    const digits = pattern.exec(message)?.[1];
    if (digits === undefined) {
      continue;
    }
    const statusCode = Number(digits);
    if (statusCode >= MIN_ERROR_STATUS_CODE && statusCode <= MAX_STATUS_CODE) {
      return statusCode;
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    return undefined;
  }
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

function isAbortRetryError(value: unknown): boolean {
  return RetryError.isInstance(value) && value.reason === "abort";
}

/** Accumulates signals while the chain is walked; duplicates are kept once, first position wins. */
class SignalCollector {
  private readonly errorCodes = new Set<string>();
  private readonly providerCodes = new Set<string>();
  private readonly names = new Set<string>();
  private readonly messages = new Set<string>();
  private readonly propertyStatusCodes: number[] = [];
  private readonly payloadStatusCodes: number[] = [];
  private isRetryable: boolean | undefined;
  private responseHeaders: HeaderSource | undefined;
  private hasAbortMarker = false;

  /** Reads one error of the chain (an Error, or any object or string that was thrown). */
  addError(error: unknown): void {
    if (typeof error === "string") {
      this.addMessage(error);
      return;
    }
    if (!isObject(error)) {
      return;
    }
    if (isAbortRetryError(error)) {
      this.hasAbortMarker = true;
    }
    const name = readProperty(error, "name");
    if (typeof name === "string" && name !== "") {
      this.names.add(name);
    }
    const message = readProperty(error, "message");
    if (typeof message === "string") {
      this.addMessage(message);
    }
    const code = readProperty(error, "code");
    if (typeof code === "string" && code !== "") {
      this.errorCodes.add(code.toLowerCase());
    }
    // Provider error classes (Vercel AI Gateway, OpenAI SDK) carry the provider's error type.
    this.addProviderCode(readProperty(error, "type"));
    for (const key of ["statusCode", "status"]) {
      const statusCode = asStatusCode(readProperty(error, key));
      if (statusCode !== undefined) {
        this.propertyStatusCodes.push(statusCode);
      }
    }
    const isRetryable = readProperty(error, "isRetryable");
    if (this.isRetryable === undefined && typeof isRetryable === "boolean") {
      this.isRetryable = isRetryable;
    }
    const headers = readProperty(error, "responseHeaders");
    if (this.responseHeaders === undefined && isHeaderSource(headers)) {
      this.responseHeaders = headers;
    }
    // AI SDK `APICallError.responseBody` (raw text) and `.data` (parsed body); OpenAI and
    // Anthropic SDK errors and mid-stream error events keep the body's `error` object.
    this.addPayload(readProperty(error, "responseBody"), 0);
    this.addPayload(readProperty(error, "data"), 0);
    this.addPayload(readProperty(error, "error"), 0);
  }

  /**
   * Reads a provider body: `{"error":{"type","code","status","message"}}` (OpenAI, Anthropic,
   * Google, OpenRouter), flat `{"type","code","message"}` (Mistral), an array of those (Gemini
   * streaming), or text that is not JSON at all (proxies).
   */
  private addPayload(payload: unknown, depth: number): void {
    if (depth > MAX_PAYLOAD_DEPTH) {
      return;
    }
    if (typeof payload === "string") {
      const parsed = parseJson(payload);
      if (parsed === undefined) {
        this.addMessage(payload.slice(0, MAX_BODY_TEXT_CHARS));
      } else {
        this.addPayload(parsed, depth);
      }
      return;
    }
    if (Array.isArray(payload)) {
      for (const item of payload.slice(0, MAX_WRAPPED_ERRORS)) {
        this.addPayload(item, depth + 1);
      }
      return;
    }
    if (!isObject(payload) || payload instanceof Error) {
      return;
    }
    const code = readProperty(payload, "code");
    if (typeof code === "number") {
      // Google and OpenRouter repeat the HTTP status as a numeric `code`.
      const statusCode = asStatusCode(code);
      if (statusCode !== undefined) {
        this.payloadStatusCodes.push(statusCode);
      }
    } else {
      this.addProviderCode(code);
    }
    this.addProviderCode(readProperty(payload, "type"));
    // Google puts its gRPC-style code (`RESOURCE_EXHAUSTED`) in `status`.
    this.addProviderCode(readProperty(payload, "status"));
    const message = readProperty(payload, "message");
    if (typeof message === "string") {
      this.addMessage(message);
    }
    const nested = readProperty(payload, "error");
    if (typeof nested === "string") {
      this.addMessage(nested);
    } else {
      this.addPayload(nested, depth + 1);
    }
    // OpenRouter relays the upstream provider's own body as text in `error.metadata.raw`.
    this.addPayload(readProperty(readProperty(payload, "metadata"), "raw"), depth + 1);
  }

  private addProviderCode(code: unknown): void {
    if (typeof code !== "string" || code === "") {
      return;
    }
    const normalized = code.toLowerCase();
    if (!GENERIC_PAYLOAD_TYPES.has(normalized)) {
      this.providerCodes.add(normalized);
    }
  }

  private addMessage(message: string): void {
    const trimmed = message.trim();
    if (trimmed !== "") {
      this.messages.add(trimmed);
    }
  }

  finish(): ErrorSignals {
    const messages = [...this.messages];
    const names = [...this.names];
    const errorCodes = [...this.errorCodes];
    const statusCode =
      this.propertyStatusCodes[0] ??
      this.payloadStatusCodes[0] ??
      firstDefined(messages, parseStatusCodeFromMessage);
    const isAbort =
      this.hasAbortMarker ||
      names.some((name) => ABORT_ERROR_NAMES.has(name.toLowerCase())) ||
      errorCodes.some((code) => ABORT_ERROR_CODES.has(code)) ||
      messages.some((message) => ABORT_MESSAGE_PATTERNS.some((pattern) => pattern.test(message)));
    return {
      statusCode,
      errorCodes,
      providerCodes: [...this.providerCodes],
      names,
      messages,
      isRetryable: this.isRetryable,
      responseHeaders: this.responseHeaders,
      isAbort,
    };
  }
}

function firstDefined<T, R>(items: readonly T[], pick: (item: T) => R | undefined): R | undefined {
  for (const item of items) {
    const picked = pick(item);
    if (picked !== undefined) {
      return picked;
    }
  }
  return undefined;
}

function wrappedErrorsOf(error: object): unknown[] {
  const wrapped: unknown[] = [readProperty(error, "cause"), readProperty(error, "lastError")];
  const errors = readProperty(error, "errors");
  if (Array.isArray(errors)) {
    // Newest first: a RetryError lists attempts oldest first, and the latest failure is the one
    // that decides (its `lastError` is also the last entry, so it is not read twice).
    wrapped.push(...errors.slice(-MAX_WRAPPED_ERRORS).reverse());
  }
  return wrapped.filter((candidate) => candidate !== undefined && candidate !== null);
}

/**
 * Gathers the signals of a thrown value and everything it wraps (B22), breadth-first, visiting
 * each object once and stopping at `MAX_CHAIN_DEPTH` levels or `MAX_ERRORS_VISITED` errors.
 */
export function collectErrorSignals(error: unknown): ErrorSignals {
  const collector = new SignalCollector();
  const visited = new Set<object>();
  let frontier: unknown[] = [error];
  for (let depth = 0; depth <= MAX_CHAIN_DEPTH && frontier.length > 0; depth += 1) {
    const next: unknown[] = [];
    for (const current of frontier) {
      if (visited.size >= MAX_ERRORS_VISITED) {
        return collector.finish();
      }
      if (isObject(current)) {
        if (visited.has(current)) {
          continue;
        }
        visited.add(current);
        next.push(...wrappedErrorsOf(current));
      }
      collector.addError(current);
    }
    frontier = next;
  }
  return collector.finish();
}

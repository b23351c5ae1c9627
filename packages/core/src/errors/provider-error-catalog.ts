/**
 * What providers and runtimes say when a model call fails, grouped by the B22 kind it means.
 *
 * Codes are compared lower-cased against every `code`/`type`/`status` string found on the error
 * chain and in provider response bodies (see `collectErrorSignals`). Patterns are tested against
 * every message found there. Each entry names who says it, so an entry can be dropped when that
 * provider changes its wording.
 */

/** Error names that mean the caller gave up on the request itself (B22: abort/timeout). */
export const ABORT_ERROR_NAMES: ReadonlySet<string> = new Set([
  // DOMException thrown by fetch when its AbortSignal fires.
  "aborterror",
  // DOMException thrown when an `AbortSignal.timeout()` signal fires.
  "timeouterror",
  // Next.js aborts route-handler responses with this name; the AI SDK treats it as an abort.
  "responseaborted",
]);

/** `code` values that mean the same as an abort name. */
export const ABORT_ERROR_CODES: ReadonlySet<string> = new Set([
  // Node.js `AbortError` (e.g. from `events.once` or streams) carries this code.
  "abort_err",
]);

export const ABORT_MESSAGE_PATTERNS: readonly RegExp[] = [
  // OpenAI and Anthropic SDKs: `APIUserAbortError` ("Request was aborted.").
  /\brequest was aborted\b/i,
];

export const CONTEXT_OVERFLOW_CODES: ReadonlySet<string> = new Set([
  // OpenAI (Chat Completions and Responses), Groq, OpenRouter and other OpenAI-compatible APIs.
  "context_length_exceeded",
  // llama.cpp server when the prompt does not fit the loaded context.
  "exceed_context_size_error",
  // Anthropic (HTTP 413): the request as a whole is larger than the API accepts.
  "request_too_large",
]);

export const CONTEXT_OVERFLOW_PATTERNS: readonly RegExp[] = [
  // OpenAI, OpenRouter, DeepSeek: "This model's maximum context length is 8192 tokens. ..."
  /maximum context length is \d+ tokens/i,
  // OpenAI, Groq: "... Please reduce the length of the messages."
  /reduce the length of the messages/i,
  // OpenAI Responses API: "Your input exceeds the context window of this model."
  /exceeds the context window/i,
  // Anthropic: "prompt is too long: 215000 tokens > 200000 maximum".
  /\bprompt is too long\b/i,
  // Anthropic: "input length and `max_tokens` exceed context limit: 199000 + 8192 > 200000".
  /exceed context limit/i,
  // Google Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed".
  /input token count.*exceeds the maximum/i,
  // Amazon Bedrock: "Input is too long for requested model."
  /input is too long for requested model/i,
  // Mistral: "Prompt contains 40000 tokens ..., too large for model with 32768 maximum context length".
  /too large for model with \d+ maximum context length/i,
  // xAI: "This model's maximum prompt length is 131072 but the request contains 140000 tokens."
  /maximum prompt length is \d+/i,
  // Moonshot (Kimi): "Your request exceeded model token limit: 131072".
  /exceeded model token limit/i,
  // llama.cpp server: "the request exceeds the available context size, try increasing it".
  /exceeds the available context size/i,
];

/** HTTP statuses that mean the account cannot pay for the call. */
export const INSUFFICIENT_CREDITS_STATUS_CODES: ReadonlySet<number> = new Set([
  // OpenRouter answers 402 Payment Required when the key has no credits left.
  402,
]);

export const INSUFFICIENT_CREDITS_CODES: ReadonlySet<string> = new Set([
  // OpenAI: billing quota used up; sent with HTTP 429, so it must win over rate limiting.
  "insufficient_quota",
  // Anthropic (HTTP 402): a problem with billing or payment information.
  "billing_error",
  // OpenAI ChatGPT-plan backend (Codex): the plan's usage cap is reached or excludes the model.
  "usage_limit_reached",
  "usage_not_included",
]);

/**
 * Google's "You exceeded your current quota" is deliberately absent: Gemini uses the same sentence
 * for per-minute limits, which are transient, so it is left to the rate-limit rule.
 */
export const INSUFFICIENT_CREDITS_PATTERNS: readonly RegExp[] = [
  // Anthropic: "Your credit balance is too low to access the Anthropic API."
  /credit balance is too low/i,
  // OpenRouter (HTTP 402): "Insufficient credits. Add more using https://openrouter.ai/credits".
  /insufficient credits/i,
];

/** HTTP statuses that mean the credentials are missing, wrong or lack permission. */
export const AUTH_STATUS_CODES: ReadonlySet<number> = new Set([401, 403]);

export const AUTH_CODES: ReadonlySet<string> = new Set([
  // OpenAI: wrong or revoked key.
  "invalid_api_key",
  // Anthropic (401) and the Vercel AI Gateway.
  "authentication_error",
  // Anthropic (403): the key may not use this resource.
  "permission_error",
  // Google (gRPC-style `status` in the body).
  "unauthenticated",
  "permission_denied",
]);

export const AUTH_PATTERNS: readonly RegExp[] = [
  // OpenAI: "Incorrect API key provided: sk-...".
  /incorrect api key provided/i,
  // Anthropic: "invalid x-api-key".
  /invalid x-api-key/i,
  // Google: "API key not valid. Please pass a valid API key."
  /api key not valid/i,
  // Groq and many OpenAI-compatible servers: "Invalid API Key".
  /invalid api key/i,
  // OpenRouter (401): "No auth credentials found".
  /no auth credentials found/i,
  // HTTP 401/403 reason phrases, which fetch-based clients put in the message when the body is empty.
  /\bunauthorized\b/i,
  /\bforbidden\b/i,
];

export const RATE_LIMIT_STATUS_CODES: ReadonlySet<number> = new Set([429]);

export const RATE_LIMIT_CODES: ReadonlySet<string> = new Set([
  // OpenAI, Groq and the Vercel AI Gateway.
  "rate_limit_exceeded",
  // Anthropic.
  "rate_limit_error",
  // Google (gRPC-style `status` in the body, HTTP 429).
  "resource_exhausted",
]);

export const RATE_LIMIT_PATTERNS: readonly RegExp[] = [
  // HTTP 429 reason phrase.
  /too many requests/i,
  // OpenAI, Groq: "Rate limit reached for ..."; Anthropic: "... exceeded your rate limit";
  // also "rate_limit" / "rate-limit" / "ratelimit" spellings of other OpenAI-compatible servers.
  /\brate[ _-]?limit/i,
  // Google: "Resource has been exhausted (e.g. check quota)."
  /resource has been exhausted/i,
];

export const SERVER_ERROR_CODES: ReadonlySet<string> = new Set([
  // Anthropic: `api_error` (HTTP 500) and `overloaded_error` (HTTP 529), which can also arrive as
  // an error event in the middle of a stream, where there is no HTTP status.
  "api_error",
  "overloaded_error",
  // OpenAI: `server_error` type on 500s and in mid-stream error events.
  "server_error",
  // Google (gRPC-style `status` in the body): HTTP 500 and 503.
  "internal",
  "unavailable",
  // Vercel AI Gateway.
  "internal_server_error",
]);

export const SERVER_ERROR_PATTERNS: readonly RegExp[] = [
  // HTTP 500, 502, 503 and 504 reason phrases.
  /internal server error/i,
  /bad gateway/i,
  /service unavailable/i,
  /gateway timeout/i,
  // Anthropic: "Overloaded" (HTTP 529 and mid-stream `overloaded_error`).
  /\boverloaded\b/i,
  // OpenAI: "The server had an error while processing your request."
  /server had an error/i,
];

/** HTTP statuses that mean the request or connection timed out or collided, worth repeating. */
export const TRANSIENT_CLIENT_STATUS_CODES: ReadonlySet<number> = new Set([
  // 408 Request Timeout.
  408,
  // 409 Conflict: OpenAI and the AI SDK treat it as retryable (a concurrent request collided).
  409,
]);

export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  // Node.js socket and DNS errors.
  "econnreset",
  "econnrefused",
  "econnaborted",
  "etimedout",
  "ehostunreach",
  "enetunreach",
  "enetdown",
  "epipe",
  "enotfound",
  "eai_again",
  // undici (Node's fetch).
  "und_err_socket",
  "und_err_connect_timeout",
  "und_err_headers_timeout",
  "und_err_body_timeout",
  // Bun's fetch.
  "connectionrefused",
  "connectionclosed",
  "failedtoopensocket",
]);

export const NETWORK_PATTERNS: readonly RegExp[] = [
  // Node.js system error codes quoted in a message, e.g. "read ECONNRESET".
  /\b(?:econnreset|econnrefused|econnaborted|etimedout|ehostunreach|enetunreach|epipe|enotfound|eai_again)\b/i,
  // Node's fetch (undici): "fetch failed"; browsers: "Failed to fetch".
  /\bfetch failed\b/i,
  /\bfailed to fetch\b/i,
  // AI SDK: "Cannot connect to API: ..." when fetch itself failed.
  /cannot connect to api/i,
  // Node.js http: "socket hang up".
  /socket hang up/i,
  // undici: "other side closed" when the server drops the socket.
  /other side closed/i,
  // undici: a response body cut off mid-stream rejects with the bare message "terminated".
  /^terminated$/i,
  // Envoy-based proxies: "upstream connect error or disconnect/reset before headers".
  /upstream connect error/i,
  // Plain-text variants of ECONNRESET / ECONNREFUSED from proxies and other runtimes.
  /connection (?:reset|refused)/i,
  // Firefox: "NetworkError when attempting to fetch resource."; generic "network error".
  /\bnetwork ?error\b/i,
];

/** HTTP statuses that mean the request itself is malformed and will fail the same way again. */
export const INVALID_REQUEST_STATUS_CODES: ReadonlySet<number> = new Set([400, 422]);

export const INVALID_REQUEST_CODES: ReadonlySet<string> = new Set([
  // OpenAI, Anthropic, Mistral, Groq and the Vercel AI Gateway.
  "invalid_request_error",
  // Google (gRPC-style `status` in the body, HTTP 400).
  "invalid_argument",
  // OpenAI: the prompt was rejected (e.g. flagged by safety checks).
  "invalid_prompt",
]);

export const INVALID_REQUEST_PATTERNS: readonly RegExp[] = [
  // Generic wording of OpenAI-compatible servers, and Moonshot's "Invalid request: ...".
  /\binvalid request\b/i,
  // Google: "Request contains an invalid argument."
  /\binvalid argument\b/i,
  // HTTP 400 and 422 reason phrases.
  /\bbad request\b/i,
  /\bunprocessable (?:entity|content)\b/i,
];

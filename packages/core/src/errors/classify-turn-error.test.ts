import { APICallError, RetryError } from "ai";
import { describe, expect, it } from "vitest";
import { classifyTurnError } from "./classify-turn-error.js";
import { TURN_ERROR_KIND_TRAITS, TURN_ERROR_KINDS, type TurnErrorKind } from "./turn-error-kind.js";

const NOW = Date.UTC(2026, 1, 18, 12, 0, 0);

interface ApiCallErrorInit {
  statusCode?: number;
  message?: string;
  body?: unknown;
  headers?: Record<string, string>;
  isRetryable?: boolean;
  cause?: unknown;
  data?: unknown;
}

function apiCallError(init: ApiCallErrorInit): APICallError {
  return new APICallError({
    message: init.message ?? "API call failed",
    url: "https://api.provider.test/v1/chat/completions",
    requestBodyValues: {},
    statusCode: init.statusCode,
    responseHeaders: init.headers,
    responseBody:
      init.body === undefined || typeof init.body === "string"
        ? init.body
        : JSON.stringify(init.body),
    isRetryable: init.isRetryable,
    cause: init.cause,
    data: init.data,
  });
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function retryError(errors: unknown[]): RetryError {
  return new RetryError({
    message: `Failed after ${errors.length} attempts.`,
    reason: "maxRetriesExceeded",
    errors,
  });
}

interface ClassificationCase {
  name: string;
  error: unknown;
  kind: TurnErrorKind;
  statusCode?: number;
  providerCode?: string;
}

const abortCases: ClassificationCase[] = [
  {
    name: "fetch AbortError (DOMException)",
    error: new DOMException("This operation was aborted", "AbortError"),
    kind: "unknown",
  },
  {
    name: "AbortSignal.timeout TimeoutError (DOMException)",
    error: new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    kind: "unknown",
  },
  {
    name: "Next.js ResponseAborted",
    error: Object.assign(new Error("response aborted"), { name: "ResponseAborted" }),
    kind: "unknown",
  },
  {
    name: "Node AbortError with code ABORT_ERR",
    error: withCode("The operation was aborted", "ABORT_ERR"),
    kind: "unknown",
  },
  {
    name: "AI SDK RetryError with reason abort",
    error: new RetryError({ message: "Aborted", reason: "abort", errors: [] }),
    kind: "unknown",
  },
  {
    name: "OpenAI/Anthropic SDK APIUserAbortError message",
    error: new Error("Request was aborted."),
    kind: "unknown",
  },
  {
    name: "abort wins over a 429 on the same error",
    error: Object.assign(new Error("Too Many Requests"), {
      statusCode: 429,
      cause: new DOMException("This operation was aborted", "AbortError"),
    }),
    kind: "unknown",
    statusCode: 429,
  },
  {
    name: "abort wins over a context-overflow message",
    error: Object.assign(new Error("prompt is too long: 215000 tokens > 200000 maximum"), {
      name: "AbortError",
    }),
    kind: "unknown",
  },
];

const contextOverflowCases: ClassificationCase[] = [
  {
    name: "OpenAI 400 with context_length_exceeded code",
    error: apiCallError({
      statusCode: 400,
      message:
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      body: {
        error: {
          message: "This model's maximum context length is 8192 tokens.",
          type: "invalid_request_error",
          code: "context_length_exceeded",
        },
      },
    }),
    kind: "context_overflow",
    statusCode: 400,
    providerCode: "context_length_exceeded",
  },
  {
    name: "context_length_exceeded code beats a generic 400 message",
    error: apiCallError({
      statusCode: 400,
      message: "Bad Request",
      body: { error: { code: "context_length_exceeded" } },
    }),
    kind: "context_overflow",
    providerCode: "context_length_exceeded",
  },
  {
    name: "OpenRouter 'maximum context length is N tokens'",
    error: new Error(
      "This endpoint's maximum context length is 128000 tokens. However, you requested about 140000 tokens.",
    ),
    kind: "context_overflow",
  },
  {
    name: "Groq 'reduce the length of the messages'",
    error: new Error("Please reduce the length of the messages or completion."),
    kind: "context_overflow",
  },
  {
    name: "OpenAI Responses 'exceeds the context window'",
    error: new Error("Your input exceeds the context window of this model."),
    kind: "context_overflow",
  },
  {
    name: "Anthropic 400 'prompt is too long' typed invalid_request_error",
    error: apiCallError({
      statusCode: 400,
      message: "prompt is too long: 215000 tokens > 200000 maximum",
      body: {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: "prompt is too long: 215000 tokens > 200000 maximum",
        },
      },
    }),
    kind: "context_overflow",
    providerCode: "invalid_request_error",
  },
  {
    name: "Anthropic 'exceed context limit'",
    error: new Error(
      "input length and `max_tokens` exceed context limit: 199000 + 8192 > 200000, decrease input length or `max_tokens` and try again",
    ),
    kind: "context_overflow",
  },
  {
    name: "Google Gemini input token count",
    error: new Error(
      "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
    ),
    kind: "context_overflow",
  },
  {
    name: "Amazon Bedrock 'Input is too long for requested model'",
    error: new Error("Input is too long for requested model."),
    kind: "context_overflow",
  },
  {
    name: "Mistral 'too large for model with N maximum context length'",
    error: new Error(
      "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length",
    ),
    kind: "context_overflow",
  },
  {
    name: "xAI 'maximum prompt length is N'",
    error: new Error(
      "This model's maximum prompt length is 131072 but the request contains 140000 tokens.",
    ),
    kind: "context_overflow",
  },
  {
    name: "Moonshot 'exceeded model token limit' beats its 'Invalid request' prefix",
    error: new Error("Invalid request: Your request exceeded model token limit: 131072"),
    kind: "context_overflow",
  },
  {
    name: "llama.cpp 'exceeds the available context size'",
    error: new Error("the request exceeds the available context size, try increasing it"),
    kind: "context_overflow",
  },
  {
    name: "llama.cpp exceed_context_size_error type in the body",
    error: apiCallError({
      statusCode: 400,
      body: { error: { code: 400, type: "exceed_context_size_error", message: "too big" } },
    }),
    kind: "context_overflow",
    providerCode: "exceed_context_size_error",
  },
  {
    name: "Anthropic 413 request_too_large",
    error: apiCallError({
      statusCode: 413,
      body: { type: "error", error: { type: "request_too_large", message: "Request too large" } },
    }),
    kind: "context_overflow",
    statusCode: 413,
    providerCode: "request_too_large",
  },
  {
    name: "OpenRouter relaying the upstream body in metadata.raw",
    error: apiCallError({
      statusCode: 400,
      body: {
        error: {
          message: "Provider returned error",
          code: 400,
          metadata: { raw: JSON.stringify({ error: { code: "context_length_exceeded" } }) },
        },
      },
    }),
    kind: "context_overflow",
    providerCode: "context_length_exceeded",
  },
];

const insufficientCreditsCases: ClassificationCase[] = [
  {
    name: "OpenAI 429 insufficient_quota is credits, not a rate limit",
    error: apiCallError({
      statusCode: 429,
      message: "You exceeded your current quota, please check your plan and billing details.",
      body: {
        error: {
          message: "You exceeded your current quota, please check your plan and billing details.",
          type: "insufficient_quota",
          code: "insufficient_quota",
        },
      },
    }),
    kind: "insufficient_credits",
    statusCode: 429,
    providerCode: "insufficient_quota",
  },
  {
    name: "Anthropic 400 'credit balance is too low'",
    error: apiCallError({
      statusCode: 400,
      message: "Your credit balance is too low to access the Anthropic API.",
      body: {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: "Your credit balance is too low to access the Anthropic API.",
        },
      },
    }),
    kind: "insufficient_credits",
  },
  {
    name: "OpenRouter 402 'Insufficient credits'",
    error: apiCallError({
      statusCode: 402,
      message: "Insufficient credits. Add more using https://openrouter.ai/credits",
      body: { error: { code: 402, message: "Insufficient credits." } },
    }),
    kind: "insufficient_credits",
    statusCode: 402,
  },
  {
    name: "402 status alone",
    error: apiCallError({ statusCode: 402, message: "Payment Required" }),
    kind: "insufficient_credits",
  },
  {
    name: "Anthropic billing_error type",
    error: apiCallError({
      statusCode: 400,
      body: { type: "error", error: { type: "billing_error", message: "Billing issue" } },
    }),
    kind: "insufficient_credits",
    providerCode: "billing_error",
  },
  {
    name: "ChatGPT-plan usage_limit_reached with 429",
    error: apiCallError({
      statusCode: 429,
      body: { error: { type: "usage_limit_reached", message: "The usage limit has been reached" } },
    }),
    kind: "insufficient_credits",
    providerCode: "usage_limit_reached",
  },
  {
    name: "ChatGPT-plan usage_not_included",
    error: apiCallError({
      statusCode: 403,
      body: { error: { type: "usage_not_included", message: "Not included in your plan" } },
    }),
    kind: "insufficient_credits",
  },
  {
    name: "'Insufficient credits' text without a status",
    error: new Error("Insufficient credits. Add more using https://openrouter.ai/credits"),
    kind: "insufficient_credits",
  },
];

const authCases: ClassificationCase[] = [
  {
    name: "OpenAI 401 invalid_api_key",
    error: apiCallError({
      statusCode: 401,
      message: "Incorrect API key provided: sk-abc. You can find your API key at ...",
      body: { error: { type: "invalid_request_error", code: "invalid_api_key" } },
    }),
    kind: "auth",
    statusCode: 401,
    providerCode: "invalid_api_key",
  },
  {
    name: "403 status alone",
    error: apiCallError({ statusCode: 403, message: "Request failed" }),
    kind: "auth",
  },
  {
    name: "Anthropic 401 authentication_error",
    error: apiCallError({
      statusCode: 401,
      body: {
        type: "error",
        error: { type: "authentication_error", message: "invalid x-api-key" },
      },
    }),
    kind: "auth",
    providerCode: "authentication_error",
  },
  {
    name: "Anthropic permission_error as parsed data, no status",
    error: Object.assign(new Error("not allowed"), {
      data: { type: "error", error: { type: "permission_error", message: "not allowed" } },
    }),
    kind: "auth",
    providerCode: "permission_error",
  },
  {
    name: "Google 400 'API key not valid' is auth, not an invalid request",
    error: apiCallError({
      statusCode: 400,
      message: "API key not valid. Please pass a valid API key.",
      body: {
        error: {
          code: 400,
          message: "API key not valid. Please pass a valid API key.",
          status: "INVALID_ARGUMENT",
        },
      },
    }),
    kind: "auth",
  },
  {
    name: "Google UNAUTHENTICATED status",
    error: apiCallError({
      body: {
        error: {
          code: 401,
          message: "Request had invalid credentials.",
          status: "UNAUTHENTICATED",
        },
      },
    }),
    kind: "auth",
    statusCode: 401,
    providerCode: "unauthenticated",
  },
  {
    name: "Google PERMISSION_DENIED status",
    error: { error: { message: "Permission denied on resource", status: "PERMISSION_DENIED" } },
    kind: "auth",
    providerCode: "permission_denied",
  },
  {
    name: "Anthropic 'invalid x-api-key' text",
    error: new Error("invalid x-api-key"),
    kind: "auth",
  },
  {
    name: "Groq 'Invalid API Key' text",
    error: new Error("Invalid API Key"),
    kind: "auth",
  },
  {
    name: "OpenRouter 'No auth credentials found'",
    error: new Error("No auth credentials found"),
    kind: "auth",
  },
  {
    name: "'401 Unauthorized' message",
    error: new Error("401 Unauthorized"),
    kind: "auth",
    statusCode: 401,
  },
  {
    name: "'Forbidden' message",
    error: new Error("Forbidden"),
    kind: "auth",
  },
  {
    name: "'Unauthorized' message without a status",
    error: new Error("Unauthorized"),
    kind: "auth",
  },
  {
    name: "OpenAI 'Incorrect API key provided' text alone",
    error: new Error("Incorrect API key provided: sk-abc."),
    kind: "auth",
  },
  {
    name: "Vercel AI Gateway authentication error class",
    error: Object.assign(new Error("Authentication failed"), {
      name: "GatewayAuthenticationError",
      type: "authentication_error",
      statusCode: 401,
    }),
    kind: "auth",
    providerCode: "authentication_error",
  },
];

const rateLimitedCases: ClassificationCase[] = [
  {
    name: "APICallError 429",
    error: apiCallError({ statusCode: 429, message: "Too Many Requests" }),
    kind: "rate_limited",
    statusCode: 429,
  },
  {
    name: "OpenAI rate_limit_exceeded code",
    error: apiCallError({
      statusCode: 429,
      message: "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM)",
      body: { error: { type: "tokens", code: "rate_limit_exceeded" } },
    }),
    kind: "rate_limited",
    providerCode: "rate_limit_exceeded",
  },
  {
    name: "Anthropic rate_limit_error event mid-stream, no status",
    error: { type: "error", error: { type: "rate_limit_error", message: "Slow down" } },
    kind: "rate_limited",
    providerCode: "rate_limit_error",
  },
  {
    name: "Google RESOURCE_EXHAUSTED with the status only in the body",
    error: apiCallError({
      body: {
        error: { code: 429, message: "Quota exceeded for metric", status: "RESOURCE_EXHAUSTED" },
      },
    }),
    kind: "rate_limited",
    statusCode: 429,
    providerCode: "resource_exhausted",
  },
  {
    name: "Gemini streaming error array",
    error: apiCallError({
      body: [{ error: { code: 429, message: "Too many", status: "RESOURCE_EXHAUSTED" } }],
    }),
    kind: "rate_limited",
    statusCode: 429,
  },
  {
    name: "'Too Many Requests' text",
    error: new Error("Too Many Requests"),
    kind: "rate_limited",
  },
  {
    name: "'Rate limit reached' text",
    error: new Error("Rate limit reached for model llama-3 in organization org_1"),
    kind: "rate_limited",
  },
  {
    name: "'rate_limit' spelling",
    error: new Error("upstream returned rate_limit, try later"),
    kind: "rate_limited",
  },
  {
    name: "Google 'Resource has been exhausted' text",
    error: new Error("Resource has been exhausted (e.g. check quota)."),
    kind: "rate_limited",
  },
  {
    name: "Gemini 429 'exceeded your current quota' stays a rate limit",
    error: apiCallError({
      statusCode: 429,
      message: "You exceeded your current quota, please check your plan and billing details.",
      body: {
        error: {
          code: 429,
          message: "You exceeded your current quota, please check your plan and billing details.",
          status: "RESOURCE_EXHAUSTED",
        },
      },
    }),
    kind: "rate_limited",
  },
  {
    name: "RetryError whose last attempt was a 429",
    error: retryError([
      apiCallError({ statusCode: 500, message: "Internal Server Error" }),
      apiCallError({ statusCode: 429, message: "Too Many Requests" }),
    ]),
    kind: "rate_limited",
    statusCode: 429,
  },
  {
    name: "'429 Too Many Requests' parsed from the message",
    error: new Error("429 Too Many Requests"),
    kind: "rate_limited",
    statusCode: 429,
  },
];

const provider5xxCases: ClassificationCase[] = [
  {
    name: "APICallError 500",
    error: apiCallError({ statusCode: 500, message: "Internal Server Error" }),
    kind: "provider_5xx",
    statusCode: 500,
  },
  {
    name: "APICallError 503",
    error: apiCallError({ statusCode: 503, message: "Service Unavailable" }),
    kind: "provider_5xx",
    statusCode: 503,
  },
  {
    name: "Anthropic 529 overloaded",
    error: apiCallError({
      statusCode: 529,
      body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
    }),
    kind: "provider_5xx",
    statusCode: 529,
    providerCode: "overloaded_error",
  },
  {
    name: "Anthropic overloaded_error event mid-stream, no status",
    error: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
    kind: "provider_5xx",
    providerCode: "overloaded_error",
  },
  {
    name: "Anthropic api_error as data",
    error: Object.assign(new Error("Internal error"), {
      data: { type: "error", error: { type: "api_error", message: "Internal error" } },
    }),
    kind: "provider_5xx",
    providerCode: "api_error",
  },
  {
    name: "OpenAI server_error event, no status",
    error: { error: { type: "server_error", message: "Something went wrong" } },
    kind: "provider_5xx",
    providerCode: "server_error",
  },
  {
    name: "Google UNAVAILABLE status in the body only",
    error: { error: { message: "The model is overloaded.", status: "UNAVAILABLE" } },
    kind: "provider_5xx",
    providerCode: "unavailable",
  },
  {
    name: "Google INTERNAL status",
    error: { error: { message: "An internal error has occurred.", status: "INTERNAL" } },
    kind: "provider_5xx",
    providerCode: "internal",
  },
  {
    name: "Vercel AI Gateway internal_server_error type",
    error: Object.assign(new Error("Gateway failure"), { type: "internal_server_error" }),
    kind: "provider_5xx",
  },
  {
    name: "'Bad Gateway' text without a status",
    error: new Error("Bad Gateway"),
    kind: "provider_5xx",
  },
  {
    name: "'Service Unavailable' text without a status",
    error: new Error("Service Unavailable"),
    kind: "provider_5xx",
  },
  {
    name: "'Gateway Timeout' text without a status",
    error: new Error("Gateway Timeout"),
    kind: "provider_5xx",
  },
  {
    name: "'Internal Server Error' text without a status",
    error: new Error("Internal Server Error"),
    kind: "provider_5xx",
  },
  {
    name: "OpenAI 'server had an error' text",
    error: new Error("The server had an error while processing your request. Sorry about that!"),
    kind: "provider_5xx",
  },
  {
    name: "Anthropic 'Overloaded' text without a status",
    error: new Error("Overloaded"),
    kind: "provider_5xx",
  },
  {
    name: "'status code 502' parsed",
    error: new Error("Request failed with status code 502"),
    kind: "provider_5xx",
    statusCode: 502,
  },
  {
    name: "'HTTP 504' parsed",
    error: new Error("HTTP 504 from upstream"),
    kind: "provider_5xx",
    statusCode: 504,
  },
  {
    name: "a 5xx status wins over network wording",
    error: apiCallError({
      statusCode: 503,
      message: "upstream connect error or disconnect/reset before headers",
    }),
    kind: "provider_5xx",
  },
  {
    name: "RetryError wrapping 503s",
    error: new RetryError({
      message: "Failed after 3 attempts. Last error: Service Unavailable",
      reason: "maxRetriesExceeded",
      errors: [
        apiCallError({ statusCode: 503, message: "Service Unavailable" }),
        apiCallError({ statusCode: 503, message: "Service Unavailable" }),
      ],
    }),
    kind: "provider_5xx",
    statusCode: 503,
  },
];

const networkCases: ClassificationCase[] = [
  {
    name: "408 Request Timeout",
    error: apiCallError({ statusCode: 408, message: "Request Timeout" }),
    kind: "network",
    statusCode: 408,
  },
  {
    name: "409 Conflict",
    error: apiCallError({ statusCode: 409, message: "Conflict" }),
    kind: "network",
    statusCode: 409,
  },
  ...[
    "ECONNRESET",
    "ECONNREFUSED",
    "ECONNABORTED",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ENETDOWN",
    "EPIPE",
    "ENOTFOUND",
    "EAI_AGAIN",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_BODY_TIMEOUT",
    "ConnectionRefused",
    "ConnectionClosed",
    "FailedToOpenSocket",
  ].map(
    (code): ClassificationCase => ({
      name: `error code ${code}`,
      error: withCode("request failed", code),
      kind: "network",
    }),
  ),
  {
    name: "fetch failed with ECONNREFUSED in its cause",
    error: new TypeError("fetch failed", {
      cause: withCode("connect ECONNREFUSED 127.0.0.1:443", "ECONNREFUSED"),
    }),
    kind: "network",
  },
  {
    name: "AI SDK 'Cannot connect to API', retryable without status",
    error: apiCallError({
      message: "Cannot connect to API: other side closed",
      isRetryable: true,
    }),
    kind: "network",
  },
  {
    name: "'fetch failed' text",
    error: new TypeError("fetch failed"),
    kind: "network",
  },
  {
    name: "AI SDK 'Cannot connect to API' text alone",
    error: new Error("Cannot connect to API: getaddrinfo failed"),
    kind: "network",
  },
  {
    name: "browser 'Failed to fetch'",
    error: new TypeError("Failed to fetch"),
    kind: "network",
  },
  {
    name: "'socket hang up'",
    error: new Error("socket hang up"),
    kind: "network",
  },
  {
    name: "undici 'other side closed'",
    error: new Error("other side closed"),
    kind: "network",
  },
  {
    name: "undici body cut off: 'terminated'",
    error: new TypeError("terminated"),
    kind: "network",
  },
  {
    name: "Envoy 'upstream connect error' without a status",
    error: new Error(
      "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    ),
    kind: "network",
  },
  {
    name: "'read ECONNRESET' text",
    error: new Error("read ECONNRESET"),
    kind: "network",
  },
  {
    name: "'Connection reset by peer'",
    error: new Error("Connection reset by peer"),
    kind: "network",
  },
  {
    name: "'connection refused'",
    error: new Error("dial tcp: connection refused"),
    kind: "network",
  },
  {
    name: "Firefox NetworkError",
    error: new TypeError("NetworkError when attempting to fetch resource."),
    kind: "network",
  },
  {
    name: "provider error marked retryable without a status",
    error: { isRetryable: true, message: "temporary transport issue" },
    kind: "network",
  },
];

const invalidRequestCases: ClassificationCase[] = [
  {
    name: "APICallError 400 with nothing more specific",
    error: apiCallError({ statusCode: 400, message: "messages.0.content is required" }),
    kind: "invalid_request",
    statusCode: 400,
  },
  {
    name: "APICallError 422",
    error: apiCallError({ statusCode: 422, message: "field required" }),
    kind: "invalid_request",
    statusCode: 422,
  },
  {
    name: "invalid_request_error type without a status",
    error: { type: "error", error: { type: "invalid_request_error", message: "tools.0: bad" } },
    kind: "invalid_request",
    providerCode: "invalid_request_error",
  },
  {
    name: "Google INVALID_ARGUMENT",
    error: {
      error: {
        message: "Request contains an invalid argument.",
        status: "INVALID_ARGUMENT",
      },
    },
    kind: "invalid_request",
    providerCode: "invalid_argument",
  },
  {
    name: "OpenAI invalid_prompt code",
    error: apiCallError({ body: { error: { code: "invalid_prompt", message: "flagged" } } }),
    kind: "invalid_request",
    providerCode: "invalid_prompt",
  },
  {
    name: "'Invalid request' text",
    error: new Error("Invalid request: unknown parameter 'foo'"),
    kind: "invalid_request",
  },
  {
    name: "Google 'invalid argument' text",
    error: new Error("Request contains an invalid argument."),
    kind: "invalid_request",
  },
  {
    name: "'400 Bad Request' parsed",
    error: new Error("400 Bad Request"),
    kind: "invalid_request",
    statusCode: 400,
  },
  {
    name: "'Unprocessable Entity' text",
    error: new Error("Unprocessable Entity"),
    kind: "invalid_request",
  },
  {
    name: "'Bad Request' text without a status",
    error: new Error("Bad Request"),
    kind: "invalid_request",
  },
  {
    name: "Mistral flat body",
    error: apiCallError({
      statusCode: 400,
      body: {
        object: "error",
        message: "Invalid model",
        type: "invalid_request_error",
        code: null,
      },
    }),
    kind: "invalid_request",
    providerCode: "invalid_request_error",
  },
  {
    name: "overloaded wording with a 400 status follows the status",
    error: apiCallError({ statusCode: 400, message: "parameter 'overloaded' is not allowed" }),
    kind: "invalid_request",
  },
];

const unknownCases: ClassificationCase[] = [
  {
    name: "plain Error with nothing recognisable",
    error: new Error("something odd happened"),
    kind: "unknown",
  },
  {
    name: "404 model not found",
    error: apiCallError({ statusCode: 404, message: "model not found" }),
    kind: "unknown",
    statusCode: 404,
  },
  { name: "thrown string", error: "boom", kind: "unknown" },
  { name: "thrown number", error: 42, kind: "unknown" },
  { name: "null", error: null, kind: "unknown" },
  { name: "undefined", error: undefined, kind: "unknown" },
  {
    name: "retryable flag with a 404 status is not network",
    error: apiCallError({ statusCode: 404, isRetryable: true }),
    kind: "unknown",
  },
  {
    name: "'terminated' inside other wording is not network",
    error: new Error("session terminated by administrator"),
    kind: "unknown",
  },
];

describe("classifyTurnError (B22)", () => {
  it.each([
    ...abortCases,
    ...contextOverflowCases,
    ...insufficientCreditsCases,
    ...authCases,
    ...rateLimitedCases,
    ...provider5xxCases,
    ...networkCases,
    ...invalidRequestCases,
    ...unknownCases,
  ])("$name → $kind", ({ error, kind, statusCode, providerCode }) => {
    const classification = classifyTurnError(error, NOW);
    expect(classification.kind).toBe(kind);
    expect(classification.retryable).toBe(TURN_ERROR_KIND_TRAITS[kind].retryable);
    expect(classification.requiresExplicitHandling).toBe(
      TURN_ERROR_KIND_TRAITS[kind].requiresExplicitHandling,
    );
    if (statusCode !== undefined) {
      expect(classification.statusCode).toBe(statusCode);
    }
    if (providerCode !== undefined) {
      expect(classification.providerCode).toBe(providerCode);
    }
  });
});

describe("classifyTurnError details", () => {
  it("gives each kind its traits: retryable kinds never require explicit handling", () => {
    expect(TURN_ERROR_KINDS.map((kind) => [kind, TURN_ERROR_KIND_TRAITS[kind].retryable])).toEqual([
      ["unknown", false],
      ["context_overflow", false],
      ["insufficient_credits", false],
      ["auth", false],
      ["rate_limited", true],
      ["provider_5xx", true],
      ["network", true],
      ["invalid_request", false],
    ]);
  });

  it("returns the whole result for a 429 with Retry-After", () => {
    const error = apiCallError({
      statusCode: 429,
      message: "Rate limit reached",
      headers: { "Retry-After": "7" },
      body: { error: { code: "rate_limit_exceeded", message: "Rate limit reached" } },
    });
    expect(classifyTurnError(error, NOW)).toEqual({
      kind: "rate_limited",
      retryable: true,
      requiresExplicitHandling: false,
      statusCode: 429,
      providerCode: "rate_limit_exceeded",
      message: "Rate limit reached",
      retryAfterMs: 7_000,
    });
  });

  it("reads Retry-After from the last attempt inside a RetryError, as an HTTP date", () => {
    const retryAt = new Date(NOW + 3_000).toUTCString();
    const error = retryError([
      apiCallError({ statusCode: 429, headers: { "retry-after": retryAt } }),
    ]);
    expect(classifyTurnError(error, NOW).retryAfterMs).toBe(3_000);
  });

  it("leaves retryAfterMs unset when the provider asks for more than 60 s", () => {
    const error = apiCallError({ statusCode: 429, headers: { "retry-after": "120" } });
    expect(classifyTurnError(error, NOW).retryAfterMs).toBeUndefined();
  });

  it("takes the message from a nested provider error when the thrown object has none", () => {
    const error = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    expect(classifyTurnError(error, NOW).message).toBe("Overloaded");
  });

  it("falls back to a fixed text for values without any message", () => {
    expect(classifyTurnError(undefined, NOW).message).toBe("Unknown error");
  });

  it("survives an error whose cause is itself", () => {
    const error: Error & { cause?: unknown } = new Error("loop");
    error.cause = error;
    expect(classifyTurnError(error, NOW).kind).toBe("unknown");
  });

  it("survives a getter that throws", () => {
    const error = new Error("socket hang up");
    Object.defineProperty(error, "cause", {
      get() {
        throw new Error("no access");
      },
    });
    expect(classifyTurnError(error, NOW).kind).toBe("network");
  });
});

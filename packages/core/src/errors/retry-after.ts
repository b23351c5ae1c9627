import { type HeaderSource, readHeader } from "./http-headers.js";

/**
 * A provider's Retry-After is only followed up to this long (B9); a longer wait is treated as if
 * the provider had not said, and the retry falls back to backoff.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** `delay-seconds` of RFC 9110 (digits), also accepting the fractions some providers send. */
const DECIMAL_NUMBER = /^\d+(?:\.\d+)?$/;

function parseDecimal(value: string): number | undefined {
  const trimmed = value.trim();
  return DECIMAL_NUMBER.test(trimmed) ? Number(trimmed) : undefined;
}

function withinRetryAfterWindow(delayMs: number | undefined): number | undefined {
  if (delayMs === undefined) {
    return undefined;
  }
  const roundedMs = Math.ceil(delayMs);
  return roundedMs >= 0 && roundedMs <= MAX_RETRY_AFTER_MS ? roundedMs : undefined;
}

function parseRetryAfterMsHeader(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDecimal(value);
}

function parseRetryAfterHeader(value: string | undefined, now: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const seconds = parseDecimal(value);
  if (seconds !== undefined) {
    return seconds * 1_000;
  }
  const retryAt = Date.parse(value);
  return Number.isNaN(retryAt) ? undefined : retryAt - now;
}

/**
 * How long the provider asked us to wait before retrying (B9), in whole milliseconds, or
 * undefined when it did not say or asked for more than `MAX_RETRY_AFTER_MS` (or a time already
 * past). `retry-after-ms` (sent by OpenAI and read first by its SDK and the AI SDK) wins when it
 * is usable; otherwise `retry-after` is read as seconds or as an HTTP date measured from `now`.
 *
 * @param headers response headers of the failed call; names are matched case-insensitively.
 * @param now the current time, ms since the epoch.
 */
export function parseRetryAfterMs(
  headers: HeaderSource | undefined,
  now: number,
): number | undefined {
  if (headers === undefined) {
    return undefined;
  }
  return (
    withinRetryAfterWindow(parseRetryAfterMsHeader(readHeader(headers, "retry-after-ms"))) ??
    withinRetryAfterWindow(parseRetryAfterHeader(readHeader(headers, "retry-after"), now))
  );
}

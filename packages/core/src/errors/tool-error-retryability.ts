import { collectErrorSignals } from "./error-signals.js";
import {
  NETWORK_ERROR_CODES,
  NETWORK_PATTERNS,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_STATUS_CODES,
  SERVER_ERROR_PATTERNS,
  TRANSIENT_CLIENT_STATUS_CODES,
} from "./provider-error-catalog.js";

const TRANSIENT_MESSAGE_PATTERNS: readonly RegExp[] = [
  ...RATE_LIMIT_PATTERNS,
  ...SERVER_ERROR_PATTERNS,
  ...NETWORK_PATTERNS,
];

function isTransientStatus(statusCode: number): boolean {
  return (
    RATE_LIMIT_STATUS_CODES.has(statusCode) ||
    TRANSIENT_CLIENT_STATUS_CODES.has(statusCode) ||
    (statusCode >= 500 && statusCode <= 599)
  );
}

function isClientErrorStatus(statusCode: number): boolean {
  return statusCode >= 400 && statusCode <= 499;
}

/**
 * The default answer to "is this tool failure worth another attempt?" (B23), used when the tool
 * has no `shouldRetry` of its own. Tools fail for their own reasons, so only failures that are
 * transient by nature are retried: 429/408/409/5xx (a status in the text counts, e.g. "status
 * 503"), network error codes, and rate-limit, server-error and network wording. Any other 4xx is
 * final, and so is everything unrecognised.
 *
 * @param error what the tool threw, or the error text a runner reported.
 */
export function isRetryableToolError(error: unknown): boolean {
  const signals = collectErrorSignals(error);
  const { statusCode } = signals;
  if (statusCode !== undefined) {
    if (isTransientStatus(statusCode)) {
      return true;
    }
    if (isClientErrorStatus(statusCode)) {
      return false;
    }
  }
  if (signals.errorCodes.some((code) => NETWORK_ERROR_CODES.has(code))) {
    return true;
  }
  return signals.messages.some((message) =>
    TRANSIENT_MESSAGE_PATTERNS.some((pattern) => pattern.test(message)),
  );
}

// How the store reads node-postgres errors: by SQLSTATE and Node error code, and by message only
// for the few errors node-postgres raises itself without a code.
import type { ConnectionFailure } from "../kysely/store-dialect.js";

/** PostgreSQL's unique_violation: a primary key or unique index refused a row. */
const UNIQUE_VIOLATION = "23505";

/** serialization_failure and deadlock_detected: the transaction was rolled back and may run again. */
const RETRYABLE_CONFLICTS = new Set(["40001", "40P01"]);

/**
 * Connection failures that happen before a statement is sent: cannot_connect_now (the server is
 * starting or shutting down), a refused or unresolvable connect, and node-postgres 8's refusal to
 * use a client whose connection failed already (lib/client.js, raised without a code, before the
 * statement is written) or a connect that timed out (pg-pool, also without a code).
 */
const NOT_SENT_CODES = new Set(["57P03", "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);
const NOT_SENT_MESSAGES = new Set([
  "Client has encountered a connection error and is not queryable",
  "Connection terminated due to connection timeout",
]);

/**
 * Connection failures that may come with a statement in flight: admin_shutdown (pg_terminate_backend,
 * a fast or smart shutdown), crash_shutdown (another backend crashed and the server restarts), every
 * connection_exception (class 08), Node's socket errors, and node-postgres 8's error for a socket
 * that closed under a query (lib/client.js, without a code).
 */
const LOST_CODES = new Set([
  "57P01",
  "57P02",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const LOST_MESSAGES = new Set(["Connection terminated unexpectedly"]);
const CONNECTION_EXCEPTION_CLASS = "08";

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return errorCode(error) === UNIQUE_VIOLATION;
}

export function isRetryableConflict(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && RETRYABLE_CONFLICTS.has(code);
}

/** Whether the error comes from a failed PostgreSQL connection, and whether it sent the statement. */
export function connectionFailure(error: unknown): ConnectionFailure {
  const code = errorCode(error);
  if (code !== undefined) {
    if (NOT_SENT_CODES.has(code)) return "not-sent";
    if (LOST_CODES.has(code) || code.startsWith(CONNECTION_EXCEPTION_CLASS)) return "lost";
    return "none";
  }
  if (!(error instanceof Error)) return "none";
  if (NOT_SENT_MESSAGES.has(error.message)) return "not-sent";
  return LOST_MESSAGES.has(error.message) ? "lost" : "none";
}

// Checks of request fields that the protobuf types cannot express; violations become
// INVALID_ARGUMENT with google.rpc.BadRequest (DESIGN §3).
import { type Duration, durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { invalidArgument } from "./errors.js";

/**
 * Longest id a request may name (thread, tool call, agent): the server's ids are 36 characters
 * and a provider's tool call ids far below this, so a longer one cannot exist (X5).
 */
export const MAX_ID_LENGTH = 256;

export function requireId(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, description: "is required" }]);
  if (value.length > MAX_ID_LENGTH) {
    throw invalidArgument([
      {
        field,
        description: `is ${value.length} characters long; ids have at most ${MAX_ID_LENGTH}`,
      },
    ]);
  }
  return value;
}

export function requireText(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, description: "must not be empty" }]);
  return value;
}

/**
 * request_id promises idempotent retries, which the server does not keep yet: refusing it is
 * honest, ignoring it would let a client believe its retry cannot duplicate.
 */
export function refuseRequestId(requestId: string): void {
  if (requestId !== "") {
    throw new ConnectError(
      "request_id (idempotent retries) is not supported yet; send the request without it",
      Code.Unimplemented,
    );
  }
}

/**
 * A sequence number or version from a request (a cursor, `from_seq`): the server counts them in
 * JavaScript numbers and echoes cursors back, so one outside 0..2^53-1 could neither be compared
 * exactly nor be sent back as an int64.
 */
export function requireSequence(value: bigint, field: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalidArgument([
      { field, description: `must be between 0 and ${Number.MAX_SAFE_INTEGER}` },
    ]);
  }
  return Number(value);
}

/**
 * Longest duration a request may give (a tool call timeout, a retry delay): 100 years, so any
 * deadline computed from it stays a valid google.protobuf.Timestamp (before year 9999), which
 * JSON clients must be able to read back.
 */
export const MAX_DURATION_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** A google.protobuf.Duration in ms, checked to be one (nanos in range, same sign as seconds). */
export function durationToMs(duration: Duration, field: string): number {
  const { seconds, nanos } = duration;
  const isValid =
    nanos > -1_000_000_000 &&
    nanos < 1_000_000_000 &&
    !(seconds > 0n && nanos < 0) &&
    !(seconds < 0n && nanos > 0);
  if (!isValid) {
    throw invalidArgument([{ field, description: "is not a valid google.protobuf.Duration" }]);
  }
  const maxSeconds = BigInt(MAX_DURATION_MS / 1000);
  if (seconds > maxSeconds || seconds < -maxSeconds) {
    throw invalidArgument([{ field, description: "must be at most 100 years long" }]);
  }
  return durationMs(duration);
}

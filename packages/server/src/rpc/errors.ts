// Domain errors → gRPC statuses (DESIGN §3): a standard code, a message naming the thing, and
// google.rpc.ErrorInfo (plus BadRequest for invalid fields) in the details. Built here, at the
// RPC edge, and nowhere else (STYLE §5).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { isConversionError } from "@durable-agents/core";
import { ErrorReason, googleRpc } from "@durable-agents/core/proto";
import type { Logger } from "pino";
import { isAuthenticationError, isPermissionDeniedError } from "../auth/errors.js";
import {
  isAgentNotFoundError,
  isInvalidArgumentError,
  isNothingToResumeError,
  isRetryPendingError,
  isThreadBusyError,
  isThreadNotFoundError,
  isToolCallNotFoundError,
  isToolCallNotPendingError,
  isToolCallNotSyncError,
} from "../engine/errors.js";
import { isStoreUnavailableError, type StoreUnavailableError } from "../store/errors.js";

const DOMAIN = "durable-agents";

/**
 * Longest text of a status message, description or metadata value, in UTF-16 units. gRPC sends
 * statuses in HTTP/2 trailers, and a trailer larger than a peer's header list limit (16 KiB for
 * grpc-go) fails the call, or the whole connection: a message that echoes a caller's input must
 * stay short whatever the input was (X5).
 */
const MAX_STATUS_TEXT_LENGTH = 1024;

/** `text`, cut to MAX_STATUS_TEXT_LENGTH with a note of how long it was. */
export function boundedStatusText(text: string): string {
  if (text.length <= MAX_STATUS_TEXT_LENGTH) return text;
  return `${text.slice(0, MAX_STATUS_TEXT_LENGTH - 40)}… (cut from ${text.length} characters)`;
}

function errorInfo(reason: ErrorReason, metadata: Record<string, string>) {
  return {
    desc: googleRpc.ErrorInfoSchema,
    value: create(googleRpc.ErrorInfoSchema, {
      reason: ErrorReason[reason],
      domain: DOMAIN,
      metadata: Object.fromEntries(
        Object.entries(metadata).map(([key, value]) => [key, boundedStatusText(value)]),
      ),
    }),
  };
}

function connectError(
  message: string,
  code: Code,
  reason: ErrorReason,
  metadata: Record<string, string>,
) {
  return new ConnectError(boundedStatusText(message), code, undefined, [
    errorInfo(reason, metadata),
  ]);
}

/** INVALID_ARGUMENT with google.rpc.BadRequest naming each field at fault. */
export function invalidArgument(
  violations: readonly { field: string; description: string }[],
): ConnectError {
  const bounded = violations.map(({ field, description }) => ({
    field: boundedStatusText(field),
    description: boundedStatusText(description),
  }));
  return new ConnectError(
    boundedStatusText(
      bounded.map((violation) => `${violation.field}: ${violation.description}`).join("; "),
    ),
    Code.InvalidArgument,
    undefined,
    [
      errorInfo(ErrorReason.INVALID_ARGUMENT, {}),
      {
        desc: googleRpc.BadRequestSchema,
        value: create(googleRpc.BadRequestSchema, { fieldViolations: bounded }),
      },
    ],
  );
}

/**
 * INVALID_ARGUMENT for a request body that is not the RPC's request message (malformed protobuf,
 * a compressed flag without an encoding): there is no field to name, so no BadRequest.
 */
export function undecodableRequest(messageType: string, reason: string): ConnectError {
  return new ConnectError(
    boundedStatusText(`the request is not a valid ${messageType}: ${reason}`),
    Code.InvalidArgument,
    undefined,
    [errorInfo(ErrorReason.INVALID_ARGUMENT, { message_type: messageType })],
  );
}

/**
 * RESOURCE_EXHAUSTED for a configured limit (X5): the message says what to do, ErrorInfo's
 * metadata names the limit (its configuration key) and its value.
 */
export function limitExceeded(message: string, limit: string, value: number): ConnectError {
  return connectError(message, Code.ResourceExhausted, ErrorReason.LIMIT_EXCEEDED, {
    limit: `limits.${limit}`,
    value: String(value),
  });
}

/**
 * The status of a StoreUnavailableError (issue #5). UNAVAILABLE is the code gRPC retry policies
 * and proxies retry on their own, so it is only used when nothing was written. A COMMIT whose
 * connection broke may have landed: retrying a SendMessage or CreateThread blindly would apply it
 * twice, so that case is UNKNOWN (its literal meaning, and never retried automatically) with a
 * reason that tells the client to re-read the state first.
 */
function storeUnavailable(error: StoreUnavailableError, logger: Logger): ConnectError {
  if (error.commitOutcomeUnknown) {
    logger.warn({ err: error }, "a commit's outcome is unknown: the database connection broke");
    return connectError(
      "the connection to the database broke while the change was committing: it may or may not " +
        "have been applied; re-read the state before retrying",
      Code.Unknown,
      ErrorReason.COMMIT_OUTCOME_UNKNOWN,
      {},
    );
  }
  logger.warn({ err: error }, "the store is unavailable");
  return connectError(error.message, Code.Unavailable, ErrorReason.STORE_UNAVAILABLE, {});
}

/** Maps what a handler threw to the status the client gets; unexpected errors are logged. */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof ConnectError) {
    // Handlers that echo input in a message (health's "unknown service") stay within a trailer.
    const message = boundedStatusText(error.rawMessage);
    if (message === error.rawMessage) return error;
    const bounded = new ConnectError(message, error.code, error.metadata, undefined, error.cause);
    bounded.details = error.details;
    return bounded;
  }
  // X5: the messages name the failed check, never a credential (auth/errors.ts).
  if (isAuthenticationError(error))
    return connectError(error.message, Code.Unauthenticated, ErrorReason.UNAUTHENTICATED, {});
  if (isPermissionDeniedError(error)) {
    return connectError(error.message, Code.PermissionDenied, ErrorReason.PERMISSION_DENIED, {
      procedure: error.procedure,
      ...(error.requiredRoles.length === 0
        ? {}
        : { required_roles: error.requiredRoles.join(",") }),
    });
  }
  if (isThreadNotFoundError(error))
    return connectError(error.message, Code.NotFound, ErrorReason.THREAD_NOT_FOUND, error.metadata);
  if (isToolCallNotFoundError(error)) {
    return connectError(
      error.message,
      Code.NotFound,
      ErrorReason.TOOL_CALL_NOT_FOUND,
      error.metadata,
    );
  }
  if (isAgentNotFoundError(error))
    return connectError(error.message, Code.NotFound, ErrorReason.AGENT_NOT_FOUND, error.metadata);
  if (isThreadBusyError(error)) {
    return connectError(
      error.message,
      Code.FailedPrecondition,
      ErrorReason.THREAD_BUSY,
      error.metadata,
    );
  }
  if (isRetryPendingError(error)) {
    return connectError(
      error.message,
      Code.FailedPrecondition,
      ErrorReason.RETRY_PENDING,
      error.metadata,
    );
  }
  if (isNothingToResumeError(error)) {
    return connectError(
      error.message,
      Code.FailedPrecondition,
      ErrorReason.NOTHING_TO_RESUME,
      error.metadata,
    );
  }
  if (isToolCallNotPendingError(error)) {
    return connectError(
      error.message,
      Code.FailedPrecondition,
      ErrorReason.TOOL_CALL_NOT_PENDING,
      error.metadata,
    );
  }
  if (isToolCallNotSyncError(error)) {
    return connectError(
      error.message,
      Code.FailedPrecondition,
      ErrorReason.TOOL_CALL_ASYNC,
      error.metadata,
    );
  }
  if (isInvalidArgumentError(error)) return invalidArgument(error.violations);
  if (isConversionError(error))
    return invalidArgument([{ field: "message", description: error.message }]);
  if (isStoreUnavailableError(error)) return storeUnavailable(error, logger);
  logger.error({ err: error }, "unexpected error in an RPC");
  return new ConnectError("internal error", Code.Internal);
}

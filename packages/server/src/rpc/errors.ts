// Domain errors → gRPC statuses (DESIGN §3): a standard code, a message naming the thing, and
// google.rpc.ErrorInfo (plus BadRequest for invalid fields) in the details. Built here, at the
// RPC edge, and nowhere else (STYLE §5).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { isConversionError } from "@durable-agents/core";
import { ErrorReason, googleRpc } from "@durable-agents/core/proto";
import type { Logger } from "pino";
import {
  isAgentNotFoundError,
  isInvalidArgumentError,
  isNothingToResumeError,
  isRetryPendingError,
  isThreadBusyError,
  isThreadNotFoundError,
  isToolCallNotFoundError,
  isToolCallNotPendingError,
} from "../engine/errors.js";

const DOMAIN = "durable-agents";

function errorInfo(reason: ErrorReason, metadata: Record<string, string>) {
  return {
    desc: googleRpc.ErrorInfoSchema,
    value: create(googleRpc.ErrorInfoSchema, {
      reason: ErrorReason[reason],
      domain: DOMAIN,
      metadata,
    }),
  };
}

function connectError(
  message: string,
  code: Code,
  reason: ErrorReason,
  metadata: Record<string, string>,
) {
  return new ConnectError(message, code, undefined, [errorInfo(reason, metadata)]);
}

/** INVALID_ARGUMENT with google.rpc.BadRequest naming each field at fault. */
export function invalidArgument(
  violations: readonly { field: string; description: string }[],
): ConnectError {
  return new ConnectError(
    violations.map((violation) => `${violation.field}: ${violation.description}`).join("; "),
    Code.InvalidArgument,
    undefined,
    [
      errorInfo(ErrorReason.INVALID_ARGUMENT, {}),
      {
        desc: googleRpc.BadRequestSchema,
        value: create(googleRpc.BadRequestSchema, { fieldViolations: [...violations] }),
      },
    ],
  );
}

/** Maps what a handler threw to the status the client gets; unexpected errors are logged. */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof ConnectError) return error;
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
  if (isInvalidArgumentError(error)) return invalidArgument(error.violations);
  if (isConversionError(error))
    return invalidArgument([{ field: "message", description: error.message }]);
  logger.error({ err: error }, "unexpected error in an RPC");
  return new ConnectError("internal error", Code.Internal);
}

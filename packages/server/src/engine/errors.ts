// Typed domain errors of the engine. The RPC edge maps each to a gRPC code (rpc/errors.ts);
// the engine never builds a ConnectError and nobody matches their text (STYLE §5).

/** A field of a request that is invalid, for google.rpc.BadRequest. */
export interface FieldViolation {
  field: string;
  description: string;
}

abstract class EngineError extends Error {
  /** Facts about the error for google.rpc.ErrorInfo metadata, e.g. { thread_id }. */
  readonly metadata: Record<string, string>;

  constructor(message: string, metadata: Record<string, string>) {
    super(message);
    this.metadata = metadata;
  }
}

/** An error about one thread, in the words the caller is given. */
abstract class ThreadError extends EngineError {
  constructor(
    readonly threadId: string,
    message: string,
  ) {
    super(message, { thread_id: threadId });
  }
}

/** NOT_FOUND: no such thread, or it belongs to another principal (never reveal existence). */
export class ThreadNotFoundError extends ThreadError {
  override readonly name = "ThreadNotFoundError";
  constructor(threadId: string) {
    super(threadId, `Thread ${threadId} not found`);
  }
}

/** FAILED_PRECONDITION: the thread's tool loop is running (B12, B13, B14). */
export class ThreadBusyError extends ThreadError {
  override readonly name = "ThreadBusyError";
}

/** FAILED_PRECONDITION: a failed turn waits to be retried (B10). */
export class RetryPendingError extends ThreadError {
  override readonly name = "RetryPendingError";
}

/** FAILED_PRECONDITION: an idle thread has no user message to answer (B12). */
export class NothingToResumeError extends ThreadError {
  override readonly name = "NothingToResumeError";
}

/** NOT_FOUND: no such tool call in the thread (B17). */
export class ToolCallNotFoundError extends EngineError {
  override readonly name = "ToolCallNotFoundError";
  constructor(
    readonly threadId: string,
    readonly toolCallId: string,
  ) {
    super(`Tool call ${toolCallId} not found in thread ${threadId}`, {
      thread_id: threadId,
      tool_call_id: toolCallId,
    });
  }
}

/** FAILED_PRECONDITION: the tool call is already finished (B18). */
export class ToolCallNotPendingError extends EngineError {
  override readonly name = "ToolCallNotPendingError";
  constructor(
    readonly threadId: string,
    readonly toolCallId: string,
    status: string,
  ) {
    super(`Tool call ${toolCallId} of thread ${threadId} is ${status}, not pending`, {
      thread_id: threadId,
      tool_call_id: toolCallId,
    });
  }
}

/**
 * FAILED_PRECONDITION: the operation needs a sync tool call; an async call's result arrives
 * through AddToolResult or AddToolError (X10 RequeueToolCall).
 */
export class ToolCallNotSyncError extends EngineError {
  override readonly name = "ToolCallNotSyncError";
  constructor(
    readonly threadId: string,
    readonly toolCallId: string,
  ) {
    super(
      `Tool call ${toolCallId} of thread ${threadId} is async: its result arrives through AddToolResult or AddToolError`,
      { thread_id: threadId, tool_call_id: toolCallId },
    );
  }
}

/** NOT_FOUND: no agent of that name. */
export class AgentNotFoundError extends EngineError {
  override readonly name = "AgentNotFoundError";
  constructor(readonly agent: string) {
    super(`Agent ${agent} not found`, { agent });
  }
}

/** INVALID_ARGUMENT with the fields at fault. */
export class InvalidArgumentError extends EngineError {
  override readonly name = "InvalidArgumentError";
  constructor(readonly violations: readonly FieldViolation[]) {
    super(
      violations.map((violation) => `${violation.field}: ${violation.description}`).join("; "),
      {},
    );
  }
}

export const isThreadNotFoundError = (error: unknown): error is ThreadNotFoundError =>
  error instanceof ThreadNotFoundError;
export const isThreadBusyError = (error: unknown): error is ThreadBusyError =>
  error instanceof ThreadBusyError;
export const isRetryPendingError = (error: unknown): error is RetryPendingError =>
  error instanceof RetryPendingError;
export const isNothingToResumeError = (error: unknown): error is NothingToResumeError =>
  error instanceof NothingToResumeError;
export const isToolCallNotFoundError = (error: unknown): error is ToolCallNotFoundError =>
  error instanceof ToolCallNotFoundError;
export const isToolCallNotPendingError = (error: unknown): error is ToolCallNotPendingError =>
  error instanceof ToolCallNotPendingError;
export const isToolCallNotSyncError = (error: unknown): error is ToolCallNotSyncError =>
  error instanceof ToolCallNotSyncError;
export const isAgentNotFoundError = (error: unknown): error is AgentNotFoundError =>
  error instanceof AgentNotFoundError;
export const isInvalidArgumentError = (error: unknown): error is InvalidArgumentError =>
  error instanceof InvalidArgumentError;

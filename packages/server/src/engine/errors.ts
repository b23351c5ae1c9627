// Typed domain errors of the engine. The RPC edge maps each to a gRPC code (rpc/errors.ts);
// the engine never builds a ConnectError and nobody matches their text (STYLE §5).

/** A field of a request that is invalid, for google.rpc.BadRequest. */
export interface FieldViolation {
  field: string;
  description: string;
}

abstract class EngineError extends Error {
  /** Facts about the error for google.rpc.ErrorInfo metadata, e.g. { thread_id }. */
  abstract readonly metadata: Record<string, string>;
}

/** NOT_FOUND: no such thread, or it belongs to another principal (never reveal existence). */
export class ThreadNotFoundError extends EngineError {
  override readonly name = "ThreadNotFoundError";
  readonly metadata: Record<string, string>;
  constructor(readonly threadId: string) {
    super(`Thread ${threadId} not found`);
    this.metadata = { thread_id: threadId };
  }
}

/** NOT_FOUND: no such tool call in the thread (B17). */
export class ToolCallNotFoundError extends EngineError {
  override readonly name = "ToolCallNotFoundError";
  readonly metadata: Record<string, string>;
  constructor(
    readonly threadId: string,
    readonly toolCallId: string,
  ) {
    super(`Tool call ${toolCallId} not found in thread ${threadId}`);
    this.metadata = { thread_id: threadId, tool_call_id: toolCallId };
  }
}

/** NOT_FOUND: no agent of that name. */
export class AgentNotFoundError extends EngineError {
  override readonly name = "AgentNotFoundError";
  readonly metadata: Record<string, string>;
  constructor(readonly agent: string) {
    super(`Agent ${agent} not found`);
    this.metadata = { agent };
  }
}

/** FAILED_PRECONDITION: the thread's tool loop is running (B12, B13, B14). */
export class ThreadBusyError extends EngineError {
  override readonly name = "ThreadBusyError";
  readonly metadata: Record<string, string>;
  constructor(
    readonly threadId: string,
    message: string,
  ) {
    super(message);
    this.metadata = { thread_id: threadId };
  }
}

/** FAILED_PRECONDITION: a failed turn waits to be retried (B10). */
export class RetryPendingError extends EngineError {
  override readonly name = "RetryPendingError";
  readonly metadata: Record<string, string>;
  constructor(
    readonly threadId: string,
    message: string,
  ) {
    super(message);
    this.metadata = { thread_id: threadId };
  }
}

/** FAILED_PRECONDITION: an idle thread has no user message to answer (B12). */
export class NothingToResumeError extends EngineError {
  override readonly name = "NothingToResumeError";
  readonly metadata: Record<string, string>;
  constructor(
    readonly threadId: string,
    message: string,
  ) {
    super(message);
    this.metadata = { thread_id: threadId };
  }
}

/** FAILED_PRECONDITION: the tool call is already finished (B18). */
export class ToolCallNotPendingError extends EngineError {
  override readonly name = "ToolCallNotPendingError";
  readonly metadata: Record<string, string>;
  constructor(
    readonly threadId: string,
    readonly toolCallId: string,
    status: string,
  ) {
    super(`Tool call ${toolCallId} of thread ${threadId} is ${status}, not pending`);
    this.metadata = { thread_id: threadId, tool_call_id: toolCallId };
  }
}

/** INVALID_ARGUMENT with the fields at fault. */
export class InvalidArgumentError extends EngineError {
  override readonly name = "InvalidArgumentError";
  readonly metadata: Record<string, string> = {};
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((violation) => `${violation.field}: ${violation.description}`).join("; "));
  }
}

export function isThreadNotFoundError(error: unknown): error is ThreadNotFoundError {
  return error instanceof ThreadNotFoundError;
}
export function isToolCallNotFoundError(error: unknown): error is ToolCallNotFoundError {
  return error instanceof ToolCallNotFoundError;
}
export function isAgentNotFoundError(error: unknown): error is AgentNotFoundError {
  return error instanceof AgentNotFoundError;
}
export function isThreadBusyError(error: unknown): error is ThreadBusyError {
  return error instanceof ThreadBusyError;
}
export function isRetryPendingError(error: unknown): error is RetryPendingError {
  return error instanceof RetryPendingError;
}
export function isNothingToResumeError(error: unknown): error is NothingToResumeError {
  return error instanceof NothingToResumeError;
}
export function isToolCallNotPendingError(error: unknown): error is ToolCallNotPendingError {
  return error instanceof ToolCallNotPendingError;
}
export function isInvalidArgumentError(error: unknown): error is InvalidArgumentError {
  return error instanceof InvalidArgumentError;
}

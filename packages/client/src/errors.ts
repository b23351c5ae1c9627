// Typed errors of the client (STYLE §5): every failed call rejects with an AgentClientError whose
// class follows the gRPC code (DESIGN §3), with the google.rpc details the server attaches —
// ErrorInfo's reason ("THREAD_BUSY", "RETRY_PENDING"…) and metadata, BadRequest's field
// violations, RetryInfo's delay — so callers branch on a class and a reason, never on text.
// Each class has a fixed `name`, and an `isX` guard that also recognises errors from another copy
// of this package (it checks the name, not the prototype).
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ErrorReason, googleRpc } from "@durable-agents/core/proto";

/** ErrorCode is the gRPC status code of a failed call, in lower case (`"not_found"`). */
export type ErrorCode =
  | "canceled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

/**
 * ErrorReasonName is the `google.rpc.ErrorInfo.reason` the server sets (the `ErrorReason` enum of
 * errors.proto without its prefix), e.g. `"THREAD_BUSY"`.
 */
export type ErrorReasonName = keyof typeof ErrorReason;

/** FieldViolation names one invalid field of a request (`google.rpc.BadRequest`). */
export interface FieldViolation {
  field: string;
  description: string;
}

const CODE_NAMES: Record<Code, ErrorCode> = {
  [Code.Canceled]: "canceled",
  [Code.Unknown]: "unknown",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "deadline_exceeded",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.PermissionDenied]: "permission_denied",
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.Aborted]: "aborted",
  [Code.OutOfRange]: "out_of_range",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "data_loss",
  [Code.Unauthenticated]: "unauthenticated",
};

/** What every AgentClientError is built from. */
export interface AgentClientErrorInit {
  code: ErrorCode;
  /** The server's message, without the code prefix Connect adds. */
  rawMessage: string;
  reason?: string | undefined;
  metadata?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * AgentClientError is the base class of every error a call of the client rejects with. Its
 * `message` is the server's message prefixed with the code (`[not_found] thread t1 …`).
 */
export class AgentClientError extends Error {
  override readonly name: string = "AgentClientError";
  /** code is the gRPC status code. */
  readonly code: ErrorCode;
  /** rawMessage is the server's message without the code prefix. */
  readonly rawMessage: string;
  /**
   * reason is the `google.rpc.ErrorInfo` reason, e.g. `"RETRY_PENDING"` (see {@link ErrorReasonName});
   * undefined when the server sent none (transport failures).
   */
  readonly reason: ErrorReasonName | (string & {}) | undefined;
  /** metadata is the ErrorInfo metadata naming the thing, e.g. `{ thread_id: "…" }`. */
  readonly metadata: Readonly<Record<string, string>>;

  constructor(init: AgentClientErrorInit) {
    super(`[${init.code}] ${init.rawMessage}`, { cause: init.cause });
    this.code = init.code;
    this.rawMessage = init.rawMessage;
    this.reason = init.reason;
    this.metadata = init.metadata ?? {};
  }
}

/** NotFoundError: an unknown thread, tool call or agent — or another principal's thread. */
export class NotFoundError extends AgentClientError {
  override readonly name = "NotFoundError";
}

/**
 * FailedPreconditionError: the thread is not in a state that allows the call. `reason` says which:
 * `THREAD_BUSY`, `RETRY_PENDING` (stop the thread to interrupt the retry, B10),
 * `TOOL_CALL_NOT_PENDING`, `NOTHING_TO_RESUME`.
 */
export class FailedPreconditionError extends AgentClientError {
  override readonly name = "FailedPreconditionError";
}

/** InvalidArgumentError: the request is malformed; `fieldViolations` name each field at fault. */
export class InvalidArgumentError extends AgentClientError {
  override readonly name = "InvalidArgumentError";
  readonly fieldViolations: readonly FieldViolation[];

  constructor(init: AgentClientErrorInit & { fieldViolations: readonly FieldViolation[] }) {
    super(init);
    this.fieldViolations = init.fieldViolations;
  }
}

/** UnauthenticatedError: credentials are missing or invalid (X5). */
export class UnauthenticatedError extends AgentClientError {
  override readonly name = "UnauthenticatedError";
}

/** PermissionDeniedError: the principal lacks a role, e.g. `admin` for AdminService (X5). */
export class PermissionDeniedError extends AgentClientError {
  override readonly name = "PermissionDeniedError";
}

/** ResourceExhaustedError: a configured limit was exceeded; the metadata names it. */
export class ResourceExhaustedError extends AgentClientError {
  override readonly name = "ResourceExhaustedError";
  /** retryDelayMs is how long the server asks to wait (`google.rpc.RetryInfo`), when it says. */
  readonly retryDelayMs: number | undefined;

  constructor(init: AgentClientErrorInit & { retryDelayMs: number | undefined }) {
    super(init);
    this.retryDelayMs = init.retryDelayMs;
  }
}

/**
 * UnavailableError: the server could not be reached or the connection broke, or (reason
 * `STORE_UNAVAILABLE`) the server could not reach its database; nothing was written, so the call
 * is safe to retry. A commit whose outcome is unknown is not this class: it is an
 * {@link AgentClientError} with code `unknown` and reason `COMMIT_OUTCOME_UNKNOWN` (re-read the
 * state before retrying, or the change may be applied twice).
 */
export class UnavailableError extends AgentClientError {
  override readonly name = "UnavailableError";
}

/** DeadlineExceededError: the call's timeout passed before it completed. */
export class DeadlineExceededError extends AgentClientError {
  override readonly name = "DeadlineExceededError";
}

/** CanceledError: the call was cancelled, usually through its AbortSignal. */
export class CanceledError extends AgentClientError {
  override readonly name = "CanceledError";
}

/** AlreadyExistsError: the resource to create exists already. */
export class AlreadyExistsError extends AgentClientError {
  override readonly name = "AlreadyExistsError";
}

/** UnimplementedError: the server does not offer this RPC (an older server). */
export class UnimplementedError extends AgentClientError {
  override readonly name = "UnimplementedError";
}

/** InternalError: the server failed; never the caller's mistake (DESIGN §3). */
export class InternalError extends AgentClientError {
  override readonly name = "InternalError";
}

/** ProtocolError: the server's response lacks something the API promises. */
export class ProtocolError extends AgentClientError {
  override readonly name = "ProtocolError";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super({ code: "internal", rawMessage: message, cause: options.cause });
  }
}

const hasName = (error: unknown, name: string) => error instanceof Error && error.name === name;

export const isAgentClientError = (error: unknown): error is AgentClientError =>
  error instanceof AgentClientError ||
  // Another copy of this package: same shape (a ConnectError has a numeric code).
  (error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    "rawMessage" in error &&
    "reason" in error);
export const isNotFoundError = (error: unknown): error is NotFoundError =>
  hasName(error, "NotFoundError");
export const isFailedPreconditionError = (error: unknown): error is FailedPreconditionError =>
  hasName(error, "FailedPreconditionError");
export const isInvalidArgumentError = (error: unknown): error is InvalidArgumentError =>
  hasName(error, "InvalidArgumentError");
export const isUnauthenticatedError = (error: unknown): error is UnauthenticatedError =>
  hasName(error, "UnauthenticatedError");
export const isPermissionDeniedError = (error: unknown): error is PermissionDeniedError =>
  hasName(error, "PermissionDeniedError");
export const isResourceExhaustedError = (error: unknown): error is ResourceExhaustedError =>
  hasName(error, "ResourceExhaustedError");
export const isUnavailableError = (error: unknown): error is UnavailableError =>
  hasName(error, "UnavailableError");
export const isDeadlineExceededError = (error: unknown): error is DeadlineExceededError =>
  hasName(error, "DeadlineExceededError");
export const isCanceledError = (error: unknown): error is CanceledError =>
  hasName(error, "CanceledError");
export const isAlreadyExistsError = (error: unknown): error is AlreadyExistsError =>
  hasName(error, "AlreadyExistsError");
export const isUnimplementedError = (error: unknown): error is UnimplementedError =>
  hasName(error, "UnimplementedError");
export const isInternalError = (error: unknown): error is InternalError =>
  hasName(error, "InternalError");
export const isProtocolError = (error: unknown): error is ProtocolError =>
  hasName(error, "ProtocolError");

/**
 * toAgentClientError turns whatever a call threw into the typed error for its gRPC code, reading
 * the status details. Use it with the raw Connect clients of `client.services`.
 */
export function toAgentClientError(error: unknown): AgentClientError {
  if (error instanceof AgentClientError) return error;
  const connectError = ConnectError.from(error);
  const [info] = connectError.findDetails(googleRpc.ErrorInfoSchema);
  const init: AgentClientErrorInit = {
    code: CODE_NAMES[connectError.code] ?? "unknown",
    rawMessage: connectError.rawMessage,
    reason: info?.reason === "" ? undefined : info?.reason,
    metadata: { ...info?.metadata },
    cause: error,
  };
  switch (connectError.code) {
    case Code.NotFound:
      return new NotFoundError(init);
    case Code.FailedPrecondition:
      return new FailedPreconditionError(init);
    case Code.InvalidArgument:
      return new InvalidArgumentError({
        ...init,
        fieldViolations: connectError
          .findDetails(googleRpc.BadRequestSchema)
          .flatMap((badRequest) =>
            badRequest.fieldViolations.map(({ field, description }) => ({ field, description })),
          ),
      });
    case Code.Unauthenticated:
      return new UnauthenticatedError(init);
    case Code.PermissionDenied:
      return new PermissionDeniedError(init);
    case Code.ResourceExhausted: {
      const [retryInfo] = connectError.findDetails(googleRpc.RetryInfoSchema);
      const delay = retryInfo?.retryDelay;
      return new ResourceExhaustedError({
        ...init,
        retryDelayMs: delay === undefined ? undefined : durationMs(delay),
      });
    }
    case Code.Unavailable:
      return new UnavailableError(init);
    case Code.DeadlineExceeded:
      return new DeadlineExceededError(init);
    case Code.Canceled:
      return new CanceledError(init);
    case Code.AlreadyExists:
      return new AlreadyExistsError(init);
    case Code.Unimplemented:
      return new UnimplementedError(init);
    case Code.Internal:
      return new InternalError(init);
    default:
      return new AgentClientError(init);
  }
}

import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { googleRpc } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import {
  AgentClientError,
  type ErrorReasonName,
  FailedPreconditionError,
  isAgentClientError,
  isFailedPreconditionError,
  isInvalidArgumentError,
  isNotFoundError,
  isUnavailableError,
  toAgentClientError,
} from "./errors.js";

const info = (reason: string, metadata: Record<string, string> = {}) => ({
  desc: googleRpc.ErrorInfoSchema,
  value: create(googleRpc.ErrorInfoSchema, { reason, domain: "durable-agents", metadata }),
});

describe("toAgentClientError (DESIGN §3)", () => {
  it.each([
    [Code.NotFound, "NotFoundError", "not_found"],
    [Code.FailedPrecondition, "FailedPreconditionError", "failed_precondition"],
    [Code.InvalidArgument, "InvalidArgumentError", "invalid_argument"],
    [Code.Unauthenticated, "UnauthenticatedError", "unauthenticated"],
    [Code.PermissionDenied, "PermissionDeniedError", "permission_denied"],
    [Code.ResourceExhausted, "ResourceExhaustedError", "resource_exhausted"],
    [Code.Unavailable, "UnavailableError", "unavailable"],
    [Code.DeadlineExceeded, "DeadlineExceededError", "deadline_exceeded"],
    [Code.Canceled, "CanceledError", "canceled"],
    [Code.AlreadyExists, "AlreadyExistsError", "already_exists"],
    [Code.Unimplemented, "UnimplementedError", "unimplemented"],
    [Code.Internal, "InternalError", "internal"],
    [Code.DataLoss, "AgentClientError", "data_loss"],
  ])("maps code %i to %s", (code, name, codeName) => {
    const error = toAgentClientError(new ConnectError("it failed", code));
    expect(error).toBeInstanceOf(AgentClientError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(codeName);
    expect(error.rawMessage).toBe("it failed");
    expect(error.message).toBe(`[${codeName}] it failed`);
    expect(isAgentClientError(error)).toBe(true);
  });

  it("B10 reads the ErrorInfo reason and metadata of a refused call", () => {
    const error = toAgentClientError(
      new ConnectError("thread t1 has a retry pending", Code.FailedPrecondition, undefined, [
        info("RETRY_PENDING", { thread_id: "t1" }),
      ]),
    );
    expect(isFailedPreconditionError(error)).toBe(true);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error.reason).toBe("RETRY_PENDING");
    expect(error.metadata).toEqual({ thread_id: "t1" });
  });

  it("tells a store outage, safe to retry, from a commit whose outcome is unknown", () => {
    const unavailable = toAgentClientError(
      new ConnectError("the database is unavailable", Code.Unavailable, undefined, [
        info("STORE_UNAVAILABLE" satisfies ErrorReasonName),
      ]),
    );
    expect(isUnavailableError(unavailable) && unavailable.reason).toBe("STORE_UNAVAILABLE");
    const unknown = toAgentClientError(
      new ConnectError("re-read the state before retrying", Code.Unknown, undefined, [
        info("COMMIT_OUTCOME_UNKNOWN" satisfies ErrorReasonName),
      ]),
    );
    expect(isUnavailableError(unknown)).toBe(false);
    expect(unknown).toMatchObject({ code: "unknown", reason: "COMMIT_OUTCOME_UNKNOWN" });
  });

  it("reads the BadRequest field violations of INVALID_ARGUMENT", () => {
    const error = toAgentClientError(
      new ConnectError("agent: unknown agent", Code.InvalidArgument, undefined, [
        info("INVALID_ARGUMENT"),
        {
          desc: googleRpc.BadRequestSchema,
          value: create(googleRpc.BadRequestSchema, {
            fieldViolations: [{ field: "agent", description: "unknown agent" }],
          }),
        },
      ]),
    );
    expect(isInvalidArgumentError(error) && error.fieldViolations).toEqual([
      { field: "agent", description: "unknown agent" },
    ]);
  });

  it("reads RetryInfo's delay of RESOURCE_EXHAUSTED", () => {
    const error = toAgentClientError(
      new ConnectError("too many", Code.ResourceExhausted, undefined, [
        {
          desc: googleRpc.RetryInfoSchema,
          value: create(googleRpc.RetryInfoSchema, { retryDelay: durationFromMs(1500) }),
        },
      ]),
    );
    expect(error).toMatchObject({ name: "ResourceExhaustedError", retryDelayMs: 1500 });
  });

  it("wraps an error that is no ConnectError as unknown, keeping it as the cause", () => {
    const cause = new TypeError("fetch failed");
    const error = toAgentClientError(cause);
    expect(error.code).toBe("unknown");
    expect(error.cause).toBe(cause);
    expect(error.reason).toBeUndefined();
  });

  it("guards recognise errors by name, not by prototype (another copy of the package)", () => {
    const foreign = Object.assign(new Error("[not_found] gone"), {
      name: "NotFoundError",
      code: "not_found",
      rawMessage: "gone",
      reason: undefined,
      metadata: {},
    });
    expect(isNotFoundError(foreign)).toBe(true);
    expect(isAgentClientError(foreign)).toBe(true);
    expect(isUnavailableError(foreign)).toBe(false);
    expect(isAgentClientError(new ConnectError("x", Code.NotFound))).toBe(false);
  });
});

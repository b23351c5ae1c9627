// Regression tests for what the protocol fuzzer found (X5): a status message that echoed a huge
// input (a thread id, a health service name) made the gRPC trailers larger than a client accepts,
// which reset the call and, with Node's client, the whole connection.
import { Code, ConnectError } from "@connectrpc/connect";
import { googleRpc } from "@durable-agents/core/proto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ThreadNotFoundError } from "../engine/errors.js";
import { StoreUnavailableError } from "../store/errors.js";
import { boundedStatusText, invalidArgument, limitExceeded, toConnectError } from "./errors.js";

const logger = pino({ level: "silent" });
const huge = "w".repeat(200_000);

describe("status texts stay small whatever a caller sent (X5)", () => {
  it("keeps short texts and cuts long ones, saying how long they were", () => {
    expect(boundedStatusText("Thread t1 not found")).toBe("Thread t1 not found");
    const cut = boundedStatusText(huge);
    expect(cut.length).toBeLessThanOrEqual(1024);
    expect(cut.endsWith("… (cut from 200000 characters)")).toBe(true);
  });

  it("cuts a domain error's message and ErrorInfo metadata", () => {
    const error = toConnectError(new ThreadNotFoundError(huge), logger);
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage.length).toBeLessThanOrEqual(1024);
    const [info] = error.findDetails(googleRpc.ErrorInfoSchema);
    expect(info?.metadata.thread_id?.length).toBeLessThanOrEqual(1024);
  });

  it("cuts a handler's own ConnectError message, keeping its code and details", () => {
    const thrown = new ConnectError(`unknown service "${huge}"`, Code.NotFound);
    const error = toConnectError(thrown, logger);
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage.length).toBeLessThanOrEqual(1024);
    const short = new ConnectError("short", Code.NotFound);
    expect(toConnectError(short, logger)).toBe(short);
  });

  it("cuts field violations of INVALID_ARGUMENT", () => {
    const error = invalidArgument([{ field: "message", description: huge }]);
    expect(error.rawMessage.length).toBeLessThanOrEqual(1024);
    const [badRequest] = error.findDetails(googleRpc.BadRequestSchema);
    expect(badRequest?.fieldViolations[0]?.description.length).toBeLessThanOrEqual(1024);
  });

  it("builds RESOURCE_EXHAUSTED naming the limit in ErrorInfo", () => {
    const error = limitExceeded("too many", "maxWatchersPerThread", 3);
    expect(error.code).toBe(Code.ResourceExhausted);
    const [info] = error.findDetails(googleRpc.ErrorInfoSchema);
    expect(info).toMatchObject({
      reason: "LIMIT_EXCEEDED",
      metadata: { limit: "limits.maxWatchersPerThread", value: "3" },
    });
  });
});

describe("an unreachable store (issue #5)", () => {
  it("is UNAVAILABLE with reason STORE_UNAVAILABLE when nothing was written", () => {
    const error = toConnectError(
      new StoreUnavailableError({ commitOutcomeUnknown: false }),
      logger,
    );
    expect(error.code).toBe(Code.Unavailable);
    const [info] = error.findDetails(googleRpc.ErrorInfoSchema);
    expect(info).toMatchObject({ reason: "STORE_UNAVAILABLE", domain: "durable-agents" });
  });

  it("is UNKNOWN, never the retried UNAVAILABLE, when a commit may have landed", () => {
    const error = toConnectError(new StoreUnavailableError({ commitOutcomeUnknown: true }), logger);
    expect(error.code).toBe(Code.Unknown);
    expect(error.rawMessage).toContain("re-read the state before retrying");
    const [info] = error.findDetails(googleRpc.ErrorInfoSchema);
    expect(info).toMatchObject({ reason: "COMMIT_OUTCOME_UNKNOWN", domain: "durable-agents" });
  });
});

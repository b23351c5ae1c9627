// What the protocol fuzzer found (issue #7, X5), replayed through a real server: each case failed
// with INTERNAL or a reset stream before its fix.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ThreadStatus, ToolCallService } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rpcError } from "../support/rpc-errors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, waitForThread } from "../support/wait.js";
import { type CallOutcome, createRawGrpcClient, grpcFrame } from "./support/raw-rpc.js";

const TIMEOUT_MS = 10_000;

function statusOf(outcome: CallOutcome) {
  if (outcome.kind !== "status") throw new Error(`no status: ${outcome.reason}`);
  return outcome;
}

describe("protocol fuzzer findings (X5)", () => {
  let test: TestServer;
  beforeEach(async () => {
    test = await startTestServer();
  });
  afterEach(async () => {
    await test.close();
  });

  it("answers malformed protobuf in a unary call with INVALID_ARGUMENT, not INTERNAL", async () => {
    const grpc = createRawGrpcClient(test.server.url, 1);
    try {
      const outcome = await grpc.call({
        path: "/durable_agents.v1.ThreadService/GetThread",
        body: grpcFrame(new Uint8Array([0x0a, 0x05, 0x41])),
        isStreaming: false,
        timeoutMs: TIMEOUT_MS,
      });
      expect(statusOf(outcome)).toEqual({
        kind: "status",
        code: Code.InvalidArgument,
        message:
          "the request is not a valid durable_agents.v1.GetThreadRequest: parse binary: premature EOF",
      });
    } finally {
      grpc.close();
    }
  });

  it("answers a 130 KB thread id briefly, and the connection keeps serving", async () => {
    const grpc = createRawGrpcClient(test.server.url, 1);
    const call = (threadId: string) =>
      grpc.call({
        path: "/durable_agents.v1.ThreadService/GetThread",
        body: grpcFrame(
          new BinaryWriter().tag(1, WireType.LengthDelimited).string(threadId).finish(),
        ),
        isStreaming: false,
        timeoutMs: TIMEOUT_MS,
      });
    try {
      // Echoed in "Thread … not found", the id made trailers no client accepts (a reset stream).
      const huge = statusOf(await call("w".repeat(130_000)));
      expect(huge.code).toBe(Code.InvalidArgument);
      expect(huge.message).toBe("thread_id: is 130000 characters long; ids have at most 256");
      expect(statusOf(await call("nope")).code).toBe(Code.NotFound);
      // A health check of a huge service name: the handler's own message is cut short.
      const health = statusOf(
        await grpc.call({
          path: "/grpc.health.v1.Health/Check",
          body: grpcFrame(
            new BinaryWriter()
              .tag(1, WireType.LengthDelimited)
              .string("s".repeat(130_000))
              .finish(),
          ),
          isStreaming: false,
          timeoutMs: TIMEOUT_MS,
        }),
      );
      expect(health.code).toBe(Code.NotFound);
      expect(health.message.length).toBeLessThanOrEqual(1024);
    } finally {
      grpc.close();
    }
  });

  it("refuses a watch cursor beyond 2^53 instead of failing to send it back (INTERNAL)", async () => {
    const { thread } = await test.threads.createThread({ agent: "demo" });
    const error = await rpcError(
      (async () => {
        for await (const _ of test.streams.watchThread({
          threadId: thread?.threadId ?? "",
          after: { threadVersion: 2n ** 63n - 1n },
          historyOnly: true,
        })) {
          // The first message would carry the cursor.
        }
      })(),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("after.thread_version: must be between 0 and 9007199254740991");
  });

  it("refuses a tool call timeout whose deadline no JSON client could read back", async () => {
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "approve this" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const toolCallId = "demo_call_1";
    const tooLong = await rpcError(
      test.toolCalls.setToolCallTimeout({
        threadId,
        toolCallId,
        timeout: { seconds: 9000n * 365n * 24n * 3600n },
      }),
    );
    expect(tooLong.code).toBe(Code.InvalidArgument);
    expect(tooLong.rawMessage).toBe("timeout: must be at most 100 years long");
    // The call is untouched: a Connect JSON client reads it.
    const json = createClient(
      ToolCallService,
      createConnectTransport({ baseUrl: test.server.url, httpVersion: "1.1" }),
    );
    const { toolCall } = await json.getToolCall({ threadId, toolCallId });
    expect(toolCall?.deadline).toBeDefined();
  });
});

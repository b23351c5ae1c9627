// Limits (issue #7, X5) through a real server with small configured limits: each one hit once,
// with the exact code, the field the violation names and the limit named in the message, and a
// request just at the limit still served. Open streams are counted per principal and per thread
// and give their slot back however they end.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import {
  googleRpc,
  ListThreadsRequestSchema,
  Role,
  ThreadStatus,
  ToolCallStatus,
} from "@durable-agents/core/proto";
import { createToolRunner, defineTool, getWeatherTool } from "@durable-agents/tool-runner";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deleteStreams, randomPrefix, sharedNatsUrl } from "../integration-nats/support/nats.js";
import { rpcError } from "../support/rpc-errors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";

const LIMITS = {
  maxRequestBytes: 4096,
  maxPromptChars: 20,
  maxPartsPerMessage: 3,
  maxToolResultBytes: 64,
  maxMetadataBytes: 32,
  maxPageSize: 2,
  maxStreamsPerPrincipal: 3,
  maxWatchersPerThread: 2,
};
const DEADLINE_MS = 10_000;

const text = (value: string) => ({ part: { case: "text" as const, value: { text: value } } });

/** The code, the BadRequest fields and the ErrorInfo of a failed call. */
function describe3(error: ConnectError) {
  return {
    code: Code[error.code],
    fields: error
      .findDetails(googleRpc.BadRequestSchema)
      .flatMap((badRequest) => badRequest.fieldViolations.map((violation) => violation.field)),
    info: error.findDetails(googleRpc.ErrorInfoSchema)[0],
    message: error.rawMessage,
  };
}

describe("limits (X5)", () => {
  let test: TestServer;
  let idleThreadId: string;

  beforeAll(async () => {
    test = await startTestServer({ config: { limits: LIMITS } });
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "hi" });
    idleThreadId = thread?.threadId ?? "";
    await waitForThread(test.streams, idleThreadId, isIdle);
  });
  afterAll(async () => {
    await test.close();
  });

  it("refuses a request larger than maxRequestBytes with RESOURCE_EXHAUSTED; one at it passes", async () => {
    // ListThreadsRequest.agent (field 3): 1 tag byte, 2 length bytes, then the string.
    const atLimit = { agent: "a".repeat(LIMITS.maxRequestBytes - 3) };
    expect(
      toBinary(ListThreadsRequestSchema, create(ListThreadsRequestSchema, atLimit)),
    ).toHaveLength(LIMITS.maxRequestBytes);
    await expect(test.threads.listThreads(atLimit)).resolves.toMatchObject({ threads: [] });
    const error = await rpcError(test.threads.listThreads({ agent: `${atLimit.agent}a` }));
    expect(describe3(error)).toMatchObject({
      code: "ResourceExhausted",
      fields: [],
      info: {
        reason: "LIMIT_EXCEEDED",
        metadata: { limit: "limits.maxRequestBytes", value: "4096" },
      },
    });
    expect(error.rawMessage).toContain("limits.maxRequestBytes = 4096 bytes");
  });

  it("refuses a prompt longer than maxPromptChars with INVALID_ARGUMENT on prompt", async () => {
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "x".repeat(20) });
    await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
    const error = await rpcError(
      test.threads.createThread({ agent: "demo", prompt: "x".repeat(21) }),
    );
    expect(describe3(error)).toMatchObject({
      code: "InvalidArgument",
      fields: ["prompt"],
      message: "prompt: is 21 characters long, more than the limit of 20 (limits.maxPromptChars)",
    });
    // The text parts of a message a caller sends are held to the same limit.
    const inMessage = await rpcError(
      test.threads.addMessage({
        threadId: idleThreadId,
        message: { role: Role.USER, parts: [text("ok"), text("y".repeat(21))] },
      }),
    );
    expect(describe3(inMessage)).toMatchObject({
      code: "InvalidArgument",
      fields: ["message.parts[1].text.text"],
    });
    expect(inMessage.rawMessage).toContain("limits.maxPromptChars");
  });

  it("refuses a message with more than maxPartsPerMessage parts on message.parts", async () => {
    const error = await rpcError(
      test.threads.addMessage({
        threadId: idleThreadId,
        message: { role: Role.USER, parts: [text("1"), text("2"), text("3"), text("4")] },
      }),
    );
    expect(describe3(error)).toMatchObject({
      code: "InvalidArgument",
      fields: ["message.parts"],
      message: "message.parts: has 4 parts, more than the limit of 3 (limits.maxPartsPerMessage)",
    });
    const added = await test.threads.addMessage({
      threadId: idleThreadId,
      message: { role: Role.USER, parts: [text("1"), text("2"), text("3")] },
    });
    expect(added.message?.parts).toHaveLength(3);
  });

  it("refuses thread and message metadata over maxMetadataBytes of JSON", async () => {
    // {"k":"<24 characters>"} is 32 bytes of JSON.
    const atLimit = { k: "m".repeat(24) };
    const { thread } = await test.threads.createThread({ agent: "demo", metadata: atLimit });
    expect(thread?.metadata).toEqual(atLimit);
    const error = await rpcError(
      test.threads.createThread({ agent: "demo", metadata: { k: "m".repeat(25) } }),
    );
    expect(describe3(error)).toMatchObject({
      code: "InvalidArgument",
      fields: ["metadata"],
      message: "metadata: is 33 bytes of JSON, more than the limit of 32 (limits.maxMetadataBytes)",
    });
    const onMessage = await rpcError(
      test.threads.addMessage({
        threadId: idleThreadId,
        message: {
          role: Role.USER,
          parts: [text("with metadata")],
          metadata: { kind: { case: "stringValue", value: "v".repeat(40) } },
        },
      }),
    );
    expect(describe3(onMessage)).toMatchObject({
      code: "InvalidArgument",
      fields: ["message.metadata"],
    });
    expect(onMessage.rawMessage).toContain("limits.maxMetadataBytes");
  });

  it("refuses a tool result over maxToolResultBytes on result; one at the limit is applied", async () => {
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "approve this" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const { toolCalls } = await test.toolCalls.listToolCalls({ threadId });
    const toolCallId = toolCalls[0]?.toolCallId ?? "";
    // "<62 characters>" is 64 bytes of JSON.
    const over = await rpcError(
      test.toolCalls.addToolResult({
        threadId,
        toolCallId,
        result: { kind: { case: "stringValue", value: "r".repeat(63) } },
      }),
    );
    expect(describe3(over)).toMatchObject({
      code: "InvalidArgument",
      fields: ["result"],
      message: "result: is 65 bytes of JSON, more than the limit of 64 (limits.maxToolResultBytes)",
    });
    const errorText = await rpcError(
      test.toolCalls.addToolError({ threadId, toolCallId, error: "e".repeat(65) }),
    );
    expect(describe3(errorText)).toMatchObject({ code: "InvalidArgument", fields: ["error"] });
    const applied = await test.toolCalls.addToolResult({
      threadId,
      toolCallId,
      result: { kind: { case: "stringValue", value: "r".repeat(62) } },
    });
    expect(applied.applied).toBe(true);
  });

  it("lowers a page_size above maxPageSize to it, with a token for the rest", async () => {
    for (const prompt of ["one", "two"]) {
      const { thread } = await test.threads.createThread({ agent: "demo", prompt });
      await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
    }
    const page = await test.threads.listThreads({ pageSize: 50 });
    expect(page.threads).toHaveLength(LIMITS.maxPageSize);
    expect(page.nextPageToken).not.toBe("");
  });
});

/** An open WatchThread or StreamUpdates call, established once its first message arrived. */
interface OpenStream {
  cancel(): void;
  /** Settles when the call ends: its error, or undefined when it ended cleanly. */
  readonly ended: Promise<unknown>;
}

describe("open streams (X5)", () => {
  let test: TestServer;
  let threadIds: string[];
  let open: OpenStream[];

  // A fresh server per test: a cancelled stream's slot is freed a moment after the client sees
  // its end, so one test's streams must not count in the next.
  beforeEach(async () => {
    test = await startTestServer({ config: { limits: LIMITS } });
    threadIds = [];
    open = [];
    for (const prompt of ["a", "b", "c"]) {
      const { thread } = await test.threads.createThread({ agent: "demo", prompt });
      threadIds.push(thread?.threadId ?? "");
      await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
    }
  });
  afterEach(async () => {
    for (const stream of open) stream.cancel();
    await Promise.all(open.map((stream) => stream.ended));
    await test.close();
  });

  /** Opens a stream and waits for its first message; rejects with the call's error. */
  async function openStream(
    kind: "watch" | "updates",
    threadId: string,
    options: { timeoutMs?: number } = {},
  ): Promise<OpenStream> {
    const controller = new AbortController();
    const calls =
      kind === "watch"
        ? test.streams.watchThread({ threadId }, { signal: controller.signal, ...options })
        : test.streams.streamUpdates({ threadId }, { signal: controller.signal, ...options });
    const iterator = calls[Symbol.asyncIterator]();
    await iterator.next();
    const ended = (async () => {
      try {
        for (;;) if ((await iterator.next()).done === true) return undefined;
      } catch (error: unknown) {
        return error;
      }
    })();
    const stream = { cancel: () => controller.abort(), ended };
    open.push(stream);
    return stream;
  }

  /** Opens a stream once the server freed a slot: it notices an ended call a moment later. */
  async function openWhenFreed(
    kind: "watch" | "updates",
    threadId: string,
    options: { timeoutMs?: number } = {},
  ) {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      try {
        return await openStream(kind, threadId, options);
      } catch (error: unknown) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  async function refusal(kind: "watch" | "updates", threadId: string) {
    const error = await rpcError(openStream(kind, threadId));
    return describe3(error);
  }

  it("refuses a thread's third watcher until one ends (cancel, deadline)", async () => {
    const [threadId = "", otherThreadId = ""] = threadIds;
    const first = await openStream("watch", threadId);
    await openStream("updates", threadId);
    expect(await refusal("watch", threadId)).toMatchObject({
      code: "ResourceExhausted",
      info: { reason: "LIMIT_EXCEEDED", metadata: { limit: "limits.maxWatchersPerThread" } },
    });
    expect((await refusal("updates", threadId)).message).toContain("limits.maxWatchersPerThread");
    first.cancel();
    await first.ended;
    const third = await openWhenFreed("watch", threadId);
    third.cancel();
    await third.ended;
    // A stream whose deadline passes gives its slot back too: with the second stream still
    // open, another one only fits once the expired one is gone.
    const expiring = await openWhenFreed("watch", threadId, { timeoutMs: 500 });
    expect(await expiring.ended).toMatchObject({ code: Code.DeadlineExceeded });
    const afterDeadline = await openWhenFreed("watch", threadId);
    afterDeadline.cancel();
    await afterDeadline.ended;
    // Other threads were never affected.
    const other = await openStream("watch", otherThreadId);
    other.cancel();
    await other.ended;
  });

  it("refuses a principal's stream over maxStreamsPerPrincipal until one is cancelled", async () => {
    const [a = "", b = "", c = ""] = threadIds;
    // The anonymous principal (authentication off) holds 3 streams on 3 threads.
    const streams = [
      await openStream("watch", a),
      await openStream("watch", b),
      await openStream("updates", c),
    ];
    expect(await refusal("updates", a)).toMatchObject({
      code: "ResourceExhausted",
      info: {
        reason: "LIMIT_EXCEEDED",
        metadata: { limit: "limits.maxStreamsPerPrincipal", value: "3" },
      },
      message:
        "anonymous callers have 3 streams open already (limits.maxStreamsPerPrincipal); cancel " +
        "one before opening another",
    });
    streams[1]?.cancel();
    await streams[1]?.ended;
    const again = await openWhenFreed("watch", b);
    expect(again).toBeDefined();
    expect(await refusal("watch", c)).toMatchObject({ code: "ResourceExhausted" });
  });

  it("frees a slot when a history-only stream ends by itself", async () => {
    const [threadId = ""] = threadIds;
    for (let index = 0; index < LIMITS.maxStreamsPerPrincipal + 2; index += 1) {
      const drained: unknown[] = [];
      for await (const update of test.streams.watchThread({ threadId, historyOnly: true })) {
        drained.push(update);
      }
      expect(drained.length).toBeGreaterThan(0);
    }
  });
});

describe("a runner's result over the limit (X5)", () => {
  // NATS is expected on 127.0.0.1:4222 (DESIGN §9): without it this test fails, never skips.
  it("fails the tool call with a message naming maxToolResultBytes instead of dropping it", async () => {
    const prefix = randomPrefix();
    const test = await startTestServer({
      config: { nats: { url: sharedNatsUrl, prefix }, limits: { maxToolResultBytes: 64 } },
    });
    // The demo's get_weather, answering with far more than 64 bytes.
    const verboseWeather = defineTool({
      name: getWeatherTool.name,
      description: getWeatherTool.description,
      args: getWeatherTool.args,
      handler: async () => ({ weather: "sunny ".repeat(50) }),
    });
    const runner = createToolRunner({
      nats: sharedNatsUrl,
      prefix,
      tools: [verboseWeather],
      logger: pino({ level: "silent" }),
    });
    try {
      await runner.start();
      const { thread } = await test.threads.createThread({
        agent: "demo",
        prompt: "weather in Paris",
      });
      const threadId = thread?.threadId ?? "";
      await waitForThread(test.streams, threadId, isIdle, DEADLINE_MS);
      const { toolCalls } = await test.toolCalls.listToolCalls({ threadId });
      expect(toolCalls).toHaveLength(1);
      expect(toolCalls[0]).toMatchObject({
        status: ToolCallStatus.FAILED,
        attempt: 1,
        error:
          "the tool result is 314 bytes of JSON, more than the limit of 64 (limits.maxToolResultBytes)",
      });
    } finally {
      await runner.close();
      await test.close();
      await deleteStreams(sharedNatsUrl, prefix);
    }
  });
});

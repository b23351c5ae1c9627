// X4: a tool runner written in Go from runner.proto and NATS alone (tests/interop/go-runner),
// built offline from Debian packages at test time. The wire tests play the server's side of the
// runner protocol themselves (register answers, ToolTasks, outcome consumer), so they hold any
// runner in any language to runner.proto's header comment; the end-to-end test has a real server
// with NATS hand a model's tool calls to the Go runner.
import { create, fromBinary, fromJson, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  type RegisterToolsRequest,
  RegisterToolsRequestSchema,
  RegisterToolsResponseSchema,
  ThreadStatus,
  ToolCallStatus,
  ToolCancellationSchema,
  ToolKind,
  type ToolOutcome,
  ToolOutcomeSchema,
  type ToolProgress,
  ToolProgressSchema,
  ToolProgressState,
  ToolTaskSchema,
} from "@durable-agents/core/proto";
import {
  AckPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { within } from "../support/deadline.js";
import {
  createScriptedModel,
  type ModelCallOptions,
  textReply,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import {
  buildGoRunner,
  deleteRunnerStreams,
  type GoRunnerBuild,
  type GoRunnerProcess,
  goRunnerPackages,
  missingGoToolchain,
  randomPrefix,
  startGoRunner,
} from "./support/go-runner.js";

const natsUrl = process.env.DURABLE_AGENTS_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const isCI = process.env.CI === "true";
const missing = await missingGoToolchain();
// Outside CI a machine without the Go toolchain skips, loudly; under CI `.ci/run` installs it, so
// a missing piece fails the suite instead (the describe runs and beforeAll throws).
const skip = missing.length > 0 && !isCI;
const installHint = `apt-get install -y ${goRunnerPackages.join(" ")}`;
if (missing.length > 0) {
  console.warn(`Go runner interop: missing ${missing.join(", ")}; install with: ${installHint}`);
}
const suiteTitle = skip
  ? `Go tool runner (X4) — SKIPPED: missing ${missing.join(", ")}; install with: ${installHint}`
  : "Go tool runner from runner.proto alone (X4)";

const toolName = "go_weather";
const runnerId = "go-interop-1";

/** Items that arrive over time, and a wait (with a deadline) for one that matches. */
function createRecorder<T>() {
  const items: T[] = [];
  const listeners = new Set<() => void>();
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const listener of listeners) listener();
    },
    waitFor(accept: (item: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
      let listener = () => {};
      const found = new Promise<T>((resolve) => {
        listener = () => {
          const item = items.find(accept);
          if (item !== undefined) resolve(item);
        };
        listeners.add(listener);
        listener();
      });
      return within(found, timeoutMs, what).finally(() => listeners.delete(listener));
    },
  };
}

/**
 * The server's side of the runner protocol, as runner.proto's header comment fixes it, under a
 * random prefix: answers RegisterToolsRequests, publishes ToolTasks, hears ToolProgress, sends
 * ToolCancellations and reads ToolOutcomes through the servers' durable consumer.
 */
async function startWireServer() {
  const prefix = randomPrefix();
  const streamPrefix = prefix.toUpperCase();
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js: JetStreamClient = jetstream(nc);
  const registrations = createRecorder<RegisterToolsRequest>();
  const progress = createRecorder<ToolProgress>();
  nc.subscribe(`${prefix}.tools.register`, {
    queue: "servers",
    callback: (error, msg) => {
      if (error !== null) return;
      const request = fromBinary(RegisterToolsRequestSchema, msg.data);
      registrations.push(request);
      const tools = request.tools.map((tool) => ({ ...tool, runnerId: request.runnerId }));
      msg.respond(
        toBinary(RegisterToolsResponseSchema, create(RegisterToolsResponseSchema, { tools })),
      );
    },
  });
  nc.subscribe(`${prefix}.tools.progress`, {
    queue: "servers",
    callback: (error, msg) => {
      if (error === null) progress.push(fromBinary(ToolProgressSchema, msg.data));
    },
  });
  await nc.flush();

  return {
    prefix,
    toolsStream: `${streamPrefix}_TOOLS`,
    outcomesStream: `${streamPrefix}_OUTCOMES`,
    jsm,
    registrations,
    progress,

    /** Publishes one attempt of a go_weather call, with the contract's Nats-Msg-Id. */
    async publishTask(task: {
      threadId: string;
      toolCallId: string;
      args: JsonValue;
      deadline?: Date;
    }): Promise<void> {
      const message = create(ToolTaskSchema, {
        threadId: task.threadId,
        toolCallId: task.toolCallId,
        toolName,
        args: fromJson(ValueSchema, task.args),
        kind: ToolKind.SYNC,
        attempt: 1,
        maxAttempts: 1,
        ...(task.deadline === undefined ? {} : { deadline: timestampFromDate(task.deadline) }),
      });
      await js.publish(`${prefix}.tools.exec.${toolName}`, toBinary(ToolTaskSchema, message), {
        msgID: `${task.threadId}:${task.toolCallId}:1`,
      });
    },

    cancel(threadId: string, toolCallId: string, reason: string): void {
      const cancellation = create(ToolCancellationSchema, {
        threadId,
        toolCallId,
        attempt: 1,
        reason,
      });
      nc.publish(
        `${prefix}.tools.cancel.${toolName}`,
        toBinary(ToolCancellationSchema, cancellation),
      );
    },

    /** The next outcome on the servers' durable consumer, acked as a server applies it. */
    async nextOutcome(timeoutMs = 10_000): Promise<ToolOutcome> {
      await jsm.consumers.add(this.outcomesStream, {
        durable_name: "servers",
        ack_policy: AckPolicy.Explicit,
      });
      const consumer = await js.consumers.get(this.outcomesStream, "servers");
      const msg = await consumer.next({ expires: timeoutMs });
      if (msg === null) throw new Error(`no ToolOutcome arrived within ${timeoutMs} ms`);
      const outcome = fromBinary(ToolOutcomeSchema, msg.data);
      await msg.ackAck();
      return outcome;
    },

    /** Closes the connection, then deletes the streams the runner created. */
    async close(): Promise<void> {
      await nc.drain();
      await deleteRunnerStreams(natsUrl, prefix);
    },
  };
}
type WireServer = Awaited<ReturnType<typeof startWireServer>>;

/** The tool results a model call was given, in order. */
function toolOutputsSeen(call: ModelCallOptions) {
  return call.prompt.flatMap((message) =>
    message.role === "tool"
      ? message.content.flatMap((part) =>
          part.type === "tool-result" ? [{ toolCallId: part.toolCallId, output: part.output }] : [],
        )
      : [],
  );
}

/** An outcome as comparable JSON, without its duration (which varies); asserts it has one. */
function outcomeJson(outcome: ToolOutcome): JsonValue {
  expect(outcome.duration).toBeDefined();
  const { duration: _duration, ...rest } = toJson(ToolOutcomeSchema, outcome) as Record<
    string,
    JsonValue
  >;
  return rest;
}

describe.skipIf(skip)(suiteTitle, { timeout: 30_000 }, () => {
  let build: GoRunnerBuild | undefined;
  let runner: GoRunnerProcess | undefined;

  beforeAll(async () => {
    if (missing.length > 0) {
      throw new Error(`CI must provide the Go toolchain (${missing.join(", ")}): ${installHint}`);
    }
    build = await buildGoRunner();
  }, 300_000);
  afterAll(() => {
    build?.dispose();
  });

  async function startRunner(prefix: string): Promise<GoRunnerProcess> {
    if (build === undefined) throw new Error("the Go runner was not built");
    runner = startGoRunner(build.binary, { natsUrl, prefix, runnerId });
    await runner.waitForLog(/serving go_weather/u);
    return runner;
  }

  /** Stops the test's runner, if still running; SIGTERM drains it and it exits cleanly. */
  async function stopRunner(): Promise<void> {
    const exitCode = await runner?.stop();
    runner = undefined;
    if (exitCode !== undefined) expect(exitCode).toBe(0);
  }

  describe("the runner protocol, with the test as the server", () => {
    let wire: WireServer;
    beforeEach(async () => {
      wire = await startWireServer();
    });
    afterEach(async () => {
      await stopRunner();
      await wire.close();
    });

    it("X4 registers go_weather over NATS, creates the contract's streams and consumer, and answers ToolTasks with ToolOutcomes", async () => {
      const started = await startRunner(wire.prefix);

      // RegisterToolsRequest on <prefix>.tools.register: a runner needs only NATS.
      const registration = await wire.registrations.waitFor(() => true, "the registration");
      expect(toJson(RegisterToolsRequestSchema, registration)).toEqual({
        runnerId,
        tools: [
          {
            name: "go_weather",
            description: "Get the current weather for a location (served by a Go runner)",
            inputSchema: {
              type: "object",
              properties: {
                location: { type: "string", description: "The city" },
                delay_ms: {
                  type: "integer",
                  minimum: 0,
                  description: "How long the weather station takes to answer, in milliseconds",
                },
              },
              required: ["location"],
              additionalProperties: false,
            },
            kind: "TOOL_KIND_SYNC",
            timeout: "60s",
          },
        ],
      });
      await started.waitForLog(/registered go_weather/u);

      // The runner started first, so it created the streams and the tool's consumer of the contract.
      const tools = await wire.jsm.streams.info(wire.toolsStream);
      expect(tools.config.retention).toBe(RetentionPolicy.Workqueue);
      expect(tools.config.subjects).toEqual([`${wire.prefix}.tools.exec.>`]);
      const outcomes = await wire.jsm.streams.info(wire.outcomesStream);
      expect(outcomes.config.retention).toBe(RetentionPolicy.Workqueue);
      expect(outcomes.config.subjects).toEqual([`${wire.prefix}.tools.outcome`]);
      const consumer = await wire.jsm.consumers.info(wire.toolsStream, "tool_go_weather");
      expect(consumer.config).toMatchObject({
        durable_name: "tool_go_weather",
        filter_subject: `${wire.prefix}.tools.exec.go_weather`,
        ack_policy: AckPolicy.Explicit,
      });

      await wire.publishTask({
        threadId: "th-1",
        toolCallId: "call-paris",
        args: { location: "Paris" },
      });
      expect(outcomeJson(await wire.nextOutcome())).toEqual({
        threadId: "th-1",
        toolCallId: "call-paris",
        attempt: 1,
        result: { location: "Paris", weather: "sunny", temperature: 22, runner: "go" },
        runnerId,
      });

      // A failed attempt is a ToolError with the handler's own retry verdict (B15, B23).
      await wire.publishTask({
        threadId: "th-1",
        toolCallId: "call-nowhere",
        args: { location: "" },
      });
      expect(outcomeJson(await wire.nextOutcome())).toEqual({
        threadId: "th-1",
        toolCallId: "call-nowhere",
        attempt: 1,
        error: {
          name: "ValidationError",
          message: "location must be a non-empty string",
          retryableHint: false,
        },
        runnerId,
      });

      // X9: the runner reported claiming each attempt.
      for (const toolCallId of ["call-paris", "call-nowhere"]) {
        const claimed = await wire.progress.waitFor(
          (item) => item.toolCallId === toolCallId,
          `CLAIMED progress of ${toolCallId}`,
        );
        expect(claimed).toMatchObject({
          threadId: "th-1",
          attempt: 1,
          runnerId,
          state: ToolProgressState.CLAIMED,
        });
      }
      // The runner acks each task once its outcome is stored (it logs after the ack is confirmed),
      // and a work-queue stream then drops the task.
      await started.waitForLog(/answered th-1:call-nowhere attempt 1/u);
      await started.waitForLog(/answered th-1:call-paris attempt 1/u);
      expect((await wire.jsm.streams.info(wire.toolsStream)).state.messages).toBe(0);
    });

    it("X9 a ToolCancellation aborts the running Go handler within 1 s, and so does the task's deadline", async () => {
      await startRunner(wire.prefix);
      await wire.publishTask({
        threadId: "th-2",
        toolCallId: "call-slow",
        args: { location: "Oslo", delay_ms: 60_000 },
      });
      await wire.progress.waitFor(
        (item) => item.toolCallId === "call-slow",
        "the slow call claimed",
      );
      const cancelledAt = performance.now();
      wire.cancel("th-2", "call-slow", "Tool execution cancelled because the thread was stopped");
      const cancelled = await wire.nextOutcome();
      expect(performance.now() - cancelledAt).toBeLessThan(1_000);
      expect(outcomeJson(cancelled)).toEqual({
        threadId: "th-2",
        toolCallId: "call-slow",
        attempt: 1,
        error: {
          name: "AbortError",
          message: "Tool execution cancelled because the thread was stopped",
          retryableHint: false,
        },
        runnerId,
      });

      const deadline = new Date(Date.now() + 300);
      await wire.publishTask({
        threadId: "th-2",
        toolCallId: "call-late",
        args: { location: "Oslo", delay_ms: 60_000 },
        deadline,
      });
      const late = await wire.nextOutcome();
      expect(Date.now() - deadline.getTime()).toBeLessThan(1_000);
      expect(outcomeJson(late)).toEqual({
        threadId: "th-2",
        toolCallId: "call-late",
        attempt: 1,
        error: {
          name: "AbortError",
          message: "the tool call's deadline passed",
          retryableHint: false,
        },
        runnerId,
      });
    });

    it("X4 on SIGTERM the Go runner finishes the task it holds, publishes its outcome, and exits 0", async () => {
      const started = await startRunner(wire.prefix);
      await wire.publishTask({
        threadId: "th-3",
        toolCallId: "call-held",
        args: { location: "Rome", delay_ms: 300 },
      });
      await wire.progress.waitFor(
        (item) => item.toolCallId === "call-held",
        "the held call claimed",
      );
      const exitCode = await started.stop();
      runner = undefined;
      expect(exitCode).toBe(0);
      expect(started.log.some((line) => line.includes("drained and stopped"))).toBe(true);
      expect(outcomeJson(await wire.nextOutcome())).toEqual({
        threadId: "th-3",
        toolCallId: "call-held",
        attempt: 1,
        result: { location: "Rome", weather: "sunny", temperature: 22, runner: "go" },
        runnerId,
      });
      expect((await wire.jsm.streams.info(wire.toolsStream)).state.messages).toBe(0);
    });
  });

  describe("end to end, with a server over NATS", () => {
    let prefix: string;
    let test: TestServer | undefined;
    afterEach(async () => {
      await stopRunner();
      await test?.close();
      test = undefined;
      await deleteRunnerStreams(natsUrl, prefix);
    });

    it("X4 B15 B19 a model's go_weather calls run in the Go runner and the conversation ends with their results", async () => {
      prefix = randomPrefix();
      const scripted = createScriptedModel((index) =>
        index === 0
          ? {
              parts: [
                {
                  type: "tool-call",
                  toolCallId: "call-paris",
                  toolName,
                  input: '{"location":"Paris"}',
                },
                {
                  type: "tool-call",
                  toolCallId: "call-nowhere",
                  toolName,
                  input: '{"location":""}',
                },
              ],
            }
          : textReply("Paris is sunny; nowhere has no weather."),
      );
      test = await startTestServer({
        config: { nats: { url: natsUrl, prefix } },
        agents: [{ name: "go-agent", model: scripted.model, tools: [toolName] }],
      });
      // The server started first and made the streams; the runner adds its tool's consumer and
      // registers go_weather over NATS, so the server knows it without a gRPC call.
      const started = await startRunner(prefix);
      await started.waitForLog(/registered go_weather/u);
      const { tools } = await test.toolCalls.listTools({});
      expect(tools.find((tool) => tool.name === toolName)).toMatchObject({
        name: toolName,
        kind: ToolKind.SYNC,
        runnerId,
      });

      const { thread } = await test.threads.createThread({
        agent: "go-agent",
        prompt: "weather in Paris and nowhere",
      });
      const threadId = thread?.threadId ?? "";
      const done = await waitForThread(test.streams, threadId, isIdle, 20_000);
      expect(done.status).toBe(ThreadStatus.COMPLETED);

      const paris = { location: "Paris", weather: "sunny", temperature: 22, runner: "go" };
      const nowhere = "location must be a non-empty string";
      // The model's second step saw both outcomes of the Go runner (objects: the key order of a
      // protobuf Struct map is not fixed).
      expect(scripted.calls.map(toolOutputsSeen)).toEqual([
        [],
        [
          { toolCallId: "call-paris", output: { type: "json", value: paris } },
          { toolCallId: "call-nowhere", output: { type: "error-text", value: nowhere } },
        ],
      ]);
      const messages = await listAllMessages(test.threads, threadId);
      expect(outline(messages)).toEqual([
        ["user", "text:weather in Paris and nowhere"],
        [
          "assistant",
          "tool-go_weather:output-available",
          "tool-go_weather:output-error",
          "text:Paris is sunny; nowhere has no weather.",
        ],
      ]);
      const toolParts = (messages[1]?.parts ?? []).flatMap((part) =>
        part.type === "tool-go_weather"
          ? [
              part.state === "output-available"
                ? { toolCallId: part.toolCallId, input: part.input, output: part.output }
                : { toolCallId: part.toolCallId, input: part.input, errorText: part.errorText },
            ]
          : [],
      );
      expect(toolParts).toEqual([
        { toolCallId: "call-paris", input: { location: "Paris" }, output: paris },
        { toolCallId: "call-nowhere", input: { location: "" }, errorText: nowhere },
      ]);

      // The store names the Go runner on each call; the ValidationError was final (no retry).
      const { toolCalls } = await test.toolCalls.listToolCalls({ threadId });
      expect(
        toolCalls.map((call) => ({
          toolCallId: call.toolCallId,
          status: call.status,
          attempt: call.attempt,
          runnerId: call.runnerId,
        })),
      ).toEqual([
        { toolCallId: "call-paris", status: ToolCallStatus.COMPLETED, attempt: 1, runnerId },
        { toolCallId: "call-nowhere", status: ToolCallStatus.FAILED, attempt: 1, runnerId },
      ]);
    });
  });
});

// createToolRunner against a real nats-server: the test plays the server's side of the runner
// wire protocol (runner.proto) on a fresh prefix, and every runner and stream is torn down.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import {
  RegisterToolsRequestSchema,
  RegisterToolsResponseSchema,
  ToolKind,
  ToolProgressState,
} from "@durable-agents/core/proto";
import { AckPolicy } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pino from "pino";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool, type ToolDefinition } from "../define-tool.js";
import { createDemoTools } from "../demo-tools.js";
import {
  captureLog,
  NATS_URL,
  natsIsAvailable,
  openTestNats,
  outcomeResult,
  type TestNats,
  waitUntil,
} from "../test-support/nats.js";
import { startPrivateNats } from "../test-support/private-nats.js";
import { createToolRunner, type ToolRunner, type ToolRunnerOptions } from "./tool-runner.js";

const available = await natsIsAvailable();
const silent = pino({ level: "silent" });

/** A promise with its resolve function, for handlers the test holds open. */
function gate<T = void>() {
  let open: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

describe.skipIf(!available)("createToolRunner over NATS JetStream", { timeout: 30_000 }, () => {
  let nats: TestNats;
  const runners: ToolRunner[] = [];
  const connections: NatsConnection[] = [];
  /** Handlers held open by a test are released at teardown, so nothing outlives it. */
  const teardown: (() => void)[] = [];

  const startRunner = async (options: Partial<ToolRunnerOptions> & { tools: ToolDefinition[] }) => {
    const runner = createToolRunner({
      nats: NATS_URL,
      prefix: nats.prefix,
      logger: silent,
      ...options,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };

  /** A connection the test owns, so it can cut it like a dying process would. */
  const ownConnection = async () => {
    const nc = await connect({ servers: NATS_URL });
    connections.push(nc);
    return nc;
  };

  /** Creates the tools' consumers before any runner, as a server could have. */
  const createConsumersFirst = async (toolNames: string[], ackWaitMs = 30_000) => {
    await nats.jsm.streams.add({
      name: nats.names.toolsStream,
      subjects: [nats.names.toolsStreamSubjects],
      retention: "workqueue",
    });
    for (const toolName of toolNames) {
      await nats.jsm.consumers.add(nats.names.toolsStream, {
        durable_name: nats.names.consumerName(toolName),
        filter_subject: nats.names.execSubject(toolName),
        ack_policy: AckPolicy.Explicit,
        ack_wait: ackWaitMs * 1_000_000,
      });
    }
  };

  beforeEach(async () => {
    nats = await openTestNats();
  });

  afterEach(async () => {
    for (const release of teardown.splice(0)) release();
    await Promise.all(runners.splice(0).map((runner) => runner.close()));
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
    await nats.close();
  });

  it("runs a task and publishes its result, then acks it (B15, X9 claimed/running)", async () => {
    const weather = defineTool({
      name: "get_weather",
      description: "Weather",
      args: z.object({ location: z.string() }),
      handler: async ({ location }, context) => ({
        location,
        attempt: context.attempt,
        key: context.idempotencyKey,
      }),
    });
    const runner = await startRunner({ tools: [weather], runnerId: "runner-a" });
    const { threadId, toolCallId } = await nats.publishTask({
      toolName: "get_weather",
      args: { location: "Oslo" },
      attempt: 2,
    });

    const outcome = await nats.nextOutcome();

    expect(runner.runnerId).toBe("runner-a");
    expect({
      threadId: outcome.threadId,
      toolCallId: outcome.toolCallId,
      attempt: outcome.attempt,
      runnerId: outcome.runnerId,
      result: outcomeResult(outcome),
    }).toEqual({
      threadId,
      toolCallId,
      attempt: 2,
      runnerId: "runner-a",
      result: { location: "Oslo", attempt: 2, key: `${threadId}:${toolCallId}` },
    });
    expect(outcome.duration).toBeDefined();
    // Acked only after the outcome's PubAck: the work queue drops the task.
    await waitUntil("the task to be acked", async () => (await nats.pendingTasks()) === 0);
    await waitUntil("claimed and running progress", () => nats.progress.length >= 2);
    expect(
      nats.progress.slice(0, 2).map((progress) => [progress.state, progress.runnerId]),
    ).toEqual([
      [ToolProgressState.CLAIMED, "runner-a"],
      [ToolProgressState.RUNNING, "runner-a"],
    ]);
  });
  it("X6 runs the handler in the task's trace, answers with it, and counts the execution", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const seen: (string | undefined)[] = [];
    const weather = defineTool({
      name: "get_weather",
      description: "Weather",
      args: z.object({ location: z.string() }),
      handler: async (_args, context) => {
        seen.push(context.traceContext?.traceparent);
        return { weather: "sunny" };
      },
    });
    const registry = new Registry();
    await startRunner({ tools: [weather], metricsRegistry: registry });
    await nats.publishTask({
      toolName: "get_weather",
      args: { location: "Oslo" },
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });

    const { outcome, traceparent } = await nats.nextOutcomeMessage();

    expect(outcomeResult(outcome)).toEqual({ weather: "sunny" });
    // No SDK is registered: the no-op tracer carries the task's context through unchanged.
    expect(seen).toEqual([`00-${traceId}-00f067aa0ba902b7-01`]);
    expect(traceparent).toBe(`00-${traceId}-00f067aa0ba902b7-01`);
    // The execution is counted once its outcome is acked, just after the outcome arrives.
    const executions = async () =>
      (await registry.getSingleMetric("durable_agents_runner_tool_executions_total")?.get())
        ?.values;
    await waitUntil("the execution to be counted", async () => (await executions())?.length === 1);
    expect(await executions()).toEqual([
      { labels: { tool: "get_weather", outcome: "result" }, value: 1 },
    ]);
    const inFlight = await registry
      .getSingleMetric("durable_agents_runner_tool_executions_in_flight")
      ?.get();
    expect(inFlight?.values).toEqual([{ labels: { tool: "get_weather" }, value: 0 }]);
  });

  it("answers invalid arguments with an error the model can read, retryable_hint false (B15)", async () => {
    let calls = 0;
    const weather = defineTool({
      name: "get_weather",
      description: "Weather",
      args: z.object({ location: z.string() }),
      handler: async () => {
        calls += 1;
        return null;
      },
    });
    await startRunner({ tools: [weather] });
    await nats.publishTask({ toolName: "get_weather", args: { location: 42 } });

    const outcome = await nats.nextOutcome();

    expect(outcome.outcome.case).toBe("error");
    const error = outcome.outcome.case === "error" ? outcome.outcome.value : undefined;
    expect(error?.message).toMatch(/^Invalid arguments for tool get_weather: .*location/s);
    expect(error?.retryableHint).toBe(false);
    expect(calls).toBe(0);
  });

  it("reports a failing handler's name, code and status, and its shouldRetry verdict (B15, B23)", async () => {
    class UpstreamError extends Error {
      override readonly name = "UpstreamError";
      readonly code = "EUPSTREAM";
      readonly status = 503;
    }
    const plain = defineTool({
      name: "plain",
      description: "Fails",
      args: z.object({}),
      handler: async () => {
        throw new UpstreamError("upstream is down");
      },
    });
    const judged = defineTool({
      name: "judged",
      description: "Fails and judges itself",
      args: z.object({}),
      handler: async () => {
        throw new UpstreamError("try later");
      },
      shouldRetry: () => ({ retryable: true, delayMs: 1_500 }),
    });
    await startRunner({ tools: [plain, judged] });
    await nats.publishTask({ toolName: "plain", args: {}, toolCallId: "plain-call" });
    await nats.publishTask({ toolName: "judged", args: {}, toolCallId: "judged-call" });

    const outcomes = [await nats.nextOutcome(), await nats.nextOutcome()];
    const errors = Object.fromEntries(
      outcomes.map((outcome) => [
        outcome.toolCallId,
        outcome.outcome.case === "error"
          ? {
              message: outcome.outcome.value.message,
              name: outcome.outcome.value.name,
              code: outcome.outcome.value.code,
              status: outcome.outcome.value.status,
              retryableHint: outcome.outcome.value.retryableHint,
              retryDelayMs:
                outcome.outcome.value.retryDelay === undefined
                  ? undefined
                  : durationMs(outcome.outcome.value.retryDelay),
            }
          : outcome.outcome.case,
      ]),
    );

    expect(errors).toEqual({
      // No shouldRetry: the hint stays unset and the server's classifier decides (B23).
      "plain-call": {
        message: "upstream is down",
        name: "UpstreamError",
        code: "EUPSTREAM",
        status: 503,
        retryableHint: undefined,
        retryDelayMs: undefined,
      },
      "judged-call": {
        message: "try later",
        name: "UpstreamError",
        code: "EUPSTREAM",
        status: 503,
        retryableHint: true,
        retryDelayMs: 1_500,
      },
    });
  });

  it("serves the demo tools: get_weather's result and request_approval's callback_delivered (§8, B16)", async () => {
    await startRunner({ tools: createDemoTools() });
    await nats.publishTask({
      toolName: "get_weather",
      args: { location: "Oslo" },
      toolCallId: "w",
    });
    await nats.publishTask({
      toolName: "request_approval",
      args: { request: "approve my trip" },
      kind: "async",
      toolCallId: "a",
    });

    const outcomes = [await nats.nextOutcome(), await nats.nextOutcome()];

    expect(
      Object.fromEntries(outcomes.map((outcome) => [outcome.toolCallId, outcomeResult(outcome)])),
    ).toEqual({
      w: { weather: "sunny", temperature: 22 },
      a: "callbackDelivered",
    });
  });

  it("aborts the handler of a cancelled attempt within 1 s (X9, B11)", async () => {
    const started = gate();
    const reasons: unknown[] = [];
    const slow = defineTool({
      name: "slow",
      description: "Runs until aborted",
      args: z.object({}),
      handler: async (_args, { signal }) => {
        started.open();
        const reason = await aborted(signal);
        reasons.push(reason);
        throw reason;
      },
    });
    await startRunner({ tools: [slow] });
    const { threadId, toolCallId } = await nats.publishTask({ toolName: "slow", args: {} });
    await started.promise;

    // Another attempt's cancellation leaves this one alone; 0 means any attempt of the call.
    await nats.cancel("slow", { threadId, toolCallId, attempt: 7, reason: "not this attempt" });
    const cancelledAt = Date.now();
    await nats.cancel("slow", { threadId, toolCallId, attempt: 0, reason: "thread stopped" });
    await waitUntil("the handler to observe the abort", () => reasons.length > 0, 1_000);

    expect(Date.now() - cancelledAt).toBeLessThan(1_000);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ name: "AbortError", message: "thread stopped" });
    const outcome = await nats.nextOutcome();
    expect(outcome.outcome.case === "error" ? outcome.outcome.value.name : "").toBe("AbortError");
  });

  it("aborts the handler at the task's deadline, and skips a task already past it (X9, B18)", async () => {
    const observed: { reason: unknown; atMs: number }[] = [];
    let calls = 0;
    const slow = defineTool({
      name: "slow",
      description: "Runs until aborted",
      args: z.object({}),
      handler: async (_args, { signal }) => {
        calls += 1;
        const reason = await aborted(signal);
        observed.push({ reason, atMs: Date.now() });
        throw reason;
      },
    });
    await startRunner({ tools: [slow] });
    await nats.publishTask({
      toolName: "slow",
      args: {},
      deadlineMs: Date.now() - 1,
      toolCallId: "late",
    });
    const late = await nats.nextOutcome();
    expect(late.outcome.case === "error" ? late.outcome.value : undefined).toMatchObject({
      message: "The tool call's deadline passed before it ran",
      retryableHint: false,
    });
    expect(calls).toBe(0);

    const deadlineMs = Date.now() + 400;
    await nats.publishTask({ toolName: "slow", args: {}, deadlineMs, toolCallId: "timed" });
    const timed = await nats.nextOutcome();

    expect(timed.toolCallId).toBe("timed");
    expect(calls).toBe(1);
    expect(observed[0]?.reason).toMatchObject({ name: "TimeoutError" });
    expect(observed[0]?.atMs).toBeGreaterThanOrEqual(deadlineMs);
    expect(observed[0]?.atMs).toBeLessThan(deadlineMs + 1_000);
  });

  it("never runs more handlers at once than its concurrency, over all its tools", async () => {
    let running = 0;
    let most = 0;
    const work = async () => {
      running += 1;
      most = Math.max(most, running);
      // Real work takes time; this is the handler's duration, not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, 40));
      running -= 1;
      return "done";
    };
    const tools = ["first", "second"].map((name) =>
      defineTool({ name, description: name, args: z.object({}), handler: work }),
    );
    // Queued before the runner starts, so all of them are available at once.
    await createConsumersFirst(["first", "second"]);
    for (let index = 0; index < 10; index += 1) {
      await nats.publishTask({ toolName: index % 2 === 0 ? "first" : "second", args: {} });
    }

    await startRunner({ tools, concurrency: 3 });
    const outcomes = [];
    for (let index = 0; index < 10; index += 1) outcomes.push(await nats.nextOutcome());

    expect(outcomes.map(outcomeResult)).toEqual(Array(10).fill("done"));
    expect(most).toBe(3);
  });

  it("keeps a long handler's task with in-progress acks and heartbeats (X9)", async () => {
    await createConsumersFirst(["long"], 1_000);
    const executions: string[] = [];
    const long = (runnerName: string) =>
      defineTool({
        name: "long",
        description: "Takes longer than the ack wait",
        args: z.object({}),
        handler: async () => {
          executions.push(runnerName);
          // Three ack waits long: without in-progress acks JetStream would redeliver it.
          await new Promise((resolve) => setTimeout(resolve, 3_000));
          return runnerName;
        },
      });
    await startRunner({ tools: [long("a")], heartbeatIntervalMs: 200, runnerId: "a" });
    await nats.publishTask({ toolName: "long", args: {} });
    await waitUntil("runner a to start the task", () => executions.length === 1);
    await startRunner({ tools: [long("b")], heartbeatIntervalMs: 200, runnerId: "b" });

    const outcome = await nats.nextOutcome();

    expect(outcomeResult(outcome)).toBe("a");
    expect(executions).toEqual(["a"]);
    const running = nats.progress.filter(
      (progress) => progress.state === ToolProgressState.RUNNING && progress.runnerId === "a",
    );
    expect(running.length).toBeGreaterThanOrEqual(5);
  });

  it("leaves the task of a runner that died unacked: another runner gets it (DESIGN §3)", async () => {
    await createConsumersFirst(["fragile"], 1_000);
    const runs: string[] = [];
    const blocked = gate();
    teardown.push(() => blocked.open());
    const fragile = (runnerName: string, block: boolean) =>
      defineTool({
        name: "fragile",
        description: "Runs once per runner",
        args: z.object({ n: z.number() }),
        handler: async ({ n }) => {
          runs.push(runnerName);
          if (block) await blocked.promise;
          return { n, by: runnerName };
        },
      });
    const dying = await ownConnection();
    await startRunner({ nats: dying, tools: [fragile("a", true)], runnerId: "a" });
    await nats.publishTask({ toolName: "fragile", args: { n: 1 } });
    await waitUntil("runner a to start the task", () => runs.length === 1);

    // The process dies: its connection drops with the task unacked.
    await dying.close();
    await startRunner({ tools: [fragile("b", false)], runnerId: "b" });
    const outcome = await nats.nextOutcome();

    expect(runs).toEqual(["a", "b"]);
    expect([outcome.runnerId, outcomeResult(outcome)]).toEqual(["b", { n: 1, by: "b" }]);
    await waitUntil("the task to be acked", async () => (await nats.pendingTasks()) === 0);
  });

  it("registers its tools, retrying until a server answers, while serving tasks (RegisterTools)", async () => {
    const log = captureLog();
    const approval = defineTool({
      name: "approve",
      description: "Asks for approval",
      args: z.object({ request: z.string() }),
      kind: "async",
      retry: { enabled: true, maxAttempts: 5 },
      timeoutMs: 60_000,
      handler: async () => undefined,
    });
    await startRunner({ tools: [approval], runnerId: "registrar", logger: log.logger });
    await log.waitFor("a loud log that no server answered", (line) =>
      String(line.msg).startsWith("no server answered RegisterTools"),
    );
    // Tasks are served while no server has answered.
    await nats.publishTask({ toolName: "approve", args: { request: "x" }, kind: "async" });
    expect(outcomeResult(await nats.nextOutcome())).toBe("callbackDelivered");

    const requests: ReturnType<typeof fromBinary<typeof RegisterToolsRequestSchema>>[] = [];
    const server = nats.nc.subscribe(nats.names.registerSubject, {
      queue: "servers",
      callback: (error, message) => {
        if (error !== null) return;
        const request = fromBinary(RegisterToolsRequestSchema, message.data);
        requests.push(request);
        message.respond(
          toBinary(
            RegisterToolsResponseSchema,
            create(RegisterToolsResponseSchema, { tools: request.tools }),
          ),
        );
      },
    });
    teardown.push(() => server.unsubscribe());
    await log.waitFor("the registration", (line) => line.msg === "tools registered with a server");

    expect(requests).toHaveLength(1);
    const [tool] = requests[0]?.tools ?? [];
    expect(requests[0]?.runnerId).toBe("registrar");
    expect({
      name: tool?.name,
      description: tool?.description,
      kind: tool?.kind,
      inputSchema: tool?.inputSchema,
      retry: { enabled: tool?.retry?.enabled, maxAttempts: tool?.retry?.maxAttempts },
      timeoutMs: tool?.timeout === undefined ? undefined : durationMs(tool.timeout),
    }).toEqual({
      name: "approve",
      description: "Asks for approval",
      kind: ToolKind.ASYNC,
      inputSchema: approval.inputSchema,
      retry: { enabled: true, maxAttempts: 5 },
      timeoutMs: 60_000,
    });
  });

  it("lets an in-flight handler finish on close() and publishes its outcome (graceful drain)", async () => {
    const started = gate();
    const finish = gate();
    const tool = defineTool({
      name: "steady",
      description: "Finishes when told",
      args: z.object({}),
      handler: async () => {
        started.open();
        await finish.promise;
        return "finished";
      },
    });
    const runner = await startRunner({ tools: [tool], runnerId: "drainer" });
    await nats.publishTask({ toolName: "steady", args: {} });
    await started.promise;

    const closed = runner.close();
    finish.open();
    await closed;

    const outcome = await nats.nextOutcome();
    expect([outcome.runnerId, outcomeResult(outcome)]).toEqual(["drainer", "finished"]);
    expect(await nats.pendingTasks()).toBe(0);
  });

  it("hands back (nak) a task whose handler outlives close()'s drain timeout (graceful drain)", async () => {
    const started = gate();
    const reasons: unknown[] = [];
    const stubborn = (runnerName: string) =>
      defineTool({
        name: "stubborn",
        description: "Finishes only when aborted on runner a",
        args: z.object({}),
        handler: async (_args, { signal }) => {
          if (runnerName === "b") return "b finished";
          started.open();
          reasons.push(await aborted(signal));
          return "a finished after all";
        },
      });
    const runner = await startRunner({
      tools: [stubborn("a")],
      runnerId: "a",
      drainTimeoutMs: 200,
    });
    await nats.publishTask({ toolName: "stubborn", args: {} });
    await started.promise;

    await runner.close();
    const handedBackAt = Date.now();
    await startRunner({ tools: [stubborn("b")], runnerId: "b" });
    const outcome = await nats.nextOutcome();

    expect(reasons).toEqual([expect.objectContaining({ name: "AbortError" })]);
    expect([outcome.runnerId, outcomeResult(outcome)]).toEqual(["b", "b finished"]);
    // Handed back at once, not after the consumer's 30 s ack wait.
    expect(Date.now() - handedBackAt).toBeLessThan(10_000);
  });

  /** A tool whose result is `sizeBytes` characters of text; counts its runs. */
  const bigResultTool = (sizeBytes: number) => {
    const runs = { count: 0 };
    const tool = defineTool({
      name: "big_result",
      description: "Returns a large text",
      args: z.object({}),
      handler: async () => {
        runs.count += 1;
        return { text: "x".repeat(sizeBytes) };
      },
    });
    return { tool, runs };
  };

  it("answers a result over NATS's max payload with a permanent error and acks the task, instead of retrying it forever", async () => {
    await using server = await startPrivateNats({ maxPayloadBytes: 4_096 });
    const side = await openTestNats(server.url);
    const { tool, runs } = bigResultTool(8_000);
    const runner = createToolRunner({
      nats: server.url,
      prefix: side.prefix,
      logger: silent,
      tools: [tool],
      runnerId: "runner-big",
    });
    try {
      await runner.start();
      const { threadId, toolCallId } = await side.publishTask({
        toolName: "big_result",
        args: {},
        attempt: 2,
      });

      const outcome = await side.nextOutcome();

      expect({
        threadId: outcome.threadId,
        toolCallId: outcome.toolCallId,
        attempt: outcome.attempt,
        runnerId: outcome.runnerId,
        case: outcome.outcome.case,
      }).toEqual({ threadId, toolCallId, attempt: 2, runnerId: "runner-big", case: "error" });
      const error = outcome.outcome.case === "error" ? outcome.outcome.value : undefined;
      expect(error?.message).toMatch(
        /^Tool result of \d+ bytes exceeds the NATS max payload of 4096 bytes$/u,
      );
      expect(Number(/of (\d+) bytes/u.exec(error?.message ?? "")?.[1])).toBeGreaterThan(8_000);
      expect(error?.retryableHint).toBe(false);
      // Acked: the work queue dropped the task, so it is never redelivered or run again.
      await waitUntil("the task to be acked", async () => (await side.pendingTasks()) === 0);
      const consumer = await side.jsm.consumers.info(
        side.names.toolsStream,
        side.names.consumerName("big_result"),
      );
      expect([consumer.num_ack_pending, consumer.num_redelivered]).toEqual([0, 0]);
      expect(runs.count).toBe(1);
    } finally {
      await runner.close();
      await side.close();
    }
  });

  it("answers a result JetStream refuses for the stream's max_msg_size with a permanent error, instead of retrying it forever", async () => {
    // An operator's outcomes stream with a message size limit below NATS's max payload.
    await nats.jsm.streams.add({
      name: nats.names.outcomesStream,
      subjects: [nats.names.outcomeSubject],
      retention: "workqueue",
      max_msg_size: 2_048,
    });
    const { tool, runs } = bigResultTool(4_000);
    await startRunner({ tools: [tool] });
    await nats.publishTask({ toolName: "big_result", args: {} });

    const outcome = await nats.nextOutcome();

    const error = outcome.outcome.case === "error" ? outcome.outcome.value : undefined;
    expect(error?.message).toMatch(
      /^Tool result of \d+ bytes was refused by NATS: message size exceeds maximum allowed$/u,
    );
    expect(error?.retryableHint).toBe(false);
    await waitUntil("the task to be acked", async () => (await nats.pendingTasks()) === 0);
    expect(runs.count).toBe(1);
  });
});

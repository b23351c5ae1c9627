// X10 operable recovery through real HTTP/2 gRPC: ListStuck names what lost its owner or
// heartbeat, ForceFailThread fails a thread (its turn and tools stop, watchers see it), and
// RequeueToolCall dispatches a lost tool call as a new attempt whose late predecessor is ignored.
// The server's clock is injected, so "a heartbeat 45 s old" takes no waiting.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { protoValueToJson } from "@durable-agents/core";
import {
  ErrorKind,
  StreamStatus,
  StuckReason,
  ThreadStatus,
  ToolCallStatus,
  ToolExecutionState,
} from "@durable-agents/core/proto";
import { createStore, type Store } from "@durable-agents/server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { killAllChildServers, startChildServer } from "../faults/support/child-server.js";
import { waitForStreamedText } from "../faults/support/streamed-text.js";
import { listAllMessages, outline } from "../support/conversation.js";
import { aborted, within } from "../support/deadline.js";
import { createTestDatabase } from "../support/postgres.js";
import { failureOf } from "../support/rpc-errors.js";
import { createGate, createScriptedModel, toolCallReply } from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  approvalTool,
  httpError,
  startThread,
  waitForToolCall,
  weatherTool,
  whenAborted,
} from "../support/tool-harness.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { latestThread, recordWatch, streamStateEvents } from "../support/watch-recorder.js";

const DEADLINE_MS = 20_000;
/** Child processes, PostgreSQL databases and servers take a while on a busy machine. */
const TEST_TIMEOUT_MS = 60_000;
/** Between two looks at a polled condition (not a wait for it: the deadline bounds that). */
const POLL_INTERVAL_MS = 20;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await killAllChildServers();
});

/** A clock the test moves forward; the server reads it for every decision. */
function createClock() {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer({
    ...options,
    // Periodic recovery would repair what the test wants listed; start-up recovery still runs.
    engine: { recoveryIntervalMs: 3_600_000, ...options?.engine },
  });
  cleanups.push(() => server.close());
  await startupRecoveryRan(server);
  return server;
}

/**
 * Waits until the start-up recovery (B20) ran: the shared recovery job re-armed itself an interval
 * ahead. Run later, after the test moved the clock, it would repair what the test wants listed.
 */
async function startupRecoveryRan(server: TestServer): Promise<void> {
  const { context } = server.server.engine;
  await pollUntil(async () => {
    const job = await context.store.findJob("recovery", "recovery");
    return job !== undefined && job.leaseOwner === null && job.runAt > context.now() + 60_000;
  }, "the start-up recovery");
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "durable-agents-x10-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A property of the real object, methods bound to it (so private state stays reachable). */
function forward(target: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === "function" ? value.bind(target) : value;
}

/**
 * Stores that lose the first write of a completed tool call (whichever of them makes it), as a
 * database that went away mid-report would: the runner's outcome is never recorded. `lost`
 * resolves when that happened.
 */
function createOutcomeLoss(): { wrap(store: Store): Store; lost: Promise<void> } {
  const lost = createGate();
  let armed = true;
  type Transaction = Parameters<Parameters<Store["transaction"]>[0]>[0];
  const wrapTransaction = (tx: Transaction): Transaction =>
    new Proxy(tx, {
      get(target, property) {
        // A call's outcome is recorded by this compare-and-set (finishToolCall).
        if (property !== "updatePendingToolCall") return forward(target, property);
        const update: Transaction["updatePendingToolCall"] = async (...args) => {
          if (armed && args[3].status === "completed") {
            armed = false;
            lost.open();
            throw new Error("injected: the database went away");
          }
          return target.updatePendingToolCall(...args);
        };
        return update;
      },
    });
  return {
    lost: lost.promise,
    wrap: (store) =>
      new Proxy(store, {
        get(target, property) {
          if (property !== "transaction") return forward(target, property);
          const transaction: Store["transaction"] = (fn) =>
            target.transaction((tx) => fn(wrapTransaction(tx)));
          return transaction;
        },
      }),
  };
}

/** Polls `condition` until it holds; fails at the deadline. */
async function pollUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${DEADLINE_MS} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** The server's log as JSON lines, so a test can wait for one (never a sleep). */
function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      for (const waiter of [...waiters]) waiter();
      done();
    },
  });
  return {
    logger: pino({ level: "debug" }, stream),
    until(accept: (line: Record<string, unknown>) => boolean, what: string) {
      return within(
        new Promise<void>((resolve) => {
          const check = () => {
            if (!lines.some(accept)) return;
            waiters.delete(check);
            resolve();
          };
          waiters.add(check);
          check();
        }),
        DEADLINE_MS,
        what,
      );
    },
  };
}

const threadEventsWith = (status: ThreadStatus) => (events: Parameters<typeof latestThread>[0]) =>
  latestThread(events)?.status === status;

describe("X10 ListStuck and ForceFailThread", { timeout: TEST_TIMEOUT_MS }, () => {
  it("X10 B3 a turn whose server was SIGKILLed: ListStuck names its lost heartbeat, ForceFailThread fails it FORCED, watchers see it, and the thread can be resumed", async () => {
    // The scaled deployment's database, shared by the replicas (DESIGN §2).
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const prompt = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");
    // The demo model pauses 50 ms between words, so the answer streams for seconds.
    const child = await startChildServer({
      store: database.url,
      config: { providers: { demo: { type: "demo", chunkDelayMs: 50 } } },
    });
    const { thread: created } = await child.threads.createThread({ agent: "demo", prompt });
    const threadId = created?.threadId ?? "";
    await waitForStreamedText(child.streams, threadId);
    await child.kill();

    // Another replica survives; it cannot tell the turn's owner is gone until its heartbeat is
    // older than 40 s (B2).
    const store = await createStore(database.url);
    cleanups.push(() => store.close());
    const clock = createClock();
    const server = await start({ store, engine: { now: clock.now } });
    const fresh = await server.admin.listStuck({});
    expect(fresh.threads).toEqual([]);
    expect(fresh.toolCalls).toEqual([]);
    expect(fresh.nextPageToken).toBe("");

    clock.advance(45_000);
    const stuck = await server.admin.listStuck({});
    expect(
      stuck.threads.map((entry) => [entry.thread?.threadId, StuckReason[entry.reason]]),
    ).toEqual([[threadId, "STREAM_HEARTBEAT_LOST"]]);
    expect(stuck.threads[0]?.detail).toMatch(
      /^stream 1 has had no heartbeat for \d+s \(alive within 40s\) \(lock .+\)$/,
    );
    expect(stuck.threads[0]?.thread?.status).toBe(ThreadStatus.STREAMING);
    expect(stuck.toolCalls).toEqual([]);

    const watch = await recordWatch(server.streams, threadId);
    cleanups.push(() => watch.stop());
    const reason = "operator: the turn's server is gone";
    const { thread: failed } = await server.admin.forceFailThread({ threadId, reason });
    expect(failed?.status).toBe(ThreadStatus.FAILED);
    expect(failed?.activeStreamId).toBeUndefined();
    expect(failed?.failure).toMatchObject({
      error: reason,
      kind: ErrorKind.FORCED,
      retryable: false,
      requiresExplicitHandling: true,
    });
    const events = await watch.until(threadEventsWith(ThreadStatus.FAILED), "the failed thread");
    expect(latestThread(events)?.failure?.kind).toBe(ErrorKind.FORCED);
    expect(
      streamStateEvents(events)
        .filter((stream) => stream.status === StreamStatus.ABORTED)
        .map((stream) => [stream.streamSeq, stream.abortReason]),
    ).toEqual([[1n, "forced"]]);
    expect(await server.admin.listStuck({})).toMatchObject({ threads: [], toolCalls: [] });

    // Retried by the operator: nothing changes.
    const again = await server.admin.forceFailThread({ threadId, reason: "a second reason" });
    expect(again.thread?.version).toBe(failed?.version);
    expect(again.thread?.failure?.error).toBe(reason);

    // The failed turn saved no answer (B9), so the thread resumes cleanly (B12).
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", `text:${prompt}`],
    ]);
    await server.threads.resumeThread({ threadId });
    const done = await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(done.failure).toBeUndefined();
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", `text:${prompt}`],
      ["assistant", `text:You said: ${prompt}`],
    ]);
  });

  it("X10 ForceFailThread stops a live turn and its running tool: the model call and the handler are aborted, the call fails naming the reason, and its late result is ignored", async () => {
    const handlerStarted = createGate();
    const release = createGate();
    const weather = weatherTool(async () => {
      handlerStarted.open();
      // Ignores its AbortSignal, as a careless tool would, and answers after the thread failed.
      await release.promise;
      return { weather: "late", temperature: 0 };
    });
    const never = createGate();
    const scripted = createScriptedModel(() =>
      toolCallReply("call_paris", "get_weather", { location: "Paris" }, never.promise),
    );
    const log = captureLog();
    const server = await start({
      logger: log.logger,
      tools: [weather.tool],
      agents: [{ name: "held", model: scripted.model, tools: ["get_weather"] }],
    });
    // A failing test must not leave handlers or turns waiting: the server's close drains them.
    cleanups.push(async () => {
      release.open();
      never.open();
    });
    const { thread: created } = await server.threads.createThread({ agent: "held" });
    const threadId = created?.threadId ?? "";
    const watch = await recordWatch(server.streams, threadId);
    cleanups.push(() => watch.stop());
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "Paris?" } });
    await within(handlerStarted.promise, DEADLINE_MS, "the tool handler's start");

    const reason = "operator: provider hung";
    const { thread: failed } = await server.admin.forceFailThread({ threadId, reason });
    expect(failed?.status).toBe(ThreadStatus.FAILED);
    expect(failed?.failure?.kind).toBe(ErrorKind.FORCED);

    // The turn (B3, X2) and the tool's execution (X9) hear it and stop.
    await within(aborted(scripted.calls[0]?.abortSignal), DEADLINE_MS, "the model call's abort");
    const toolError = `Tool call failed because an operator force-failed the thread: ${reason}`;
    const [execution] = weather.executions;
    expect(
      await within(
        whenAborted(execution?.context.signal ?? AbortSignal.abort()),
        DEADLINE_MS,
        "the handler's abort",
      ),
    ).toBe(toolError);

    const events = await watch.until(threadEventsWith(ThreadStatus.FAILED), "the failed thread");
    const callFailedAt = events.findIndex(
      ({ response: { event } }) =>
        event.case === "toolCall" && event.value.status === ToolCallStatus.FAILED,
    );
    const threadFailedAt = events.findIndex(
      ({ response: { event } }) =>
        event.case === "thread" && event.value.status === ThreadStatus.FAILED,
    );
    // A watcher that sees the failed thread has already seen its call fail.
    expect(callFailedAt).toBeGreaterThan(-1);
    expect(callFailedAt).toBeLessThan(threadFailedAt);

    release.open();
    await log.until(
      (line) => line.msg === "stale tool outcome ignored" && line.toolCallId === "call_paris",
      "the late result being ignored",
    );
    const { toolCall } = await server.toolCalls.getToolCall({ threadId, toolCallId: "call_paris" });
    expect(toolCall).toMatchObject({ status: ToolCallStatus.FAILED, error: toolError, attempt: 1 });
    const { thread } = await server.threads.getThread({ threadId });
    expect(thread?.version).toBe(failed?.version);
    expect(thread?.status).toBe(ThreadStatus.FAILED);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:Paris?"],
    ]);
    expect(scripted.calls).toHaveLength(1);
  });

  it("X10 ForceFailThread fails an idle thread too and fails its pending async call; a retried call changes nothing", async () => {
    const approval = approvalTool(async () => {});
    const server = await start({ tools: [approval.tool] });
    const threadId = await startThread(server.threads, "please approve my trip");
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const idleId = await startThread(server.threads, "hello");
    await waitForThread(server.streams, idleId, isIdle);

    const { thread: failed } = await server.admin.forceFailThread({
      threadId,
      reason: "no approver",
    });
    expect(failed).toMatchObject({
      status: ThreadStatus.FAILED,
      failure: { kind: ErrorKind.FORCED, error: "no approver" },
    });
    const { toolCalls } = await server.toolCalls.listToolCalls({ threadId });
    expect(toolCalls.map((call) => [call.status, call.error])).toEqual([
      [
        ToolCallStatus.FAILED,
        "Tool call failed because an operator force-failed the thread: no approver",
      ],
    ]);
    // The answer that arrives later is ignored (B17).
    const late = await server.toolCalls.addToolResult({
      threadId,
      toolCallId: toolCalls[0]?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "approved" } },
    });
    expect(late.applied).toBe(false);
    expect((await server.threads.getThread({ threadId })).thread?.version).toBe(failed?.version);

    const { thread: idleFailed } = await server.admin.forceFailThread({
      threadId: idleId,
      reason: "cleanup",
    });
    expect(idleFailed).toMatchObject({
      status: ThreadStatus.FAILED,
      failure: { kind: ErrorKind.FORCED },
    });
    const retried = await server.admin.forceFailThread({ threadId: idleId, reason: "cleanup" });
    expect(retried.thread?.version).toBe(idleFailed?.version);
    expect(outline(await listAllMessages(server.threads, idleId))).toEqual([
      ["user", "text:hello"],
      ["assistant", "text:You said: hello"],
    ]);
  });
});

describe("X10 RequeueToolCall", { timeout: TEST_TIMEOUT_MS }, () => {
  it("X10 a sync call whose handler hangs is dispatched again as attempt 2; the conversation completes once and the late attempt-1 result is ignored", async () => {
    const clock = createClock();
    const firstStarted = createGate();
    const releaseFirst = createGate();
    const secondStarted = createGate();
    const releaseSecond = createGate();
    const weather = weatherTool(async (_args, context) => {
      if (context.attempt > 1) {
        secondStarted.open();
        await releaseSecond.promise;
        return { weather: "sunny", temperature: 22 };
      }
      firstStarted.open();
      // Ignores its AbortSignal and answers late, with what must not be used.
      await releaseFirst.promise;
      return { weather: "stale", temperature: -1 };
    });
    const log = captureLog();
    const server = await start({
      logger: log.logger,
      tools: [weather.tool],
      engine: { now: clock.now },
    });
    cleanups.push(async () => {
      releaseFirst.open();
      releaseSecond.open();
    });
    const threadId = await startThread(server.threads, "weather in Paris");
    await within(firstStarted.promise, DEADLINE_MS, "attempt 1's start");

    // However long it runs, an execution this server holds and heartbeats is alive, not stuck.
    clock.advance(61_000);
    expect((await server.admin.listStuck({})).toolCalls).toEqual([]);

    const { toolCall: requeued } = await server.admin.requeueToolCall({
      threadId,
      toolCallId: "demo_call_1",
    });
    expect(requeued).toMatchObject({
      status: ToolCallStatus.PENDING,
      attempt: 2,
      maxAttempts: 2,
      executionState: ToolExecutionState.QUEUED,
      runnerId: "",
    });
    // The runner holding attempt 1 (here the server itself) is told to cancel it.
    const [first] = weather.executions;
    expect(
      await within(
        whenAborted(first?.context.signal ?? AbortSignal.abort()),
        DEADLINE_MS,
        "attempt 1's abort",
      ),
    ).toBe("Attempt 1 was superseded by attempt 2 (RequeueToolCall)");

    // Attempt 1 answers while attempt 2 still runs: its result is another attempt's, ignored.
    await within(secondStarted.promise, DEADLINE_MS, "attempt 2's start");
    releaseFirst.open();
    await log.until(
      (line) =>
        line.msg === "stale tool outcome ignored" &&
        line.toolCallId === "demo_call_1" &&
        line.attempt === 1,
      "attempt 1's late result being ignored",
    );
    const { toolCall: during } = await server.toolCalls.getToolCall({
      threadId,
      toolCallId: "demo_call_1",
    });
    expect(during).toMatchObject({ status: ToolCallStatus.PENDING, attempt: 2 });
    // Attempt 2 is still this server's execution (attempt 1's end did not drop it): a minute on,
    // it is neither stuck nor re-dispatched by recovery.
    clock.advance(61_000);
    expect((await server.admin.listStuck({})).toolCalls).toEqual([]);
    expect((await server.admin.resumePendingToolExecutions({})).redispatchedCount).toBe(0);
    expect((await server.threads.getThread({ threadId })).thread?.status).toBe(
      ThreadStatus.AWAITING_TOOL_RESULTS,
    );

    releaseSecond.open();
    const done = await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);

    const { toolCall } = await server.toolCalls.getToolCall({
      threadId,
      toolCallId: "demo_call_1",
    });
    expect(toolCall?.status).toBe(ToolCallStatus.COMPLETED);
    expect(toolCall?.attempt).toBe(2);
    expect(protoValueToJson(toolCall?.result)).toEqual({ weather: "sunny", temperature: 22 });
    expect(weather.executions.map((execution) => execution.context.attempt)).toEqual([1, 2]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
    expect((await server.threads.getThread({ threadId })).thread?.version).toBe(done.version);
  });

  it("X10 a retry scheduled an hour ahead is dispatched now as the same attempt", async () => {
    const weather = weatherTool(
      async (_args, context) => {
        if (context.attempt === 1) throw httpError(503, "Service Unavailable");
        return { weather: "sunny", temperature: 22 };
      },
      {
        retry: {
          enabled: true,
          maxAttempts: 3,
          backoff: { strategy: "fixed", delayMs: 3_600_000, jitter: "none" },
        },
      },
    );
    const server = await start({ tools: [weather.tool] });
    const threadId = await startThread(server.threads, "weather in Kyiv");
    const scheduled = await waitForToolCall(
      server.streams,
      threadId,
      "demo_call_1",
      (call) => call.executionState === ToolExecutionState.RETRY_SCHEDULED,
    );
    expect(scheduled).toMatchObject({ attempt: 2, lastError: "Service Unavailable" });

    const { toolCall: requeued } = await server.admin.requeueToolCall({
      threadId,
      toolCallId: "demo_call_1",
    });
    // Attempt 2 was never sent: it goes now, under its own number (no attempt is skipped).
    expect(requeued).toMatchObject({
      attempt: 2,
      maxAttempts: 3,
      executionState: ToolExecutionState.QUEUED,
    });
    expect(requeued?.nextRetryTime).toBeUndefined();
    const done = await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(weather.executions.map((execution) => execution.context.attempt)).toEqual([1, 2]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather in Kyiv"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Kyiv is sunny, 22°C.",
      ],
    ]);
  });

  it("X10 a sync call whose outcome was lost is listed with its silent runner, and RequeueToolCall completes it", async () => {
    const clock = createClock();
    const dir = tempDir();
    const store = await createStore(`sqlite:${join(dir, "agents.db")}`);
    cleanups.push(() => store.close());
    const loss = createOutcomeLoss();
    const weather = weatherTool(async () => ({ weather: "sunny", temperature: 22 }));
    const server = await start({
      store: loss.wrap(store),
      tools: [weather.tool],
      engine: { now: clock.now },
    });
    const threadId = await startThread(server.threads, "weather in Oslo");
    await within(loss.lost, DEADLINE_MS, "the lost outcome");
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    expect((await server.admin.listStuck({})).toolCalls).toEqual([]);

    clock.advance(90_000);
    const stuck = await server.admin.listStuck({});
    expect(stuck.threads).toEqual([]);
    expect(
      stuck.toolCalls.map((entry) => [entry.toolCall?.toolCallId, StuckReason[entry.reason]]),
    ).toEqual([["demo_call_1", "TOOL_HEARTBEAT_LOST"]]);
    expect(stuck.toolCalls[0]?.detail).toMatch(
      /^runner local:\S+ has not reported on attempt 1 for 1m3\ds \(limit 1m\)$/,
    );

    await server.admin.requeueToolCall({ threadId, toolCallId: "demo_call_1" });
    const done = await waitForThread(server.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(weather.executions.map((execution) => execution.context.attempt)).toEqual([1, 2]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather in Oslo"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Oslo is sunny, 22°C.",
      ],
    ]);
    expect(await server.admin.listStuck({})).toMatchObject({ threads: [], toolCalls: [] });
  });
});

describe("X10 AdminService errors", { timeout: TEST_TIMEOUT_MS }, () => {
  it("X10 unknown threads and calls are NOT_FOUND, finished or async calls FAILED_PRECONDITION, bad input INVALID_ARGUMENT", async () => {
    const approval = approvalTool(async () => {});
    const server = await start({ tools: [approval.tool] });
    const weatherThread = await startThread(server.threads, "weather in Rome");
    await waitForThread(server.streams, weatherThread, isIdle);
    const approvalThread = await startThread(server.threads, "please approve");
    await waitForThread(
      server.streams,
      approvalThread,
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
    );
    const missing = "0190b3c2-0000-7000-8000-000000000000";

    expect(
      await failureOf(server.admin.forceFailThread({ threadId: missing, reason: "x" })),
    ).toEqual({
      code: "NotFound",
      reason: "THREAD_NOT_FOUND",
      fields: [],
    });
    expect(
      await failureOf(server.admin.forceFailThread({ threadId: weatherThread, reason: " " })),
    ).toEqual({
      code: "InvalidArgument",
      reason: "INVALID_ARGUMENT",
      fields: ["reason"],
    });
    // A reason is copied into the failure and every pending call's error: at most 4096 characters.
    expect(
      await failureOf(
        server.admin.forceFailThread({ threadId: approvalThread, reason: "r".repeat(4097) }),
      ),
    ).toEqual({
      code: "InvalidArgument",
      reason: "INVALID_ARGUMENT",
      fields: ["reason"],
    });
    expect(
      await failureOf(server.admin.forceFailThread({ threadId: "", reason: "x" })),
    ).toMatchObject({
      code: "InvalidArgument",
      fields: ["thread_id"],
    });
    expect(
      await failureOf(
        server.admin.requeueToolCall({ threadId: missing, toolCallId: "demo_call_1" }),
      ),
    ).toMatchObject({
      code: "NotFound",
      reason: "THREAD_NOT_FOUND",
    });
    expect(
      await failureOf(
        server.admin.requeueToolCall({ threadId: weatherThread, toolCallId: "nope" }),
      ),
    ).toMatchObject({
      code: "NotFound",
      reason: "TOOL_CALL_NOT_FOUND",
    });
    expect(
      await failureOf(server.admin.requeueToolCall({ threadId: weatherThread, toolCallId: "" })),
    ).toMatchObject({
      code: "InvalidArgument",
      fields: ["tool_call_id"],
    });
    // Completed (B17 calls it finished), and async (its result comes from AddToolResult).
    expect(
      await failureOf(
        server.admin.requeueToolCall({ threadId: weatherThread, toolCallId: "demo_call_1" }),
      ),
    ).toMatchObject({
      code: "FailedPrecondition",
      reason: "TOOL_CALL_NOT_PENDING",
    });
    expect(
      await failureOf(
        server.admin.requeueToolCall({ threadId: approvalThread, toolCallId: "demo_call_1" }),
      ),
    ).toMatchObject({
      code: "FailedPrecondition",
      reason: "TOOL_CALL_ASYNC",
    });
    expect(await failureOf(server.admin.listStuck({ pageToken: "not-a-token" }))).toMatchObject({
      code: "InvalidArgument",
      fields: ["page_token"],
    });
    expect(await failureOf(server.admin.listStuck({ pageSize: -1 }))).toMatchObject({
      code: "InvalidArgument",
      fields: ["page_size"],
    });
    // Nothing was changed by the refused calls.
    const { toolCall } = await server.toolCalls.getToolCall({
      threadId: approvalThread,
      toolCallId: "demo_call_1",
    });
    expect(toolCall).toMatchObject({ status: ToolCallStatus.PENDING, attempt: 1 });
  });
});

/** Two replicas' stores on one database, and a store to read it directly. */
type ReplicaStores = { a: Store; b: Store; reader: Store };

const replicaDatabases: [string, () => Promise<ReplicaStores>][] = [
  [
    "PostgreSQL, a store per replica",
    async () => {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      const a = await createStore(database.url);
      const b = await createStore(database.url);
      cleanups.push(async () => {
        await a.close();
        await b.close();
      });
      return { a, b, reader: a };
    },
  ],
  [
    // SQLite is one process's (docs/decisions.md): the replicas share one Store in this process.
    "one SQLite store shared by two replicas in this process",
    async () => {
      const store = await createStore(`sqlite:${join(tempDir(), "shared.db")}`);
      cleanups.push(() => store.close());
      return { a: store, b: store, reader: store };
    },
  ],
];

describe.each(replicaDatabases)(
  "B20 recovery passes on replicas of one database: %s",
  (_name, openStores) => {
    it("B20 X10 a pass that listed a lost call before another replica's pass re-dispatched it does not send it again", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const stores = await openStores();
      const clock = createClock();
      const loss = createOutcomeLoss();
      const releaseSecond = createGate();
      const executions: { replica: string; attempt: number }[] = [];
      const toolFor = (replica: string) =>
        weatherTool(async (_args, context) => {
          executions.push({ replica, attempt: context.attempt });
          // The first execution's outcome is lost; the re-dispatched one waits for the test.
          if (executions.length > 1) await releaseSecond.promise;
          return { weather: "sunny", temperature: 22 };
        }).tool;

      // Replica A's pass lists the pending calls, then, before acting on its list, waits until
      // replica B's pass has re-dispatched the call and that dispatch has run: A's list is stale.
      let pauseAfterListing: (() => Promise<void>) | undefined;
      let claimsPaused = false;
      const replicaAStore = new Proxy(loss.wrap(stores.a), {
        get(target, property) {
          if (property === "listPendingSyncToolCalls") {
            const list: Store["listPendingSyncToolCalls"] = async (...args) => {
              const page = await target.listPendingSyncToolCalls(...args);
              const pause = pauseAfterListing;
              pauseAfterListing = undefined;
              if (pause !== undefined) await pause();
              return page;
            };
            return list;
          }
          // Meanwhile replica A claims no job, so B's dispatch runs on B.
          if (property === "claimDueJobs" && claimsPaused) {
            const claim: Store["claimDueJobs"] = async () => [];
            return claim;
          }
          return forward(target, property);
        },
      });
      const replicaA = await start({
        store: replicaAStore,
        tools: [toolFor("a")],
        engine: { now: clock.now },
      });
      const replicaB = await start({
        store: loss.wrap(stores.b),
        tools: [toolFor("b")],
        engine: { now: clock.now },
      });
      const replicas = [replicaA, replicaB];
      cleanups.push(async () => releaseSecond.open());
      const isExecutingAnywhere = () =>
        replicas.some((replica) =>
          replica.server.engine.context.transport.isExecutingLocally(threadId, "demo_call_1"),
        );

      // The call ran once and its outcome was lost: a minute later its runner counts as gone.
      const threadId = await startThread(replicaA.threads, "weather in Lima");
      await within(loss.lost, DEADLINE_MS, "the lost outcome");
      await pollUntil(async () => !isExecutingAnywhere(), "the first execution's end");
      clock.advance(61_000);

      claimsPaused = true;
      const dispatchKey = `${threadId}:demo_call_1:1`;
      pauseAfterListing = async () => {
        expect((await replicaB.admin.resumePendingToolExecutions({})).redispatchedCount).toBe(1);
        await pollUntil(
          async () =>
            executions.length === 2 &&
            (await stores.reader.findJob("dispatch_tool", dispatchKey)) === undefined,
          "replica B's dispatch",
        );
      };
      const fromA = await replicaA.admin.resumePendingToolExecutions({});
      claimsPaused = false;
      // A's list was stale: the call changed since, so A left it to the pass that changed it.
      expect(fromA.redispatchedCount).toBe(0);

      releaseSecond.open();
      await pollUntil(async () => {
        const { thread } = await replicaB.threads.getThread({ threadId });
        return thread !== undefined && isIdle(thread);
      }, "the completed thread");
      expect(executions).toEqual([
        { replica: executions[0]?.replica, attempt: 1 },
        { replica: "b", attempt: 1 },
      ]);
      const { thread } = await replicaB.threads.getThread({ threadId });
      expect(thread?.status).toBe(ThreadStatus.COMPLETED);
      expect(outline(await listAllMessages(replicaB.threads, threadId))).toEqual([
        ["user", "text:weather in Lima"],
        [
          "assistant",
          "tool-get_weather:output-available",
          "text:The weather in Lima is sunny, 22°C.",
        ],
      ]);
    });
  },
);

// AdminService recovery through real HTTP/2 gRPC (DESIGN §6 B20): RecoverThreads continues threads
// whose turn is gone, ResumePendingToolExecutions re-dispatches sync calls whose execution is gone.
// The server's clock is injected (STYLE: an injected clock for timers), so "a turn that stopped
// heartbeating 45 s ago" or "a runner silent for a minute" take no waiting.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamStatus, ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { createStore, type Store } from "@durable-agents/server";
import { afterEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { createGate, createScriptedModel, textReply } from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startThread, weatherTool } from "../support/tool-harness.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { recordWatch } from "../support/watch-recorder.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
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
    // Periodic recovery would race the RPCs under test; start-up recovery still runs.
    engine: { recoveryIntervalMs: 3_600_000, ...options?.engine },
  });
  cleanups.push(() => server.close());
  return server;
}

type Transaction = Parameters<Parameters<Store["transaction"]>[0]>[0];

/** A property of the real object, methods bound to it (so private state stays reachable). */
function forward(target: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === "function" ? value.bind(target) : value;
}

/**
 * A real SQLite store that loses the first write of a completed tool call, as a database that went
 * away mid-report would: the runner's outcome is never recorded.
 */
async function storeLosingFirstOutcome(): Promise<{ store: Store; lost: Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "durable-agents-recovery-"));
  const store = await createStore(`sqlite:${join(dir, "agents.db")}`);
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lost = createGate();
  let armed = true;
  const wrapTransaction = (tx: Transaction): Transaction =>
    new Proxy(tx, {
      get(target, property) {
        // A call's outcome is recorded by this compare-and-set (finishToolCall).
        if (property !== "updatePendingToolCall") return forward(target, property);
        const update: Transaction["updatePendingToolCall"] = async (...args) => {
          const [, , , patch] = args;
          if (armed && patch.status === "completed") {
            armed = false;
            lost.open();
            throw new Error("injected: the database went away");
          }
          return target.updatePendingToolCall(...args);
        };
        return update;
      },
    });
  const faulty = new Proxy(store, {
    get(target, property) {
      if (property !== "transaction") return forward(target, property);
      const transaction: Store["transaction"] = (fn) =>
        target.transaction((tx) => fn(wrapTransaction(tx)));
      return transaction;
    },
  });
  return { store: faulty, lost: lost.promise };
}

describe("B20 AdminService recovery", () => {
  it("B20 RecoverThreads and ResumePendingToolExecutions find nothing to do on a healthy server", async () => {
    const server = await start({});
    const completed = await startThread(server.threads, "weather in Paris");
    const awaiting = await startThread(server.threads, "please approve");
    await waitForThread(server.streams, completed, isIdle);
    await waitForThread(server.streams, awaiting, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));

    expect((await server.admin.recoverThreads({})).continuedCount).toBe(0);
    expect((await server.admin.resumePendingToolExecutions({})).redispatchedCount).toBe(0);
    // Nothing moved: the awaiting thread still waits for its async result.
    const { thread } = await server.threads.getThread({ threadId: awaiting });
    expect(thread?.status).toBe(ThreadStatus.AWAITING_TOOL_RESULTS);
    expect(thread?.activeStreamId).toBeUndefined();
  });

  it("B20 B2 RecoverThreads restarts a thread whose turn stopped heartbeating, and leaves a live one alone", async () => {
    const clock = createClock();
    const never = createGate();
    const scripted = createScriptedModel((index) =>
      index === 0
        ? {
            parts: [
              { type: "text-start", id: "t1" },
              { type: "text-delta", id: "t1", delta: "Thinking" },
            ],
            holdUntil: never.promise,
          }
        : textReply("Recovered answer."),
    );
    const server = await start({
      agents: [{ name: "stuck", model: scripted.model }],
      engine: { now: clock.now },
    });
    const { thread } = await server.threads.createThread({ agent: "stuck" });
    const threadId = thread?.threadId ?? "";
    const watch = await recordWatch(server.streams, threadId);
    cleanups.push(() => watch.stop());
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "hi" } });
    await watch.until(
      (events) =>
        events.some(
          ({ response: { event } }) =>
            event.case === "streamState" && event.value.status === StreamStatus.STREAMING,
        ),
      "streaming turn",
    );

    // The turn heartbeats: recovery must not touch it.
    expect((await server.admin.recoverThreads({})).continuedCount).toBe(0);
    expect(scripted.calls).toHaveLength(1);

    // 45 s later its last heartbeat is older than the 40 s liveness threshold (B2): the turn is
    // presumed dead, its stream expires and a new turn runs.
    clock.advance(45_000);
    expect((await server.admin.recoverThreads({})).continuedCount).toBe(1);
    await waitForThread(server.streams, threadId, isIdle);
    expect(scripted.calls).toHaveLength(2);
    const events = await watch.until(
      (seen) =>
        seen.some(
          ({ response: { event } }) =>
            event.case === "streamState" && event.value.abortReason === "expired",
        ),
      "expired stream",
    );
    const expired = events.flatMap(({ response: { event } }) =>
      event.case === "streamState" && event.value.status === StreamStatus.ABORTED
        ? [event.value]
        : [],
    );
    expect(expired.map((stream) => [stream.streamSeq, stream.abortReason])).toEqual([
      [1n, "expired"],
    ]);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Recovered answer."],
    ]);
    expect((await server.admin.recoverThreads({})).continuedCount).toBe(0);
  });

  it("B20 ResumePendingToolExecutions re-dispatches a sync call whose outcome was lost, once its runner is silent", async () => {
    const clock = createClock();
    const { store, lost } = await storeLosingFirstOutcome();
    const weather = weatherTool(async () => ({ weather: "sunny", temperature: 22 }));
    const server = await start({ store, tools: [weather.tool], engine: { now: clock.now } });
    const threadId = await startThread(server.threads, "weather in Paris");
    await lost;
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const { toolCall } = await server.toolCalls.getToolCall({
      threadId,
      toolCallId: "demo_call_1",
    });
    expect(toolCall?.status).toBe(ToolCallStatus.PENDING);
    expect(weather.executions).toHaveLength(1);

    // Its runner reported progress moments ago: it may still be working, so nothing is resent.
    expect((await server.admin.resumePendingToolExecutions({})).redispatchedCount).toBe(0);
    // A minute of silence: the execution is presumed lost and the call dispatched again.
    clock.advance(61_000);
    expect((await server.admin.resumePendingToolExecutions({})).redispatchedCount).toBe(1);
    await waitForThread(server.streams, threadId, isIdle);

    expect(weather.executions).toHaveLength(2);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
    expect((await server.admin.resumePendingToolExecutions({})).redispatchedCount).toBe(0);
    expect((await server.admin.recoverThreads({})).continuedCount).toBe(0);
  });
});

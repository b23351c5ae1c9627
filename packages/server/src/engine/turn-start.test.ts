// B2, B3: a turn this process has a free slot for starts with its stream already taken, in the
// transaction that creates it (no run_turn job, no take transaction); a turn without a slot waits
// as a pending stream and a run_turn job until a slot frees.
import { getMaxListeners } from "node:events";
import type { LanguageModelV3, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import type { ThreadStatus } from "@durable-agents/core";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalEventBus } from "../events/local-event-bus.js";
import type { ThreadRecord } from "../store/records.js";
import { createTestTransport } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import type { AgentDefinition } from "./context.js";
import { createEngine, type Engine } from "./engine.js";
import { JOB, turnJobKey } from "./jobs.js";

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** A model that answers each prompt with its last user text, once the test opens that turn's gate. */
function createGatedModel() {
  const calls: { prompt: string; open: () => void }[] = [];
  const waiting: ((call: { prompt: string; open: () => void }) => void)[] = [];
  const model: LanguageModelV3 = {
    specificationVersion: "v3",
    provider: "test",
    modelId: "gated",
    supportedUrls: {},
    async doGenerate() {
      throw new Error("the gated model only streams");
    },
    async doStream({ prompt }) {
      const lastUser = prompt.filter((message) => message.role === "user").at(-1);
      const text = lastUser?.content
        .map((part) => (part.type === "text" ? part.text : ""))
        .join("");
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      const call = { prompt: text ?? "", open };
      const waiter = waiting.shift();
      if (waiter === undefined) calls.push(call);
      else waiter(call);
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async start(controller) {
          controller.enqueue({ type: "stream-start", warnings: [] });
          await opened;
          controller.enqueue({ type: "text-start", id: "t" });
          controller.enqueue({ type: "text-delta", id: "t", delta: `re: ${call.prompt}` });
          controller.enqueue({ type: "text-end", id: "t" });
          controller.enqueue({
            type: "finish",
            finishReason: { unified: "stop", raw: "stop" },
            usage,
          });
          controller.close();
        },
      });
      return { stream };
    },
  };
  /** The next model call, in the order the turns called the model. */
  const nextCall = () =>
    new Promise<{ prompt: string; open: () => void }>((resolve) => {
      const call = calls.shift();
      if (call === undefined) waiting.push(resolve);
      else resolve(call);
    });
  return { model, nextCall };
}

describe("B2 B3 turn start", () => {
  let testStore: TestSqliteStore;
  let engine: Engine;
  let nextCall: ReturnType<typeof createGatedModel>["nextCall"];

  let clock: number;

  beforeEach(async () => {
    clock = Date.now();
    testStore = await createTestSqliteStore();
    const gated = createGatedModel();
    nextCall = gated.nextCall;
    const agent: AgentDefinition = {
      name: "gated",
      modelName: "test:gated",
      model: gated.model,
      system: undefined,
      tools: [],
      retry: {},
      toolRetry: undefined,
      streaming: { saveDeltas: true, throttleMs: 0, includeToolInputDeltas: false },
      maxSteps: 10,
      hooks: {},
    };
    engine = await createEngine({
      store: testStore.store,
      bus: createLocalEventBus(),
      transport: createTestTransport(),
      agents: [agent],
      localTools: [],
      logger: pino({ level: "silent" }),
      maxConcurrentTurns: 1,
      // Every reading of the clock is a millisecond later than the one before: a stream taken
      // after its creation has a later heartbeat than its creation time.
      now: () => ++clock,
    });
  });

  afterEach(async () => {
    await engine.close();
    await testStore.remove();
  });

  const createThread = (prompt: string) =>
    engine.createThread({
      agent: "gated",
      prompt,
      messages: [],
      autoStart: true,
      metadata: {},
      owner: null,
    });

  /** Resolves once the thread's committed state has `status`. */
  function reaches(threadId: string, status: ThreadStatus): Promise<ThreadRecord> {
    return new Promise((resolve, reject) => {
      const unsubscribe = engine.context.bus.subscribe(threadId, (event) => {
        if (event.type === "thread" && event.thread.status === status) {
          unsubscribe();
          resolve(event.thread);
        }
      });
      testStore.store.getThread(threadId).then((thread) => {
        if (thread === undefined || thread.status !== status) return;
        unsubscribe();
        resolve(thread);
      }, reject);
    });
  }

  const activeStreamOf = async (threadId: string) => {
    const streamId = (await testStore.store.getThread(threadId))?.activeStreamId;
    if (streamId == null) throw new Error(`thread ${threadId} has no active stream`);
    const stream = await testStore.store.getStream(streamId);
    if (stream === undefined) throw new Error(`stream ${streamId} is missing`);
    return stream;
  };

  it("creates the stream taken when a turn slot is free, and queues the turn as a job when none is", async () => {
    const first = await createThread("first");
    const firstCall = await nextCall();
    // The messages the transaction that created the turn appended reached the model.
    expect(firstCall.prompt).toBe("first");
    const taken = await activeStreamOf(first.threadId);
    // Taken as it was created, in one transaction.
    expect(taken).toMatchObject({ status: "streaming", heartbeatAt: taken.createdAt });
    expect(taken.lockId?.startsWith(`${engine.context.instanceId}:`)).toBe(true);
    expect(await testStore.store.findJob(JOB.runTurn, turnJobKey(taken.streamId))).toBeUndefined();

    // The only turn slot is busy: the second turn waits for its job to be claimed.
    const second = await createThread("second");
    const queued = await activeStreamOf(second.threadId);
    expect(queued).toMatchObject({ status: "pending", lockId: null, heartbeatAt: null });
    expect(await testStore.store.findJob(JOB.runTurn, turnJobKey(queued.streamId))).toMatchObject({
      leaseOwner: null,
    });

    const firstDone = reaches(first.threadId, "completed");
    firstCall.open();
    await firstDone;
    const secondCall = await nextCall();
    expect(secondCall.prompt).toBe("second");
    const secondDone = reaches(second.threadId, "completed");
    secondCall.open();
    await secondDone;
    expect(await testStore.store.findJob(JOB.runTurn, turnJobKey(queued.streamId))).toBeUndefined();
    const [, answer] = await testStore.store.listMessages(second.threadId, {
      includeSystem: true,
      limit: 10,
    });
    expect(answer?.parts).toContainEqual(
      expect.objectContaining({ type: "text", text: "re: second" }),
    );
  });

  it("lets every turn slot's turn listen for the shutdown without a leak warning", () => {
    // One slot here (maxConcurrentTurns: 1); a server's default is 100 turns, past Node's 10.
    expect(getMaxListeners(engine.context.shutdownSignal)).toBe(1);
  });
});

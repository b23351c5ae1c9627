// A step that changes the thread and then continues it (B2) writes the thread row once: the
// watchers' thread version moves by one, and the onStatusChange hook hears only the transition
// that committed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import type { ThreadRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { createTestEngineContext } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import type { EngineContext } from "./context.js";
import { userTextMessage } from "./messages.js";
import { sendMessage } from "./thread-operations.js";
import { finishToolCall } from "./tool-calls.js";
import { mutate } from "./unit-of-work.js";

describe("one update of the thread per step (B2)", () => {
  let testStore: TestSqliteStore;
  let store: Store;
  let context: EngineContext;
  const transitions: string[] = [];

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    store = testStore.store;
    transitions.length = 0;
    context = createTestEngineContext(store, {
      now: () => T0,
      hooks: {
        onStatusChange: ({ thread, previousStatus }) => {
          transitions.push(`${previousStatus} -> ${thread.status}`);
        },
      },
    });
  });

  afterEach(() => testStore.remove());

  async function seed(thread: ThreadRecord): Promise<ThreadRecord> {
    await store.transaction((tx) => tx.insertThread(thread));
    return thread;
  }

  it("SendMessage on a stopped thread resumes it and starts its turn in one update", async () => {
    const thread = await seed(
      threadRecord({ status: "stopped", stopSignal: true, loopTurnCount: 3, version: 7, seq: 2 }),
    );

    const { thread: sent } = await sendMessage(context, {
      threadId: thread.threadId,
      owner: thread.owner,
      message: userTextMessage(context, "go on"),
      onBusy: "reject",
    });

    const stored = await store.getThread(thread.threadId);
    expect(stored).toStrictEqual(sent);
    expect(stored).toMatchObject({
      version: 8,
      status: "streaming",
      stopSignal: false,
      loopTurnCount: 1,
      seq: 3,
    });
    expect(stored?.activeStreamId).not.toBeNull();
    expect(transitions).toEqual(["stopped -> streaming"]);
  });

  it("a thread's last tool outcome takes its stream's seq and starts the next turn in one update", async () => {
    const thread = await seed(
      threadRecord({ status: "awaiting_tool_results", version: 4, seq: 1 }),
    );
    const call = toolCallRecord(thread.threadId, { executionState: "running" });
    await store.transaction((tx) => tx.insertToolCall(call));

    const { applied } = await mutate(context, (tx, changes) =>
      finishToolCall(context, tx, changes, thread.threadId, call.toolCallId, {
        type: "result",
        result: { forecast: "sunny" },
      }),
    );

    expect(applied).toBe(true);
    const stored = await store.getThread(thread.threadId);
    // Seq 2 is the outcome's stream, seq 3 the next turn's.
    expect(stored).toMatchObject({ version: 5, status: "streaming", seq: 3, loopTurnCount: 1 });
    const streams = await store.listStreams(thread.threadId);
    expect(streams.map((stream) => [stream.seq, stream.kind, stream.status])).toEqual([
      [2, "tool_outcome", "finished"],
      [3, "turn", "pending"],
    ]);
    expect(stored?.activeStreamId).toBe(streams[1]?.streamId);
    expect(transitions).toEqual(["awaiting_tool_results -> streaming"]);
  });
});

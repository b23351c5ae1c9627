import { describe, expect, it } from "vitest";
import type { Store } from "../store.js";
import type { ConformanceContext } from "./conformance-context.js";
import { newJob, queuedMessage, T0 } from "./fixtures.js";
import { seedMessages, seedStream, seedThread, seedToolCall } from "./seed.js";

/** A thread with rows in every table a thread owns. */
async function seedEverything(store: Store) {
  const thread = await seedThread(store);
  const messages = await seedMessages(store, thread.threadId, [{}, { role: "assistant" }]);
  const first = await seedStream(store, thread.threadId, 1, 3);
  const second = await seedStream(store, thread.threadId, 2, 1);
  const call = await seedToolCall(store, thread.threadId);
  const { queued, job } = await store.transaction(async (tx) => ({
    queued: await tx.enqueueMessage(queuedMessage(thread.threadId)),
    job: await tx.scheduleJob(newJob({ type: "tool_deadline", threadId: thread.threadId }), T0),
  }));
  return {
    // The queued message is counted on the thread (X3).
    thread: { ...thread, queuedMessageCount: 1 },
    messages,
    streams: [first.stream, second.stream],
    deltas: [...first.deltas, ...second.deltas],
    call,
    queued,
    job,
  };
}

type Seeded = Awaited<ReturnType<typeof seedEverything>>;

/** Everything the store holds for the thread, read back. */
async function readBack(store: Store, seeded: Seeded) {
  const { threadId } = seeded.thread;
  return {
    thread: await store.getThread(threadId),
    messages: await store.listMessages(threadId, { includeSystem: true, limit: 100 }),
    streams: await store.listStreams(threadId),
    deltas: await store.listDeltas(threadId, { limit: 100 }),
    call: await store.getToolCall(threadId, seeded.call.toolCallId),
    queued: await store.listQueuedMessages(threadId),
    job: await store.findJob(seeded.job.type, seeded.job.key),
  };
}

export function describeDeleteThreadConformance(context: ConformanceContext): void {
  describe("deleteThread", () => {
    it("removes the thread with its messages, streams, deltas, tool calls, queue and jobs (B21)", async () => {
      const doomed = await seedEverything(context.store);
      const kept = await seedEverything(context.store);
      const unrelatedJob = await context.store.transaction((tx) => tx.scheduleJob(newJob(), T0));

      await context.store.transaction((tx) => tx.deleteThread(doomed.thread.threadId));

      expect(await readBack(context.store, doomed)).toStrictEqual({
        thread: undefined,
        messages: [],
        streams: [],
        deltas: [],
        call: undefined,
        queued: [],
        job: undefined,
      });
      for (const stream of doomed.streams) {
        expect(await context.store.getStream(stream.streamId)).toBeUndefined();
      }
      expect(await readBack(context.store, kept)).toStrictEqual({
        thread: kept.thread,
        messages: kept.messages,
        streams: kept.streams,
        deltas: kept.deltas,
        call: kept.call,
        queued: [kept.queued],
        job: kept.job,
      });
      expect(await context.store.findJob(unrelatedJob.type, unrelatedJob.key)).toStrictEqual(
        unrelatedJob,
      );
    });

    it("deleting an unknown thread changes nothing", async () => {
      const kept = await seedEverything(context.store);
      await context.store.transaction((tx) => tx.deleteThread("no-such-thread"));
      expect((await readBack(context.store, kept)).thread).toStrictEqual(kept.thread);
    });
  });
}

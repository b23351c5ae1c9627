import { describe, expect, it } from "vitest";
import type { ConformanceContext } from "./conformance-context.js";
import {
  deltaRecord,
  messageRecord,
  newJob,
  queuedMessage,
  streamRecord,
  T0,
  threadRecord,
  toolCallRecord,
  toolDefinition,
} from "./fixtures.js";
import { rejectionOf, seedThread } from "./seed.js";

export function describeTransactionConformance(context: ConformanceContext): void {
  describe("transactions", () => {
    it("returns what the function returns, and commits its writes", async () => {
      const thread = threadRecord();
      const result = await context.store.transaction(async (tx) => {
        await tx.insertThread(thread);
        return { answer: 42 };
      });
      expect(result).toEqual({ answer: 42 });
      expect(await context.store.getThread(thread.threadId)).toStrictEqual(thread);
    });

    it("writes nothing when the function throws, and rethrows its error", async () => {
      const existing = await seedThread(context.store);
      const thread = threadRecord();
      const stream = streamRecord(thread.threadId, 1);
      const call = toolCallRecord(thread.threadId);
      const job = newJob({ threadId: thread.threadId });
      const thrown = new Error("decided to give up");
      const error = await rejectionOf(
        context.store.transaction(async (tx) => {
          await tx.insertThread(thread);
          await tx.updateThread(existing.threadId, { seq: 5 }, T0 + 1);
          await tx.appendMessage(messageRecord(thread.threadId));
          await tx.insertStream(stream);
          await tx.updateStream(stream.streamId, {}, [deltaRecord(stream, 0)]);
          await tx.insertToolCall(call);
          await tx.enqueueMessage(queuedMessage(thread.threadId));
          await tx.upsertTool(toolDefinition("rolled_back"));
          await tx.scheduleJob(job, T0);
          throw thrown;
        }),
      );
      expect(error).toBe(thrown);
      expect(await context.store.getThread(thread.threadId)).toBeUndefined();
      expect(await context.store.getThread(existing.threadId)).toStrictEqual(existing);
      expect(
        await context.store.listMessages(thread.threadId, { includeSystem: true, limit: 10 }),
      ).toEqual([]);
      expect(await context.store.getStream(stream.streamId)).toBeUndefined();
      expect(await context.store.listDeltas(thread.threadId, { limit: 10 })).toEqual([]);
      expect(await context.store.getToolCall(thread.threadId, call.toolCallId)).toBeUndefined();
      expect(await context.store.listQueuedMessages(thread.threadId)).toEqual([]);
      expect(await context.store.getTool("rolled_back")).toBeUndefined();
      expect(await context.store.findJob(job.type, job.key)).toBeUndefined();
      expect(await context.store.nextJobDueAt()).toBeUndefined();
    });

    it("reads its own writes before it commits", async () => {
      const thread = threadRecord();
      const stream = streamRecord(thread.threadId, 1);
      const job = newJob({ threadId: thread.threadId, runAt: T0 + 7 });
      await context.store.transaction(async (tx) => {
        await tx.insertThread(thread);
        expect(await tx.getThread(thread.threadId)).toStrictEqual(thread);
        const updated = await tx.updateThread(thread.threadId, { status: "streaming" }, T0 + 1);
        expect(await tx.lockThread(thread.threadId)).toStrictEqual(updated);
        const message = await tx.appendMessage(messageRecord(thread.threadId));
        expect(await tx.getLastMessage(thread.threadId)).toStrictEqual(message);
        await tx.insertStream(stream);
        await tx.updateStream(stream.streamId, {}, [deltaRecord(stream, 0)]);
        expect(await tx.getStream(stream.streamId)).toMatchObject({ deltaCount: 1 });
        expect(await tx.listDeltas(thread.threadId, { limit: 10 })).toHaveLength(1);
        await tx.insertToolCall(toolCallRecord(thread.threadId));
        expect(await tx.countPendingToolCalls(thread.threadId)).toBe(1);
        await tx.enqueueMessage(queuedMessage(thread.threadId));
        expect(await tx.listQueuedMessages(thread.threadId)).toHaveLength(1);
        const scheduled = await tx.scheduleJob(job, T0);
        expect(await tx.findJob(job.type, job.key)).toStrictEqual(scheduled);
        expect(await tx.nextJobDueAt()).toBe(T0 + 7);
      });
    });
  });
}

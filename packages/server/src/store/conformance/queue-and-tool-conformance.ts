import { describe, expect, it } from "vitest";
import type { QueuedMessageRecord } from "../store.js";
import type { ConformanceContext } from "./conformance-context.js";
import { NESTED_JSON, queuedMessage, T0, toolDefinition, usage } from "./fixtures.js";
import { seedThread } from "./seed.js";

export function describeQueueAndToolConformance(context: ConformanceContext): void {
  describe("queued messages", () => {
    it("queues in order of arrival from 0 and round-trips every field", async () => {
      const thread = await seedThread(context.store);
      const queued = [
        queuedMessage(thread.threadId),
        queuedMessage(thread.threadId, {
          metadata: NESTED_JSON,
          usage: usage(3),
          role: "assistant",
        }),
        { ...queuedMessage(thread.threadId, { metadata: null }), busyPolicy: "interrupt" as const },
      ];
      const enqueued = await context.store.transaction(async (tx) => {
        const result: QueuedMessageRecord[] = [];
        for (const message of queued) result.push(await tx.enqueueMessage(message));
        return result;
      });
      const expected = queued.map((message, queuePosition) => ({ ...message, queuePosition }));
      expect(enqueued).toStrictEqual(expected);
      expect(await context.store.listQueuedMessages(thread.threadId)).toStrictEqual(expected);
    });

    it("takeQueuedMessages returns the queue in order and empties it, for that thread only", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      const expected = await context.store.transaction(async (tx) => {
        const result: QueuedMessageRecord[] = [];
        for (let index = 0; index < 4; index += 1) {
          result.push(await tx.enqueueMessage(queuedMessage(thread.threadId)));
        }
        await tx.enqueueMessage(queuedMessage(other.threadId));
        return result;
      });
      expect(
        await context.store.transaction((tx) => tx.takeQueuedMessages(thread.threadId)),
      ).toStrictEqual(expected);
      expect(await context.store.listQueuedMessages(thread.threadId)).toEqual([]);
      expect(
        await context.store.transaction((tx) => tx.takeQueuedMessages(thread.threadId)),
      ).toEqual([]);
      expect(await context.store.listQueuedMessages(other.threadId)).toHaveLength(1);
    });

    it("counts a thread's queued messages on the thread (X3 queued_message_count)", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      await context.store.transaction(async (tx) => {
        await tx.enqueueMessage(queuedMessage(thread.threadId));
        await tx.enqueueMessage(queuedMessage(thread.threadId));
        await tx.enqueueMessage(queuedMessage(other.threadId));
      });
      expect((await context.store.getThread(thread.threadId))?.queuedMessageCount).toBe(2);
      expect((await context.store.getThread(other.threadId))?.queuedMessageCount).toBe(1);
      await context.store.transaction((tx) => tx.takeQueuedMessages(thread.threadId));
      expect((await context.store.getThread(thread.threadId))?.queuedMessageCount).toBe(0);
      expect((await context.store.getThread(other.threadId))?.queuedMessageCount).toBe(1);
    });
  });

  describe("tools", () => {
    it("round-trips tools, replaces a registration by name and lists by name", async () => {
      const plain = toolDefinition("get_weather");
      const full = toolDefinition("request_approval", {
        kind: "async",
        inputSchema: {
          type: "object",
          properties: { request: { type: "string" } },
          extra: NESTED_JSON,
        },
        retry: {
          maxAttempts: 4,
          initialDelayMs: 500,
          multiplier: 2,
          maxDelayMs: 10_000,
          jitter: true,
        },
        timeoutMs: 60_000,
        runnerId: "runner-1",
        registeredAt: T0 + 1,
      });
      const noCap = toolDefinition("alpha", {
        retry: {
          maxAttempts: 2,
          initialDelayMs: 100,
          multiplier: 1.5,
          maxDelayMs: null,
          jitter: false,
        },
      });
      await context.store.transaction(async (tx) => {
        for (const tool of [plain, full, noCap]) await tx.upsertTool(tool);
      });
      expect(await context.store.getTool("get_weather")).toStrictEqual(plain);
      expect(await context.store.getTool("request_approval")).toStrictEqual(full);
      expect(await context.store.getTool("alpha")).toStrictEqual(noCap);
      expect(await context.store.getTool("unknown")).toBeUndefined();

      const replaced = toolDefinition("get_weather", {
        description: "v2",
        runnerId: "runner-2",
        registeredAt: T0 + 9,
      });
      await context.store.transaction((tx) => tx.upsertTool(replaced));
      expect(await context.store.getTool("get_weather")).toStrictEqual(replaced);

      const names = async (afterName: string | undefined, limit: number) =>
        (await context.store.listTools(afterName, limit)).map((tool) => tool.name);
      expect(await context.store.listTools(undefined, 10)).toStrictEqual([noCap, replaced, full]);
      expect(await names(undefined, 2)).toEqual(["alpha", "get_weather"]);
      expect(await names("get_weather", 2)).toEqual(["request_approval"]);
      expect(await names("request_approval", 2)).toEqual([]);
    });
  });
}

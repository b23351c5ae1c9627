import { describe, expect, it } from "vitest";
import { isRecordNotFoundError } from "../errors.js";
import type { ToolCallRecord } from "../records.js";
import type { ListToolCallsQuery, PendingToolCallExpectation, ToolCallPatch } from "../store.js";
import type { ConformanceContext } from "./conformance-context.js";
import { NESTED_JSON, newId, T0, toolCallRecord, UNICODE_TEXT } from "./fixtures.js";
import { nth, rejectionOf, seedThread, seedToolCall } from "./seed.js";

const ids = (calls: readonly ToolCallRecord[]) => calls.map((call) => call.toolCallId);

export function describeToolCallConformance(context: ConformanceContext): void {
  describe("tool calls", () => {
    it("round-trips calls with every field set, and with nulls and no result", async () => {
      const thread = await seedThread(context.store);
      const bare = toolCallRecord(thread.threadId);
      const full = toolCallRecord(thread.threadId, {
        toolName: "request_approval",
        kind: "async",
        args: NESTED_JSON,
        status: "failed",
        result: { partial: [1, "two", null] },
        error: `failed: ${UNICODE_TEXT}`,
        attempt: 3,
        maxAttempts: 5,
        lastError: "ECONNRESET",
        nextRetryAt: T0 + 500,
        deadlineAt: T0 + 1_800_000,
        runnerId: "runner-7",
        lastHeartbeatAt: T0 + 400,
        executionState: "retry_scheduled",
        createdAt: T0 + 1,
        updatedAt: T0 + 2,
      });
      await context.store.transaction(async (tx) => {
        await tx.insertToolCall(bare);
        await tx.insertToolCall(full);
      });
      expect(await context.store.getToolCall(thread.threadId, bare.toolCallId)).toStrictEqual(bare);
      expect(await context.store.getToolCall(thread.threadId, full.toolCallId)).toStrictEqual(full);
      expect(await context.store.getToolCall(thread.threadId, newId("call"))).toBeUndefined();
    });

    it("keeps a JSON null result and null args apart from no result", async () => {
      const thread = await seedThread(context.store);
      const nullResult = await seedToolCall(context.store, thread.threadId, {
        args: null,
        status: "completed",
        result: null,
      });
      const read = await context.store.getToolCall(thread.threadId, nullResult.toolCallId);
      expect(read).toHaveProperty("result", null);
      expect(read).toHaveProperty("args", null);
      const noResult = await seedToolCall(context.store, thread.threadId);
      expect(await context.store.getToolCall(thread.threadId, noResult.toolCallId)).toHaveProperty(
        "result",
        undefined,
      );
    });

    it("keeps the first call with an id in a thread, and allows the id in another thread", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      const call = await seedToolCall(context.store, thread.threadId);
      const inserted = await context.store.transaction((tx) =>
        tx.insertToolCall({ ...call, toolName: "other" }),
      );
      expect(inserted).toBe(false);
      expect(await context.store.getToolCall(thread.threadId, call.toolCallId)).toStrictEqual(call);
      const elsewhere = await seedToolCall(context.store, other.threadId, {
        toolCallId: call.toolCallId,
      });
      expect(await context.store.getToolCall(other.threadId, call.toolCallId)).toStrictEqual(
        elsewhere,
      );
    });

    it("updateToolCall applies the patch and sets updatedAt", async () => {
      const thread = await seedThread(context.store);
      const call = await seedToolCall(context.store, thread.threadId, {
        lastError: "timeout",
        nextRetryAt: T0 + 10,
      });
      const patch: ToolCallPatch = {
        status: "completed",
        result: NESTED_JSON,
        attempt: 2,
        maxAttempts: 4,
        lastError: null,
        nextRetryAt: null,
        deadlineAt: T0 + 100,
        runnerId: "runner-1",
        lastHeartbeatAt: T0 + 50,
        executionState: "done",
      };
      const expected = { ...call, ...patch, updatedAt: T0 + 60 };
      const updated = await context.store.transaction((tx) =>
        tx.updateToolCall(thread.threadId, call.toolCallId, patch, T0 + 60),
      );
      expect(updated).toStrictEqual(expected);
      expect(await context.store.getToolCall(thread.threadId, call.toolCallId)).toStrictEqual(
        expected,
      );

      const failed = await context.store.transaction((tx) =>
        tx.updateToolCall(
          thread.threadId,
          call.toolCallId,
          { status: "failed", error: "boom" },
          T0 + 70,
        ),
      );
      expect(failed).toStrictEqual({
        ...expected,
        status: "failed",
        error: "boom",
        updatedAt: T0 + 70,
      });
    });

    it("updateToolCall of a missing call throws RecordNotFoundError", async () => {
      const thread = await seedThread(context.store);
      const error = await rejectionOf(
        context.store.transaction((tx) =>
          tx.updateToolCall(thread.threadId, newId("call"), { status: "completed" }, T0),
        ),
      );
      expect(isRecordNotFoundError(error)).toBe(true);
    });

    it("updatePendingToolCall changes a pending call only in the expected attempt and execution states", async () => {
      const thread = await seedThread(context.store);
      const call = await seedToolCall(context.store, thread.threadId, {
        attempt: 2,
        executionState: "claimed",
        runnerId: "runner-1",
        nextRetryAt: T0 + 5,
      });
      const update = (
        toolCallId: string,
        expected: PendingToolCallExpectation,
        patch: ToolCallPatch,
        now: number,
      ) =>
        context.store.transaction((tx) =>
          tx.updatePendingToolCall(thread.threadId, toolCallId, expected, patch, now),
        );
      const running: ToolCallPatch = { executionState: "running", lastHeartbeatAt: T0 + 20 };
      // Another attempt, an execution state not expected, a call that does not exist.
      expect(await update(call.toolCallId, { attempt: 1 }, running, T0 + 20)).toBeUndefined();
      expect(
        await update(
          call.toolCallId,
          { attempt: 2, executionStates: ["queued"] },
          running,
          T0 + 20,
        ),
      ).toBeUndefined();
      expect(await update(newId("call"), { attempt: 2 }, running, T0 + 20)).toBeUndefined();
      expect(await context.store.getToolCall(thread.threadId, call.toolCallId)).toStrictEqual(call);

      const expectedStates = { attempt: 2, executionStates: ["queued", "claimed"] } as const;
      const updated = await update(call.toolCallId, expectedStates, running, T0 + 20);
      const afterRunning = { ...call, ...running, updatedAt: T0 + 20 };
      expect(updated).toStrictEqual(afterRunning);
      expect(await context.store.getToolCall(thread.threadId, call.toolCallId)).toStrictEqual(
        afterRunning,
      );
      // Without expected states, any execution state of the attempt matches.
      const requeued = await update(
        call.toolCallId,
        { attempt: 2 },
        { executionState: "queued", nextRetryAt: null },
        T0 + 30,
      );
      expect(requeued).toStrictEqual({
        ...afterRunning,
        executionState: "queued",
        nextRetryAt: null,
        updatedAt: T0 + 30,
      });
    });

    it("updatePendingToolCall without an attempt finishes a pending call in any attempt, once", async () => {
      const thread = await seedThread(context.store);
      const call = await seedToolCall(context.store, thread.threadId, { attempt: 3 });
      const finish: ToolCallPatch = {
        status: "completed",
        result: { ok: true },
        executionState: "done",
      };
      const finishing = () =>
        context.store.transaction((tx) =>
          tx.updatePendingToolCall(thread.threadId, call.toolCallId, {}, finish, T0 + 50),
        );
      const finished = await finishing();
      expect(finished).toStrictEqual({ ...call, ...finish, updatedAt: T0 + 50 });
      expect(await finishing()).toBeUndefined();
      expect(await context.store.getToolCall(thread.threadId, call.toolCallId)).toStrictEqual(
        finished,
      );
    });

    it("updatePendingToolCall leaves a call that is no longer pending as it is", async () => {
      const thread = await seedThread(context.store);
      const finished = await seedToolCall(context.store, thread.threadId, {
        status: "completed",
        result: { ok: true },
        executionState: "done",
      });
      const updated = await context.store.transaction((tx) =>
        tx.updatePendingToolCall(
          thread.threadId,
          finished.toolCallId,
          { attempt: finished.attempt },
          { executionState: "running", runnerId: "runner-2" },
          T0 + 40,
        ),
      );
      expect(updated).toBeUndefined();
      expect(await context.store.getToolCall(thread.threadId, finished.toolCallId)).toStrictEqual(
        finished,
      );
    });

    it("lists a thread's calls oldest first, filtered by status, paged by (createdAt, toolCallId)", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      const specs: Array<Partial<ToolCallRecord>> = [
        { createdAt: T0 + 3, status: "pending" },
        { createdAt: T0 + 1, status: "completed" },
        { createdAt: T0 + 2, status: "pending" },
        { createdAt: T0 + 2, status: "failed" },
        { createdAt: T0 + 2, status: "pending" },
      ];
      const calls: ToolCallRecord[] = [];
      for (const spec of specs)
        calls.push(await seedToolCall(context.store, thread.threadId, spec));
      await seedToolCall(context.store, other.threadId, { createdAt: T0 });
      const ordered = [...calls].sort(
        (a, b) => a.createdAt - b.createdAt || (a.toolCallId < b.toolCallId ? -1 : 1),
      );

      expect(await context.store.listToolCalls(thread.threadId, { limit: 100 })).toStrictEqual(
        ordered,
      );
      const pending = await context.store.listToolCalls(thread.threadId, {
        statuses: ["pending"],
        limit: 100,
      });
      expect(ids(pending)).toEqual(ids(ordered.filter((call) => call.status === "pending")));
      expect(
        await context.store.listToolCalls(thread.threadId, { statuses: [], limit: 100 }),
      ).toEqual([]);

      const seen: ToolCallRecord[] = [];
      let after: ListToolCallsQuery["after"];
      for (;;) {
        const page = await context.store.listToolCalls(thread.threadId, { after, limit: 2 });
        if (page.length === 0) break;
        seen.push(...page);
        const last = nth(page, page.length - 1);
        after = { createdAt: last.createdAt, toolCallId: last.toolCallId };
      }
      expect(ids(seen)).toEqual(ids(ordered));
    });

    it("counts a thread's pending calls", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      expect(await context.store.countPendingToolCalls(thread.threadId)).toBe(0);
      await seedToolCall(context.store, thread.threadId, { status: "pending" });
      await seedToolCall(context.store, thread.threadId, { status: "pending", kind: "async" });
      await seedToolCall(context.store, thread.threadId, { status: "completed" });
      await seedToolCall(context.store, other.threadId, { status: "pending" });
      expect(await context.store.countPendingToolCalls(thread.threadId)).toBe(2);
    });

    it("pages through the pending sync calls of every thread by (threadId, toolCallId)", async () => {
      const threads = [await seedThread(context.store), await seedThread(context.store)];
      const expected: ToolCallRecord[] = [];
      for (const thread of threads) {
        for (let index = 0; index < 3; index += 1) {
          expected.push(
            await seedToolCall(context.store, thread.threadId, { createdAt: T0 - index }),
          );
        }
        await seedToolCall(context.store, thread.threadId, { kind: "async" });
        await seedToolCall(context.store, thread.threadId, { status: "completed" });
        await seedToolCall(context.store, thread.threadId, { status: "failed" });
      }
      expected.sort((a, b) =>
        a.threadId === b.threadId
          ? a.toolCallId < b.toolCallId
            ? -1
            : 1
          : a.threadId < b.threadId
            ? -1
            : 1,
      );
      const seen: ToolCallRecord[] = [];
      let after: { threadId: string; toolCallId: string } | undefined;
      for (;;) {
        const page = await context.store.listPendingSyncToolCalls(after, 4);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(4);
        seen.push(...page);
        const last = nth(page, page.length - 1);
        after = { threadId: last.threadId, toolCallId: last.toolCallId };
      }
      expect(seen).toStrictEqual(expected);
    });

    it("pages through the pending calls of every thread and kind by (threadId, toolCallId)", async () => {
      const threads = [await seedThread(context.store), await seedThread(context.store)];
      const expected: ToolCallRecord[] = [];
      for (const thread of threads) {
        expected.push(await seedToolCall(context.store, thread.threadId, { createdAt: T0 + 1 }));
        expected.push(
          await seedToolCall(context.store, thread.threadId, { kind: "async", createdAt: T0 }),
        );
        expected.push(
          await seedToolCall(context.store, thread.threadId, {
            executionState: "awaiting_result",
            kind: "async",
          }),
        );
        await seedToolCall(context.store, thread.threadId, { status: "completed" });
        await seedToolCall(context.store, thread.threadId, { status: "failed", kind: "async" });
      }
      expected.sort((a, b) =>
        a.threadId === b.threadId
          ? a.toolCallId < b.toolCallId
            ? -1
            : 1
          : a.threadId < b.threadId
            ? -1
            : 1,
      );
      const seen: ToolCallRecord[] = [];
      let after: { threadId: string; toolCallId: string } | undefined;
      for (;;) {
        const page = await context.store.listPendingToolCalls(after, 4);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(4);
        seen.push(...page);
        const last = nth(page, page.length - 1);
        after = { threadId: last.threadId, toolCallId: last.toolCallId };
      }
      expect(seen).toStrictEqual(expected);
      expect(await context.store.listPendingToolCalls(undefined, 0)).toEqual([]);
    });
  });
}

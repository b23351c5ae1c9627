import type { ThreadStatus } from "@durable-agents/core";
import { describe, expect, it } from "vitest";
import { isDuplicateRecordError, isRecordNotFoundError } from "../errors.js";
import type { ThreadRecord } from "../records.js";
import type { ListThreadsQuery, ThreadListPosition, ThreadPatch } from "../store.js";
import type { ConformanceContext } from "./conformance-context.js";
import {
  failure,
  fullThreadRecord,
  NESTED_JSON,
  newId,
  retryState,
  T0,
  threadRecord,
  usage,
} from "./fixtures.js";
import { rejectionOf, seedThread } from "./seed.js";

/** Every page of a newest-first listing, following the keyset from each page's last thread. */
async function allPages(
  context: ConformanceContext,
  query: Omit<ListThreadsQuery, "after">,
): Promise<ThreadRecord[][]> {
  const pages: ThreadRecord[][] = [];
  let after: ThreadListPosition | undefined;
  for (;;) {
    const page = await context.store.listThreads({ ...query, after });
    if (page.length === 0) return pages;
    pages.push(page);
    const last = page.at(-1);
    after = last && { createdAt: last.createdAt, threadId: last.threadId };
  }
}

/** Newest first, ties by thread id descending: the order listThreads promises (B24). */
function newestFirst(threads: readonly ThreadRecord[]): string[] {
  return [...threads]
    .sort((a, b) => b.createdAt - a.createdAt || (a.threadId < b.threadId ? 1 : -1))
    .map((thread) => thread.threadId);
}

export function describeThreadConformance(context: ConformanceContext): void {
  describe("threads", () => {
    it("round-trips a thread with every field set", async () => {
      const thread = fullThreadRecord();
      await context.store.transaction((tx) => tx.insertThread(thread));
      expect(await context.store.getThread(thread.threadId)).toStrictEqual(thread);
    });

    it("round-trips a thread whose nullable fields are null and booleans false", async () => {
      const thread = threadRecord({ metadata: {} });
      await context.store.transaction((tx) => tx.insertThread(thread));
      expect(await context.store.getThread(thread.threadId)).toStrictEqual(thread);
    });

    it("returns undefined for an unknown thread", async () => {
      expect(await context.store.getThread(newId("thread"))).toBeUndefined();
    });

    it("refuses a second thread with the same id", async () => {
      const thread = await seedThread(context.store);
      const error = await rejectionOf(
        context.store.transaction((tx) => tx.insertThread({ ...thread, agent: "other" })),
      );
      expect(isDuplicateRecordError(error)).toBe(true);
      expect(await context.store.getThread(thread.threadId)).toStrictEqual(thread);
    });

    it("updateThread applies the patch, bumps version and sets updatedAt", async () => {
      const thread = await seedThread(context.store, { version: 4 });
      const patch: ThreadPatch = {
        status: "awaiting_tool_results",
        stopSignal: true,
        activeStreamId: newId("stream"),
        continueFlag: true,
        retryState: retryState(),
        failure: failure(),
        seq: 9,
        loopTurnCount: 2,
        usage: usage(50),
        metadata: NESTED_JSON,
      };
      const expected = { ...thread, ...patch, version: 5, updatedAt: T0 + 1000 };
      const updated = await context.store.transaction((tx) =>
        tx.updateThread(thread.threadId, patch, T0 + 1000),
      );
      expect(updated).toStrictEqual(expected);
      expect(await context.store.getThread(thread.threadId)).toStrictEqual(expected);
    });

    it("updateThread sets fields back to null and false, and leaves unnamed fields alone", async () => {
      const thread = fullThreadRecord();
      await context.store.transaction((tx) => tx.insertThread(thread));
      const updated = await context.store.transaction((tx) =>
        tx.updateThread(
          thread.threadId,
          { activeStreamId: null, retryState: null, failure: null, stopSignal: false },
          T0 + 5,
        ),
      );
      expect(updated).toStrictEqual({
        ...thread,
        activeStreamId: null,
        retryState: null,
        failure: null,
        stopSignal: false,
        version: thread.version + 1,
        updatedAt: T0 + 5,
      });
    });

    it("updateThread ignores fields outside ThreadPatch in a wider object", async () => {
      const thread = await seedThread(context.store, { version: 2 });
      const wider: ThreadRecord = {
        ...thread,
        agent: "other",
        owner: "mallory",
        status: "failed",
        version: 100,
        createdAt: T0 - 1,
        updatedAt: T0 - 1,
      };
      const updated = await context.store.transaction((tx) =>
        tx.updateThread(thread.threadId, wider, T0 + 3),
      );
      expect(updated).toStrictEqual({ ...thread, status: "failed", version: 3, updatedAt: T0 + 3 });
    });

    it("updateThread with an empty patch still bumps the version", async () => {
      const thread = await seedThread(context.store);
      const first = await context.store.transaction((tx) =>
        tx.updateThread(thread.threadId, {}, T0 + 1),
      );
      const second = await context.store.transaction((tx) =>
        tx.updateThread(thread.threadId, {}, T0 + 2),
      );
      expect([first.version, second.version]).toEqual([1, 2]);
      expect(second.updatedAt).toBe(T0 + 2);
    });

    it("updateThread of a missing thread throws RecordNotFoundError", async () => {
      const error = await rejectionOf(
        context.store.transaction((tx) => tx.updateThread(newId("thread"), { seq: 1 }, T0)),
      );
      expect(isRecordNotFoundError(error)).toBe(true);
    });

    it("lockThread reads the thread inside the transaction", async () => {
      const thread = await seedThread(context.store);
      const [locked, missing] = await context.store.transaction(async (tx) => [
        await tx.lockThread(thread.threadId),
        await tx.lockThread(newId("thread")),
      ]);
      expect(locked).toStrictEqual(thread);
      expect(missing).toBeUndefined();
    });

    describe("listThreads", () => {
      async function seedListing(): Promise<{ owner: string; threads: ThreadRecord[] }> {
        const owner = newId("owner");
        const specs: Array<Partial<ThreadRecord>> = [
          { createdAt: T0 + 10, agent: "a", status: "completed" },
          { createdAt: T0 + 30, agent: "b", status: "streaming" },
          { createdAt: T0 + 20, agent: "a", status: "failed" },
          { createdAt: T0 + 20, agent: "b", status: "completed" },
          { createdAt: T0 + 20, agent: "a", status: "stopped" },
          { createdAt: T0 + 40, agent: "a", status: "awaiting_tool_results" },
          { createdAt: T0 + 5, agent: "b", status: "completed" },
        ];
        const threads: ThreadRecord[] = [];
        for (const spec of specs) threads.push(await seedThread(context.store, { ...spec, owner }));
        // Threads of other owners, including none, that the owner's listing must not show.
        await seedThread(context.store, { owner: newId("owner"), createdAt: T0 + 25 });
        await seedThread(context.store, { owner: null, createdAt: T0 + 26 });
        return { owner, threads };
      }

      it("lists an owner's threads newest first, ties by thread id", async () => {
        const { owner, threads } = await seedListing();
        const listed = await context.store.listThreads({ owner, limit: 100 });
        expect(listed.map((thread) => thread.threadId)).toEqual(newestFirst(threads));
        expect(listed).toContainEqual(threads[0]);
      });

      it("pages with the keyset of the last thread, without gaps or repeats", async () => {
        const { owner, threads } = await seedListing();
        const pages = await allPages(context, { owner, limit: 2 });
        expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1]);
        expect(pages.flat().map((thread) => thread.threadId)).toEqual(newestFirst(threads));
      });

      it("filters by agent and by statuses", async () => {
        const { owner, threads } = await seedListing();
        const ofAgentA = await context.store.listThreads({ owner, agent: "a", limit: 100 });
        expect(ofAgentA.map((thread) => thread.threadId)).toEqual(
          newestFirst(threads.filter((thread) => thread.agent === "a")),
        );
        const statuses: ThreadStatus[] = ["completed", "stopped"];
        const idle = await context.store.listThreads({ owner, statuses, limit: 100 });
        expect(idle.map((thread) => thread.threadId)).toEqual(
          newestFirst(threads.filter((thread) => statuses.includes(thread.status))),
        );
        const both = await context.store.listThreads({ owner, agent: "b", statuses, limit: 100 });
        expect(both.map((thread) => thread.threadId)).toEqual(
          newestFirst(
            threads.filter((thread) => thread.agent === "b" && statuses.includes(thread.status)),
          ),
        );
        expect(await context.store.listThreads({ owner, statuses: [], limit: 100 })).toEqual([]);
      });

      it("lists the threads without an owner apart from everyone's", async () => {
        const { owner } = await seedListing();
        const anonymous = await context.store.listThreads({ owner: null, limit: 100 });
        expect(anonymous.length).toBeGreaterThan(0);
        expect(anonymous.every((thread) => thread.owner === null)).toBe(true);
        const own = await context.store.listThreads({ owner, limit: 100 });
        expect(own.every((thread) => thread.owner === owner)).toBe(true);
      });
    });

    it("listThreadsByStatus pages every thread in the statuses by thread id", async () => {
      const busy = [
        await seedThread(context.store, { status: "streaming" }),
        await seedThread(context.store, { status: "awaiting_tool_results" }),
        await seedThread(context.store, { status: "streaming" }),
        await seedThread(context.store, { status: "awaiting_tool_results" }),
      ];
      await seedThread(context.store, { status: "completed" });
      await seedThread(context.store, { status: "failed" });
      const statuses: ThreadStatus[] = ["streaming", "awaiting_tool_results"];
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await context.store.listThreadsByStatus(statuses, after, 3);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        expect(page.every((thread) => statuses.includes(thread.status))).toBe(true);
        seen.push(...page.map((thread) => thread.threadId));
        after = page.at(-1)?.threadId;
      }
      expect(seen).toEqual(busy.map((thread) => thread.threadId).sort());
      expect(await context.store.listThreadsByStatus([], undefined, 10)).toEqual([]);
    });
  });
}

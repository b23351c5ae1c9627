import { describe, expect, it } from "vitest";
import type { ConformanceContext } from "./conformance-context.js";
import { NESTED_JSON, newJob, T0 } from "./fixtures.js";
import { seedThread } from "./seed.js";

export function describeJobConformance(context: ConformanceContext): void {
  describe("jobs", () => {
    it("scheduleJob stores an unclaimed job with a new id, found by (type, key)", async () => {
      const thread = await seedThread(context.store);
      const job = newJob({
        type: "retry_turn",
        threadId: thread.threadId,
        payload: NESTED_JSON,
        runAt: T0 + 500,
      });
      const scheduled = await context.store.transaction((tx) => tx.scheduleJob(job, T0));
      expect(scheduled).toStrictEqual({
        jobId: expect.any(String),
        ...job,
        leaseOwner: null,
        leaseUntil: null,
        failedRuns: 0,
        createdAt: T0,
      });
      expect(await context.store.findJob(job.type, job.key)).toStrictEqual(scheduled);
      expect(await context.store.findJob("other_type", job.key)).toBeUndefined();
    });

    it("scheduleJob replaces the job with the same (type, key), and only that one", async () => {
      const first = await context.store.transaction((tx) =>
        tx.scheduleJob(newJob({ type: "tool_deadline", key: "call-1", runAt: T0 + 100 }), T0),
      );
      const sameKeyOtherType = await context.store.transaction((tx) =>
        tx.scheduleJob(newJob({ type: "dispatch_tool", key: "call-1", runAt: T0 + 50 }), T0),
      );
      const moved = await context.store.transaction((tx) =>
        tx.scheduleJob(
          newJob({
            type: "tool_deadline",
            key: "call-1",
            runAt: T0 + 900,
            payload: { moved: true },
          }),
          T0 + 10,
        ),
      );
      expect(moved.jobId).not.toBe(first.jobId);
      expect(moved).toMatchObject({
        runAt: T0 + 900,
        payload: { moved: true },
        createdAt: T0 + 10,
      });
      expect(await context.store.findJob("tool_deadline", "call-1")).toStrictEqual(moved);
      expect(await context.store.findJob("dispatch_tool", "call-1")).toStrictEqual(
        sameKeyOtherType,
      );
    });

    it("scheduleJob with a lease stores the job held by its owner, who alone completes it", async () => {
      const lease = { owner: "this-process", until: T0 + 30_000 };
      const job = newJob({ type: "run_turn", key: "stream-1", runAt: T0 });
      const scheduled = await context.store.transaction((tx) => tx.scheduleJob(job, T0, lease));
      expect(scheduled).toMatchObject({ leaseOwner: "this-process", leaseUntil: T0 + 30_000 });

      // Due, but held: nobody else claims it before the lease ends.
      expect(await context.store.claimDueJobs("other", T0 + 1, 30_000, 10)).toEqual([]);
      expect(await context.store.claimJob(scheduled.jobId, "other", T0 + 1, 30_000)).toBe(
        undefined,
      );
      expect(await context.store.completeJob(scheduled.jobId, "other")).toBe(false);
      expect(await context.store.completeJob(scheduled.jobId, "this-process")).toBe(true);
      expect(await context.store.findJob(job.type, job.key)).toBeUndefined();
    });

    it("a leased job whose owner is gone is claimed once its lease ends", async () => {
      const lease = { owner: "dead-process", until: T0 + 30_000 };
      const scheduled = await context.store.transaction((tx) =>
        tx.scheduleJob(newJob({ type: "run_turn", key: "stream-2", runAt: T0 }), T0, lease),
      );
      const [claimed] = await context.store.claimDueJobs("survivor", T0 + 30_001, 30_000, 10);
      expect(claimed).toMatchObject({ jobId: scheduled.jobId, leaseOwner: "survivor" });
    });

    it("cancelJobs removes the jobs of those (type, key) pairs only", async () => {
      await context.store.transaction(async (tx) => {
        for (const [type, key] of [
          ["a", "k1"],
          ["a", "k2"],
          ["b", "k1"],
          ["b", "k2"],
          ["c", "k1"],
        ] as const) {
          await tx.scheduleJob(newJob({ type, key }), T0);
        }
      });
      await context.store.transaction((tx) => tx.cancelJobs([{ type: "a", key: "k1" }]));
      expect(await context.store.findJob("a", "k1")).toBeUndefined();
      expect(await context.store.findJob("a", "k2")).toBeDefined();
      expect(await context.store.findJob("b", "k1")).toBeDefined();
      // Several pairs in one call; a pair with no job and an empty list are no-ops.
      await context.store.transaction((tx) =>
        tx.cancelJobs([
          { type: "b", key: "k2" },
          { type: "a", key: "missing" },
          { type: "c", key: "k1" },
        ]),
      );
      await context.store.transaction((tx) => tx.cancelJobs([]));
      expect(await context.store.findJob("b", "k2")).toBeUndefined();
      expect(await context.store.findJob("c", "k1")).toBeUndefined();
      expect(await context.store.findJob("a", "k2")).toBeDefined();
      expect(await context.store.findJob("b", "k1")).toBeDefined();
    });

    it("cancelThreadJobs removes a thread's jobs, or only those of the given types", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      const schedule = (type: string, threadId: string | null) =>
        context.store.transaction((tx) =>
          tx.scheduleJob(newJob({ type, threadId, key: `${type}:${threadId}` }), T0),
        );
      for (const type of ["turn", "retry_turn", "tool_deadline"]) {
        await schedule(type, thread.threadId);
        await schedule(type, other.threadId);
        await schedule(type, null);
      }
      const exists = async (type: string, threadId: string | null) =>
        (await context.store.findJob(type, `${type}:${threadId}`)) !== undefined;

      await context.store.transaction((tx) => tx.cancelThreadJobs(thread.threadId, []));
      expect(await exists("turn", thread.threadId)).toBe(true);

      await context.store.transaction((tx) =>
        tx.cancelThreadJobs(thread.threadId, ["retry_turn", "tool_deadline"]),
      );
      expect(await exists("turn", thread.threadId)).toBe(true);
      expect(await exists("retry_turn", thread.threadId)).toBe(false);
      expect(await exists("tool_deadline", thread.threadId)).toBe(false);
      expect(await exists("retry_turn", other.threadId)).toBe(true);

      await context.store.transaction((tx) => tx.cancelThreadJobs(thread.threadId));
      expect(await exists("turn", thread.threadId)).toBe(false);
      for (const type of ["turn", "retry_turn", "tool_deadline"]) {
        expect(await exists(type, other.threadId)).toBe(true);
        expect(await exists(type, null)).toBe(true);
      }
    });

    it("nextJobDueAt is the earliest runAt, or lease end of a claimed job", async () => {
      expect(await context.store.nextJobDueAt()).toBeUndefined();
      await context.store.transaction(async (tx) => {
        await tx.scheduleJob(newJob({ runAt: T0 + 300 }), T0);
        await tx.scheduleJob(newJob({ runAt: T0 + 100 }), T0);
        await tx.scheduleJob(newJob({ runAt: T0 + 200 }), T0);
      });
      expect(await context.store.nextJobDueAt()).toBe(T0 + 100);
      // Claimed at T0 + 100 with a 1 s lease: that job is next claimable at T0 + 1100.
      const [claimed] = await context.store.claimDueJobs("owner-a", T0 + 100, 1000, 10);
      expect(await context.store.nextJobDueAt()).toBe(T0 + 200);
      await context.store.claimDueJobs("owner-a", T0 + 300, 1000, 10);
      expect(await context.store.nextJobDueAt()).toBe(T0 + 1100);
      if (claimed === undefined) throw new Error("expected a claimed job");
      expect(await context.store.completeJob(claimed.jobId, "owner-a")).toBe(true);
      expect(await context.store.nextJobDueAt()).toBe(T0 + 1300);
    });
  });
}

import { describe, expect, it } from "vitest";
import type { JobRecord } from "../records.js";
import type { Store } from "../store.js";
import type { ConformanceContext } from "./conformance-context.js";
import { newJob, T0 } from "./fixtures.js";
import { nth } from "./seed.js";

const LEASE_MS = 30_000;

async function scheduleAt(store: Store, runAts: readonly number[]): Promise<JobRecord[]> {
  return store.transaction(async (tx) => {
    const jobs: JobRecord[] = [];
    for (const runAt of runAts) jobs.push(await tx.scheduleJob(newJob({ runAt }), T0));
    return jobs;
  });
}

async function claimOne(store: Store, owner: string, now: number): Promise<JobRecord> {
  const claimed = await store.claimDueJobs(owner, now, LEASE_MS, 1);
  return nth(claimed, 0);
}

const idsOf = (jobs: readonly JobRecord[]) => jobs.map((job) => job.jobId);

export function describeJobLeaseConformance(context: ConformanceContext): void {
  describe("job leases", () => {
    it("claims only due jobs, most overdue first, up to the limit", async () => {
      const jobs = await scheduleAt(context.store, [T0 + 30, T0 + 10, T0 + 1000, T0 + 20]);
      const [late, early, future, middle] = idsOf([0, 1, 2, 3].map((index) => nth(jobs, index)));
      expect(await context.store.claimDueJobs("owner-a", T0, LEASE_MS, 10)).toEqual([]);
      const firstTwo = await context.store.claimDueJobs("owner-a", T0 + 30, LEASE_MS, 2);
      expect(idsOf(firstTwo)).toEqual([early, middle]);
      expect(firstTwo[0]).toMatchObject({
        leaseOwner: "owner-a",
        leaseUntil: T0 + 30 + LEASE_MS,
        failedRuns: 0,
      });
      // Due exactly at runAt.
      const rest = await context.store.claimDueJobs("owner-a", T0 + 30, LEASE_MS, 10);
      expect(idsOf(rest)).toEqual([late]);
      expect(await context.store.claimDueJobs("owner-a", T0 + 999, LEASE_MS, 10)).toEqual([]);
      expect(idsOf(await context.store.claimDueJobs("owner-a", T0 + 1000, LEASE_MS, 10))).toEqual([
        future,
      ]);
      expect(await context.store.claimDueJobs("owner-a", T0 + 2000, LEASE_MS, 0)).toEqual([]);
    });

    it("claims only jobs of the given types when types are named", async () => {
      const jobs = await context.store.transaction(async (tx) => ({
        turn: await tx.scheduleJob(newJob({ type: "turn", runAt: T0 }), T0),
        deadline: await tx.scheduleJob(newJob({ type: "tool_deadline", runAt: T0 - 1 }), T0),
        dispatch: await tx.scheduleJob(newJob({ type: "dispatch_tool", runAt: T0 - 2 }), T0),
      }));
      expect(await context.store.claimDueJobs("owner-a", T0, LEASE_MS, 10, [])).toEqual([]);
      const turns = await context.store.claimDueJobs("owner-a", T0, LEASE_MS, 10, ["turn"]);
      expect(idsOf(turns)).toEqual([jobs.turn.jobId]);
      const others = await context.store.claimDueJobs("owner-b", T0, LEASE_MS, 10, [
        "turn",
        "tool_deadline",
        "dispatch_tool",
      ]);
      expect(idsOf(others)).toEqual([jobs.dispatch.jobId, jobs.deadline.jobId]);
    });

    it("a claimed job is not claimable again until its lease expires, then another owner takes it", async () => {
      const [job] = await scheduleAt(context.store, [T0]);
      const claimed = await claimOne(context.store, "owner-a", T0);
      expect(claimed.jobId).toBe(job?.jobId);
      expect(await context.store.findJob(claimed.type, claimed.key)).toStrictEqual(claimed);

      expect(await context.store.claimDueJobs("owner-b", T0 + LEASE_MS - 1, LEASE_MS, 10)).toEqual(
        [],
      );
      expect(await context.store.claimDueJobs("owner-a", T0 + LEASE_MS - 1, LEASE_MS, 10)).toEqual(
        [],
      );

      const reclaimed = await claimOne(context.store, "owner-b", T0 + LEASE_MS);
      expect(reclaimed).toMatchObject({
        jobId: claimed.jobId,
        leaseOwner: "owner-b",
        leaseUntil: T0 + 2 * LEASE_MS,
        // The run of owner-a never completed.
        failedRuns: 1,
      });
      expect(await context.store.completeJob(claimed.jobId, "owner-a")).toBe(false);
      expect(await context.store.extendLease(claimed.jobId, "owner-a", T0 + 10 * LEASE_MS)).toBe(
        false,
      );
      expect(await context.store.releaseJob(claimed.jobId, "owner-a", T0)).toBe(false);
      expect(await context.store.findJob(claimed.type, claimed.key)).toStrictEqual(reclaimed);
      expect(await context.store.completeJob(claimed.jobId, "owner-b")).toBe(true);
      expect(await context.store.findJob(claimed.type, claimed.key)).toBeUndefined();
    });

    it("claimJob claims one job by id only when it is due and unheld, then as claimDueJobs would", async () => {
      const [due, future] = await scheduleAt(context.store, [T0, T0 + 1000]);
      const dueId = due?.jobId ?? "";
      expect(await context.store.claimJob(future?.jobId ?? "", "owner-a", T0, LEASE_MS)).toBe(
        undefined,
      );
      expect(await context.store.claimJob("no-such-job", "owner-a", T0, LEASE_MS)).toBe(undefined);
      const claimed = await context.store.claimJob(dueId, "owner-a", T0, LEASE_MS);
      expect(claimed).toMatchObject({
        jobId: dueId,
        leaseOwner: "owner-a",
        leaseUntil: T0 + LEASE_MS,
        failedRuns: 0,
      });
      expect(await context.store.findJob(due?.type ?? "", due?.key ?? "")).toStrictEqual(claimed);
      // Held: neither another owner nor a search takes it before the lease ends.
      expect(await context.store.claimJob(dueId, "owner-b", T0 + LEASE_MS - 1, LEASE_MS)).toBe(
        undefined,
      );
      expect(await context.store.claimDueJobs("owner-b", T0 + 1, LEASE_MS, 10)).toEqual([]);
      expect(await context.store.claimJob(dueId, "owner-b", T0 + LEASE_MS, LEASE_MS)).toMatchObject(
        { leaseOwner: "owner-b", failedRuns: 1 },
      );
    });

    it("claimJob and claimDueJobs racing from two store instances give a job to one owner", async () => {
      const second = await context.openSecondStore();
      for (let round = 0; round < 10; round += 1) {
        const now = T0 + round * 10 * LEASE_MS;
        const [job] = await scheduleAt(context.store, [now]);
        const [byId, bySearch] = await Promise.all([
          context.store.claimJob(job?.jobId ?? "", `by-id-${round}`, now, LEASE_MS),
          second.claimDueJobs(`by-search-${round}`, now, LEASE_MS, 10),
        ]);
        const winners = [...(byId === undefined ? [] : [byId]), ...bySearch];
        expect(idsOf(winners)).toEqual([job?.jobId]);
        const owner = winners[0]?.leaseOwner ?? "";
        expect(await context.store.completeJob(job?.jobId ?? "", owner)).toBe(true);
      }
    });

    it("completeJob deletes the job only for the owner of its lease", async () => {
      const [unclaimed] = await scheduleAt(context.store, [T0 + 5000]);
      await scheduleAt(context.store, [T0]);
      const claimed = await claimOne(context.store, "owner-a", T0);
      expect(await context.store.completeJob(claimed.jobId, "owner-b")).toBe(false);
      expect(await context.store.findJob(claimed.type, claimed.key)).toStrictEqual(claimed);
      expect(await context.store.completeJob(unclaimed?.jobId ?? "", "owner-a")).toBe(false);
      expect(await context.store.completeJob(claimed.jobId, "owner-a")).toBe(true);
      expect(await context.store.findJob(claimed.type, claimed.key)).toBeUndefined();
      expect(await context.store.completeJob(claimed.jobId, "owner-a")).toBe(false);
    });

    it("releaseJob by the owner hands the job back for runAt and counts the failed run", async () => {
      await scheduleAt(context.store, [T0]);
      const claimed = await claimOne(context.store, "owner-a", T0);
      expect(await context.store.releaseJob(claimed.jobId, "owner-b", T0 + 10)).toBe(false);
      expect(await context.store.findJob(claimed.type, claimed.key)).toStrictEqual(claimed);

      expect(await context.store.releaseJob(claimed.jobId, "owner-a", T0 + 500)).toBe(true);
      expect(await context.store.findJob(claimed.type, claimed.key)).toStrictEqual({
        ...claimed,
        runAt: T0 + 500,
        leaseOwner: null,
        leaseUntil: null,
        failedRuns: 1,
      });
      expect(await context.store.claimDueJobs("owner-b", T0 + 499, LEASE_MS, 10)).toEqual([]);
      expect(await claimOne(context.store, "owner-b", T0 + 500)).toMatchObject({
        jobId: claimed.jobId,
        leaseOwner: "owner-b",
        failedRuns: 1,
      });
    });

    it("extendLease by the owner keeps the job from other claimers past the first lease", async () => {
      await scheduleAt(context.store, [T0]);
      const claimed = await claimOne(context.store, "owner-a", T0);
      expect(await context.store.extendLease(claimed.jobId, "owner-b", T0 + 5 * LEASE_MS)).toBe(
        false,
      );
      expect(await context.store.extendLease(claimed.jobId, "owner-a", T0 + 3 * LEASE_MS)).toBe(
        true,
      );
      expect(await context.store.findJob(claimed.type, claimed.key)).toMatchObject({
        leaseOwner: "owner-a",
        leaseUntil: T0 + 3 * LEASE_MS,
      });
      expect(await context.store.claimDueJobs("owner-b", T0 + 2 * LEASE_MS, LEASE_MS, 10)).toEqual(
        [],
      );
      expect(await context.store.nextJobDueAt()).toBe(T0 + 3 * LEASE_MS);
      expect(await claimOne(context.store, "owner-b", T0 + 3 * LEASE_MS)).toMatchObject({
        jobId: claimed.jobId,
        leaseOwner: "owner-b",
      });
    });

    it("a job replaced while it runs survives its old owner's completion", async () => {
      await scheduleAt(context.store, [T0]);
      const running = await claimOne(context.store, "owner-a", T0);
      const rearmed = await context.store.transaction((tx) =>
        tx.scheduleJob(
          { type: running.type, threadId: null, key: running.key, payload: {}, runAt: T0 + 60_000 },
          T0 + 1,
        ),
      );
      expect(rearmed).toMatchObject({ leaseOwner: null, leaseUntil: null, failedRuns: 0 });
      expect(await context.store.completeJob(running.jobId, "owner-a")).toBe(false);
      expect(await context.store.releaseJob(running.jobId, "owner-a", T0)).toBe(false);
      expect(await context.store.findJob(running.type, running.key)).toStrictEqual(rearmed);
    });

    it("two store instances on one database never claim the same job", async () => {
      const second = await context.openSecondStore();
      const stores = [context.store, second];
      for (let round = 0; round < 25; round += 1) {
        const now = T0 + round * 10 * LEASE_MS;
        const scheduled = await scheduleAt(
          nth(stores, round % 2),
          Array.from({ length: 12 }, (_, index) => now - index),
        );
        // Each owner claims in small batches, concurrently with the other, until nothing is due.
        const claimUntilEmpty = async (store: Store, owner: string): Promise<JobRecord[]> => {
          const claimed: JobRecord[] = [];
          for (;;) {
            const batch = await store.claimDueJobs(owner, now, LEASE_MS, 1 + (round % 3));
            if (batch.length === 0) return claimed;
            claimed.push(...batch);
          }
        };
        const [byFirst, bySecond] = await Promise.all([
          claimUntilEmpty(context.store, `first-${round}`),
          claimUntilEmpty(second, `second-${round}`),
        ]);
        const claimedIds = [...idsOf(byFirst), ...idsOf(bySecond)];
        expect(new Set(claimedIds).size).toBe(claimedIds.length);
        expect([...claimedIds].sort()).toEqual(idsOf(scheduled).sort());
        for (const job of byFirst) expect(job.leaseOwner).toBe(`first-${round}`);
        for (const job of bySecond) expect(job.leaseOwner).toBe(`second-${round}`);
        // Each job's stored owner is the one that claimed it: no claim overwrote another.
        for (const job of [...byFirst, ...bySecond]) {
          expect((await second.findJob(job.type, job.key))?.leaseOwner).toBe(job.leaseOwner);
        }
        // Finished, so the next round's later clock finds no expired leases to take over.
        const completions = await Promise.all([
          ...byFirst.map((job) => context.store.completeJob(job.jobId, `first-${round}`)),
          ...bySecond.map((job) => second.completeJob(job.jobId, `second-${round}`)),
        ]);
        expect(completions.every((completed) => completed)).toBe(true);
      }
    });
  });
}

// Leased job claiming (DESIGN §4): a claim holds a job until `leaseUntil`; an owner that dies
// stops extending its leases, and once they expire another owner claims the jobs.
//
// These statements run outside a transaction, and the PostgreSQL store runs one again when the
// connection breaks under it (issue #5), so each is safe to run twice: a claim only takes jobs
// nobody holds (a claim whose answer was lost leaves its jobs leased until the lease expires, as if
// this owner had died); complete, release and extend act only while `owner` holds the lease, so a
// second run after a first that took effect changes nothing (and answers false, which the
// scheduler ignores).
import type { JobRecord } from "../records.js";
import { jobFromRow } from "./jobs.js";
import type { QueryContext } from "./query-context.js";

/**
 * Claims up to `limit` due jobs in one UPDATE … WHERE job_id IN (SELECT …) RETURNING statement,
 * so no other claimer can take a job between the choice and the claim: on SQLite the statement
 * runs under the single write lock, on PostgreSQL the chosen rows are locked (skipping rows
 * another claimer holds) and the outer condition is checked again on the locked rows.
 * Claiming a job whose lease expired counts a failed run: its previous owner never completed it.
 */
export async function claimDueJobs(
  ctx: QueryContext,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
  types: readonly string[] | undefined,
): Promise<JobRecord[]> {
  if (limit <= 0 || types?.length === 0) return [];
  let due = ctx.db
    .selectFrom("jobs")
    .select("job_id")
    .where("run_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]));
  if (types !== undefined) due = due.where("type", "in", types);
  due = due.orderBy("run_at").orderBy("job_id").limit(limit);
  const rows = await ctx.db
    .updateTable("jobs")
    .set((eb) => ({
      lease_owner: owner,
      lease_until: now + leaseMs,
      failed_runs: eb(
        "failed_runs",
        "+",
        eb.case().when("lease_until", "is", null).then(0).else(1).end(),
      ),
    }))
    .where("job_id", "in", ctx.dialect.lockSkippingLocked(due))
    .where("run_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
    .returningAll()
    .execute();
  // RETURNING has no defined order; callers run the most overdue first.
  return rows.map(jobFromRow).sort((a, b) => a.runAt - b.runAt || (a.jobId < b.jobId ? -1 : 1));
}

/** Deletes a finished job if `owner` still holds it; false when the job was lost or replaced. */
export async function completeJob(
  ctx: QueryContext,
  jobId: string,
  owner: string,
): Promise<boolean> {
  const result = await ctx.db
    .deleteFrom("jobs")
    .where("job_id", "=", jobId)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Hands a job held by `owner` back to run again at `runAt`, counting the failed run. */
export async function releaseJob(
  ctx: QueryContext,
  jobId: string,
  owner: string,
  runAt: number,
): Promise<boolean> {
  const result = await ctx.db
    .updateTable("jobs")
    .set((eb) => ({
      lease_owner: null,
      lease_until: null,
      run_at: runAt,
      failed_runs: eb("failed_runs", "+", 1),
    }))
    .where("job_id", "=", jobId)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Moves the end of a lease `owner` still holds. */
export async function extendLease(
  ctx: QueryContext,
  jobId: string,
  owner: string,
  leaseUntil: number,
): Promise<boolean> {
  const result = await ctx.db
    .updateTable("jobs")
    .set({ lease_until: leaseUntil })
    .where("job_id", "=", jobId)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

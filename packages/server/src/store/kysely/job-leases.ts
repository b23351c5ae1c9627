// Leased job claiming (DESIGN §4): a claim holds a job until `leaseUntil`; an owner that dies
// stops extending its leases, and once they expire another owner claims the jobs.
//
// These statements run outside a transaction, and the PostgreSQL store runs one again when the
// connection breaks under it (issue #5), so each is safe to run twice: a claim only takes jobs
// nobody holds (a claim whose answer was lost leaves its jobs leased until the lease expires, as if
// this owner had died); complete, release and extend act only while `owner` holds the lease, so a
// second run after a first that took effect changes nothing (and answers false, which the
// scheduler ignores).
import type { ExpressionBuilder } from "kysely";
import type { JobRecord } from "../records.js";
import type { Database } from "./database.js";
import { jobFromRow } from "./jobs.js";
import { prepareQuery } from "./prepared-query.js";
import type { QueryContext } from "./query-context.js";

/** A job is claimable when it is due and nobody holds an unexpired lease on it. */
function claimable(now: number) {
  return (eb: ExpressionBuilder<Database, "jobs">) =>
    eb.and([
      eb("run_at", "<=", now),
      eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]),
    ]);
}

/**
 * The lease a claim sets. Claiming a job whose lease expired counts a failed run: its previous
 * owner never completed it.
 */
function leaseFor(owner: string, now: number, leaseMs: number) {
  return (eb: ExpressionBuilder<Database, "jobs">) => ({
    lease_owner: owner,
    lease_until: now + leaseMs,
    failed_runs: eb(
      "failed_runs",
      "+",
      eb.case().when("lease_until", "is", null).then(0).else(1).end(),
    ),
  });
}

/**
 * Claims up to `limit` due jobs in one UPDATE … WHERE job_id IN (SELECT …) RETURNING statement,
 * so no other claimer can take a job between the choice and the claim: on SQLite the statement
 * runs under the single write lock, on PostgreSQL the chosen rows are locked (skipping rows
 * another claimer holds) and the outer condition is checked again on the locked rows.
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
  let due = ctx.db.selectFrom("jobs").select("job_id").where(claimable(now));
  if (types !== undefined) due = due.where("type", "in", types);
  due = due.orderBy("run_at").orderBy("job_id").limit(limit);
  const rows = await ctx.db
    .updateTable("jobs")
    .set(leaseFor(owner, now, leaseMs))
    .where("job_id", "in", ctx.dialect.lockSkippingLocked(due))
    .where(claimable(now))
    .returningAll()
    .execute();
  // RETURNING has no defined order; callers run the most overdue first.
  return rows.map(jobFromRow).sort((a, b) => a.runAt - b.runAt || (a.jobId < b.jobId ? -1 : 1));
}

/**
 * Claims one job by id if it is claimable: one UPDATE of one row by its key. On PostgreSQL a
 * concurrent claimer of the same row waits for the first one's row lock and then finds the
 * condition false, so only one of them gets the job.
 */
export async function claimJob(
  ctx: QueryContext,
  jobId: string,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<JobRecord | undefined> {
  const row = await ctx.db
    .updateTable("jobs")
    .set(leaseFor(owner, now, leaseMs))
    .where("job_id", "=", jobId)
    .where(claimable(now))
    .returningAll()
    .executeTakeFirst();
  return row && jobFromRow(row);
}

const deleteLeasedJob = prepareQuery((ctx, jobId: string, owner: string) =>
  ctx.db.deleteFrom("jobs").where("job_id", "=", jobId).where("lease_owner", "=", owner),
);

/** Deletes a finished job if `owner` still holds it; false when the job was lost or replaced. */
export async function completeJob(
  ctx: QueryContext,
  jobId: string,
  owner: string,
): Promise<boolean> {
  const result = await deleteLeasedJob(ctx, jobId, owner);
  return (result.numAffectedRows ?? 0n) > 0n;
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

// Queries of the jobs table that schedule and find jobs (DESIGN §4: durable timers and outbox,
// written in the transaction of the state change that implies them). Leases: job-leases.ts.
import { randomUUID } from "node:crypto";
import type { JobRecord, JsonObject } from "../records.js";
import type { JobKey, JobLease, NewJob } from "../store.js";
import { decodeJson, encodeJson } from "./column-codecs.js";
import type { JobsTable } from "./database.js";
import { preparePerShape, prepareQuery, prepareRowQuery } from "./prepared-query.js";
import type { QueryContext } from "./query-context.js";

export function jobFromRow(row: JobsTable): JobRecord {
  return {
    jobId: row.job_id,
    type: row.type,
    threadId: row.thread_id,
    key: row.key,
    payload: decodeJson<JsonObject>(row.payload),
    runAt: row.run_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    failedRuns: row.failed_runs,
    createdAt: row.created_at,
  };
}

/** Inserts the job row, or replaces every column but (type, key) of the job with its key. */
const upsertJobRow = prepareRowQuery((ctx, row: JobsTable) => {
  const fresh = Object.fromEntries(
    Object.entries(row).filter(([column]) => column !== "type" && column !== "key"),
  );
  return ctx.db
    .insertInto("jobs")
    .values(row)
    .onConflict((conflict) => conflict.columns(["type", "key"]).doUpdateSet(fresh))
    .returningAll();
});

/**
 * Inserts the job, or replaces the job with the same (type, key). The replacement gets a new id
 * and no lease (or the `lease` given): an owner still running the old job can then neither
 * complete (delete) nor release the new schedule, which is how a job re-arms its own timer while
 * it runs.
 */
export async function scheduleJob(
  ctx: QueryContext,
  job: NewJob,
  now: number,
  lease?: JobLease,
): Promise<JobRecord> {
  const fresh = {
    job_id: randomUUID(),
    thread_id: job.threadId,
    payload: encodeJson(job.payload),
    run_at: job.runAt,
    lease_owner: lease?.owner ?? null,
    lease_until: lease?.until ?? null,
    failed_runs: 0,
    created_at: now,
  };
  const [row] = (await upsertJobRow(ctx, { type: job.type, key: job.key, ...fresh })).rows;
  if (row === undefined) throw new Error(`scheduling job ${job.type} ${job.key} returned no row`);
  return jobFromRow(row);
}

export async function findJob(
  ctx: QueryContext,
  type: string,
  key: string,
): Promise<JobRecord | undefined> {
  const row = await ctx.db
    .selectFrom("jobs")
    .selectAll()
    .where("type", "=", type)
    .where("key", "=", key)
    .executeTakeFirst();
  return row && jobFromRow(row);
}

/** Deletes the jobs of `count` (type, key) pairs, given as type, key, type, key, … */
const deleteJobsByKey = preparePerShape(
  (count: number) => String(count),
  (count) =>
    prepareQuery(
      (ctx, ...typesAndKeys: string[]) =>
        ctx.db
          .deleteFrom("jobs")
          .where((eb) =>
            eb.or(
              Array.from({ length: count }, (_, index) =>
                eb.and([
                  eb("type", "=", typesAndKeys[2 * index] as string),
                  eb("key", "=", typesAndKeys[2 * index + 1] as string),
                ]),
              ),
            ),
          ),
      2 * count,
    ),
);

export async function cancelJobs(ctx: QueryContext, jobs: readonly JobKey[]): Promise<void> {
  if (jobs.length === 0) return;
  await deleteJobsByKey(jobs.length)(ctx, ...jobs.flatMap(({ type, key }) => [type, key]));
}

/** Cancels every job of the thread, or only those of the given types (none when empty). */
export async function cancelThreadJobs(
  ctx: QueryContext,
  threadId: string,
  types: readonly string[] | undefined,
): Promise<void> {
  if (types?.length === 0) return;
  let remove = ctx.db.deleteFrom("jobs").where("thread_id", "=", threadId);
  if (types !== undefined) remove = remove.where("type", "in", types);
  await remove.execute();
}

/**
 * The earliest time a job becomes claimable: the runAt of an unclaimed job, or the end of a lease
 * (a claimed job was due when claimed, so its lease ends after its runAt). Two MIN queries, each
 * answered from an index.
 */
export async function nextJobDueAt(ctx: QueryContext): Promise<number | undefined> {
  const unclaimed = await ctx.db
    .selectFrom("jobs")
    .select("run_at")
    .where("lease_until", "is", null)
    .orderBy("run_at")
    .limit(1)
    .executeTakeFirst();
  const leased = await ctx.db
    .selectFrom("jobs")
    .select("lease_until")
    .where("lease_until", "is not", null)
    .orderBy("lease_until")
    .limit(1)
    .executeTakeFirst();
  const times = [unclaimed?.run_at, leased?.lease_until ?? undefined].filter(
    (time): time is number => time !== undefined,
  );
  return times.length === 0 ? undefined : Math.min(...times);
}

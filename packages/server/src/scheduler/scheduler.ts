// The durable scheduler (DESIGN §4): claims due jobs with a lease and runs their handlers, a
// bounded number at a time per pool (turns and tools are limited separately, like the reference's
// workpools). A replica that dies loses its leases and another one runs its jobs. Each job runs in
// the trace context its payload carries (X6), and how late jobs start and how full the pools are
// is counted.
import type { Logger } from "pino";
import type { EngineMetrics } from "../observability/metrics.js";
import { type Tracing, traceContextOfPayload } from "../observability/tracing.js";
import type { JobRecord } from "../store/records.js";
import type { JobLease, Store } from "../store/store.js";

export interface ScheduledHandler {
  /** The pool whose concurrency limit applies. */
  pool: string;
  run(job: JobRecord, control: JobControl): Promise<void>;
}

/** Lets a handler complete its job before it ends (a turn outlives its job, B3). */
export interface JobControl {
  /** Deletes the job now. */
  complete(): Promise<void>;
  /**
   * Tells the scheduler the handler deleted the job itself, in a transaction that committed
   * (StoreTransaction.completeJob), so the scheduler does not delete it again.
   */
  completedInTransaction(): void;
}

export interface SchedulerOptions {
  store: Store;
  /** Identifies this process as a lease owner. */
  owner: string;
  handlers: Record<string, ScheduledHandler>;
  /** Most jobs running at once, per pool. */
  poolLimits: Record<string, number>;
  now(): number;
  logger: Logger;
  /**
   * How long a claim holds a job; renewed while the handler runs.
   * @default 30_000
   */
  leaseMs?: number;
  /**
   * Longest sleep between looks for due jobs, as a safety net for jobs other replicas schedule.
   * @default 1_000
   */
  maxIdleMs?: number;
  /** Counts job lag and pool usage (X6). @default counts nothing */
  metrics?: Pick<EngineMetrics, "jobClaimed" | "poolUsage">;
  /** Runs each job in the trace context of the work that scheduled it (X6). @default none */
  tracing?: Pick<Tracing, "run">;
}

export interface Scheduler {
  /**
   * Takes a slot for a job of `type` that a transaction is about to schedule, due now: the job is
   * inserted with the lease returned, and runs in the slot once `offer` gets it after the commit,
   * without a claim. Undefined when the job's pool is full or the scheduler stopped. A
   * transaction that rolls back gives the slot back with `cancelReservation`.
   */
  reserve(type: string): JobLease | undefined;
  cancelReservation(type: string): void;
  /**
   * Hands over jobs this process has just committed: a job inserted with this process's lease
   * (`reserve`) runs in its slot; each other one due now runs at once when its pool has room,
   * claimed by its id (one statement instead of a search for due jobs), and the scheduler sleeps
   * no later than the earliest one not yet due.
   */
  offer(jobs: readonly JobRecord[]): void;
  /**
   * Runs work a committed transaction started without a job (a turn created with its stream
   * taken, B3) in the slot `reserve` took for it, and frees the slot when the work ends. Its lag
   * since `scheduledAt` is counted as a job's of `type` would be. Once the scheduler stopped,
   * `handBack` runs instead, as a leased job offered then is released: the slot is given back
   * and stop() waits for it.
   */
  runReserved(
    type: string,
    scheduledAt: number,
    work: { run(): Promise<void>; handBack(): Promise<void> },
  ): void;
  /** Stops claiming and waits for running handlers (and reserved work) to end. */
  stop(): Promise<void>;
}

/** Failed runs are retried after 1 s, 2 s, 4 s … capped at 60 s. */
function rerunDelayMs(failedRuns: number): number {
  return Math.min(60_000, 1_000 * 2 ** failedRuns);
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const leaseMs = options.leaseMs ?? 30_000;
  const maxIdleMs = options.maxIdleMs ?? 1_000;
  const { store, owner, logger } = options;
  const running = new Map<string, Promise<void>>();
  const runningPerPool = new Map<string, number>();
  const typesByPool = new Map<string, string[]>();
  for (const [type, handler] of Object.entries(options.handlers)) {
    typesByPool.set(handler.pool, [...(typesByPool.get(handler.pool) ?? []), type]);
  }
  const reportPool = (pool: string) =>
    options.metrics?.poolUsage(pool, runningPerPool.get(pool) ?? 0, options.poolLimits[pool] ?? 1);
  for (const pool of typesByPool.keys()) reportPool(pool);
  const inJobTrace = (job: JobRecord, run: () => Promise<void>) =>
    options.tracing === undefined
      ? run()
      : options.tracing.run(traceContextOfPayload(job.payload), run);
  let stopped = false;
  let wakeRequested = false;
  let sleepTimer: NodeJS.Timeout | undefined;
  let wakeSleeper: (() => void) | undefined;
  /** When the current sleep ends (while one is under way). */
  let sleepUntil = Number.POSITIVE_INFINITY;
  /** The earliest runAt offered since the loop last looked for due jobs. */
  let earliestOffered = Number.POSITIVE_INFINITY;
  /**
   * Pools that may have due jobs waiting for a free slot: a claim filled every slot, or an offered
   * job found none. Only then does a finished job make the loop look for more.
   */
  const backloggedPools = new Set<string>();

  const freeSlots = (pool: string) =>
    (options.poolLimits[pool] ?? 1) - (runningPerPool.get(pool) ?? 0);
  const takeSlots = (pool: string, count: number) => {
    runningPerPool.set(pool, (runningPerPool.get(pool) ?? 0) + count);
    reportPool(pool);
  };
  /** Gives back slots taken for jobs that did not start. */
  const returnSlots = (pool: string, count: number) => {
    runningPerPool.set(pool, (runningPerPool.get(pool) ?? count) - count);
    reportPool(pool);
  };
  const freeSlot = (pool: string) => {
    returnSlots(pool, 1);
    // A free slot may let a waiting job run.
    if (backloggedPools.has(pool)) wake();
  };

  const runJob = async (job: JobRecord, handler: ScheduledHandler) => {
    let completed = false;
    const complete = async () => {
      if (completed) return;
      completed = true;
      await store.completeJob(job.jobId, owner);
    };
    const completedInTransaction = () => {
      completed = true;
    };
    const renew = setInterval(() => {
      if (completed) return;
      store
        .extendLease(job.jobId, owner, options.now() + leaseMs)
        .catch((error: unknown) =>
          logger.warn({ err: error, jobId: job.jobId }, "lease renewal failed"),
        );
    }, leaseMs / 3);
    renew.unref();
    try {
      await inJobTrace(job, () => handler.run(job, { complete, completedInTransaction }));
      await complete();
    } catch (error: unknown) {
      logger.error(
        { err: error, jobId: job.jobId, type: job.type, threadId: job.threadId },
        "job failed",
      );
      if (!completed) {
        await store
          .releaseJob(job.jobId, owner, options.now() + rerunDelayMs(job.failedRuns))
          .catch((releaseError: unknown) =>
            logger.error({ err: releaseError, jobId: job.jobId }, "job release failed"),
          );
      }
    } finally {
      clearInterval(renew);
    }
  };

  /**
   * Runs a claimed job in the slot taken for it, and frees the slot after. A claim that ended
   * after stop() hands its job back at once, for the next process, instead of running it.
   */
  const start = (job: JobRecord, handler: ScheduledHandler, pool: string, claimedAt: number) => {
    if (stopped) {
      returnSlots(pool, 1);
      const handBack = store
        .releaseJob(job.jobId, owner, options.now())
        .then(() => undefined)
        .catch((error: unknown) =>
          logger.error({ err: error, jobId: job.jobId }, "job release failed"),
        );
      running.set(job.jobId, handBack);
      return;
    }
    options.metrics?.jobClaimed(job.type, claimedAt - job.runAt);
    const promise = runJob(job, handler).finally(() => {
      running.delete(job.jobId);
      freeSlot(pool);
    });
    running.set(job.jobId, promise);
  };

  const claimAndRun = async () => {
    for (const [pool, types] of typesByPool) {
      const free = freeSlots(pool);
      if (free <= 0) continue;
      // The slots are taken before the claim: an offer while it runs cannot take them too.
      takeSlots(pool, free);
      const claimedAt = options.now();
      let jobs: JobRecord[] = [];
      try {
        jobs = await store.claimDueJobs(owner, claimedAt, leaseMs, free, types);
      } finally {
        returnSlots(pool, free - jobs.length);
      }
      if (jobs.length < free) backloggedPools.delete(pool);
      else backloggedPools.add(pool);
      for (const job of jobs) {
        const handler = options.handlers[job.type];
        if (handler === undefined) {
          returnSlots(pool, 1);
          continue;
        }
        start(job, handler, pool, claimedAt);
      }
    }
  };

  /** Claims one offered job by id in a slot taken for it; the loop finds it if this fails. */
  const claimOffered = async (job: JobRecord, handler: ScheduledHandler) => {
    takeSlots(handler.pool, 1);
    const claimedAt = options.now();
    let claimed: JobRecord | undefined;
    try {
      claimed = await store.claimJob(job.jobId, owner, claimedAt, leaseMs);
    } catch (error: unknown) {
      logger.warn({ err: error, jobId: job.jobId }, "claiming an offered job failed");
      wake();
    }
    // Not claimed: another replica (or the loop) holds it already, or it was replaced.
    if (claimed === undefined) freeSlot(handler.pool);
    else start(claimed, handler, handler.pool, claimedAt);
  };
  const offering = new Set<Promise<void>>();

  /** Ends the current sleep at `at` if that is earlier than planned. */
  const wakeBy = (at: number) => {
    earliestOffered = Math.min(earliestOffered, at);
    if (wakeSleeper === undefined || at >= sleepUntil) return;
    sleepUntil = at;
    clearTimeout(sleepTimer);
    sleepTimer = setTimeout(wakeSleeper, Math.max(0, at - options.now()));
  };

  const sleep = async () => {
    if (wakeRequested) return;
    const nextDueAt = await store.nextJobDueAt().catch(() => undefined);
    // A wake() (a freed slot, stop()) while the query ran: look again at once.
    if (wakeRequested) return;
    const now = options.now();
    // A job due now right after the claim is one whose pool is full (or one that became due
    // since): a finished job wakes the loop for it, so the loop does not spin on it meanwhile.
    const dueAt =
      nextDueAt !== undefined && nextDueAt <= now && backloggedPools.size > 0
        ? Number.POSITIVE_INFINITY
        : (nextDueAt ?? Number.POSITIVE_INFINITY);
    sleepUntil = Math.min(dueAt, earliestOffered, now + maxIdleMs);
    await new Promise<void>((resolve) => {
      wakeSleeper = resolve;
      sleepTimer = setTimeout(resolve, Math.max(0, sleepUntil - now));
    });
    clearTimeout(sleepTimer);
    wakeSleeper = undefined;
    sleepUntil = Number.POSITIVE_INFINITY;
  };

  const loop = (async () => {
    while (!stopped) {
      wakeRequested = false;
      earliestOffered = Number.POSITIVE_INFINITY;
      try {
        await claimAndRun();
      } catch (error: unknown) {
        logger.error({ err: error }, "claiming jobs failed");
      }
      if (!stopped) await sleep();
    }
  })();

  function wake() {
    wakeRequested = true;
    wakeSleeper?.();
  }

  function reserve(type: string): JobLease | undefined {
    const handler = options.handlers[type];
    if (stopped || handler === undefined || freeSlots(handler.pool) <= 0) return undefined;
    takeSlots(handler.pool, 1);
    return { owner, until: options.now() + leaseMs };
  }

  function cancelReservation(type: string) {
    const handler = options.handlers[type];
    if (handler !== undefined) freeSlot(handler.pool);
  }

  /** Keys reserved work among the running jobs, which stop() waits for. */
  let reservedRuns = 0;

  function runReserved(
    type: string,
    scheduledAt: number,
    work: { run(): Promise<void>; handBack(): Promise<void> },
  ): void {
    const handler = options.handlers[type];
    if (handler === undefined) throw new Error(`no handler for jobs of type ${type}`);
    const key = `reserved:${++reservedRuns}`;
    if (stopped) {
      returnSlots(handler.pool, 1);
      const handBack = work
        .handBack()
        .catch((error: unknown) => logger.error({ err: error, type }, "handing back work failed"))
        .finally(() => running.delete(key));
      running.set(key, handBack);
      return;
    }
    options.metrics?.jobClaimed(type, options.now() - scheduledAt);
    const promise = work
      .run()
      .catch((error: unknown) => logger.error({ err: error, type }, "reserved work failed"))
      .finally(() => {
        running.delete(key);
        freeSlot(handler.pool);
      });
    running.set(key, promise);
  }

  function offer(jobs: readonly JobRecord[]) {
    const now = options.now();
    for (const job of jobs) {
      const handler = options.handlers[job.type];
      if (handler === undefined) continue;
      // Leased to this process in its transaction, in a slot reserved for it (after stop(),
      // start() hands it back at once).
      if (job.leaseOwner === owner) start(job, handler, handler.pool, now);
      else if (stopped) continue;
      else if (job.runAt > now) wakeBy(job.runAt);
      else if (freeSlots(handler.pool) > 0) {
        const claim = claimOffered(job, handler).finally(() => offering.delete(claim));
        offering.add(claim);
      } else backloggedPools.add(handler.pool);
    }
  }

  return {
    reserve,
    cancelReservation,
    offer,
    runReserved,
    async stop() {
      stopped = true;
      wake();
      await loop;
      await Promise.allSettled(offering);
      await Promise.allSettled(running.values());
    },
  };
}

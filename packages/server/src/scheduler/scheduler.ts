// The durable scheduler (DESIGN §4): claims due jobs with a lease and runs their handlers, a
// bounded number at a time per pool (turns and tools are limited separately, like the reference's
// workpools). A replica that dies loses its leases and another one runs its jobs. Each job runs in
// the trace context its payload carries (X6), and how late jobs start and how full the pools are
// is counted.
import type { Logger } from "pino";
import type { EngineMetrics } from "../observability/metrics.js";
import { type Tracing, traceContextOfPayload } from "../observability/tracing.js";
import type { JobRecord } from "../store/records.js";
import type { Store } from "../store/store.js";

export interface ScheduledHandler {
  /** The pool whose concurrency limit applies. */
  pool: string;
  run(job: JobRecord, control: { complete(): Promise<void> }): Promise<void>;
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
  /** Looks for due jobs now (called after a commit that scheduled jobs). */
  wake(): void;
  /** Stops claiming and waits for running handlers to end. */
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

  const runJob = async (job: JobRecord, handler: ScheduledHandler) => {
    let completed = false;
    const complete = async () => {
      if (completed) return;
      completed = true;
      await store.completeJob(job.jobId, owner);
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
      await inJobTrace(job, () => handler.run(job, { complete }));
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

  const claimAndRun = async () => {
    for (const [pool, types] of typesByPool) {
      const free = (options.poolLimits[pool] ?? 1) - (runningPerPool.get(pool) ?? 0);
      if (free <= 0) continue;
      const claimedAt = options.now();
      const jobs = await store.claimDueJobs(owner, claimedAt, leaseMs, free, types);
      for (const job of jobs) {
        const handler = options.handlers[job.type];
        if (handler === undefined) continue;
        options.metrics?.jobClaimed(job.type, claimedAt - job.runAt);
        runningPerPool.set(pool, (runningPerPool.get(pool) ?? 0) + 1);
        reportPool(pool);
        const promise = runJob(job, handler).finally(() => {
          running.delete(job.jobId);
          runningPerPool.set(pool, (runningPerPool.get(pool) ?? 1) - 1);
          reportPool(pool);
          // A free slot may let a waiting job run.
          wake();
        });
        running.set(job.jobId, promise);
      }
    }
  };

  const sleep = async () => {
    if (wakeRequested) return;
    const nextDueAt = await store.nextJobDueAt().catch(() => undefined);
    const untilDueMs = nextDueAt === undefined ? maxIdleMs : Math.max(0, nextDueAt - options.now());
    await new Promise<void>((resolve) => {
      wakeSleeper = resolve;
      sleepTimer = setTimeout(resolve, Math.min(untilDueMs, maxIdleMs));
    });
    clearTimeout(sleepTimer);
    wakeSleeper = undefined;
  };

  const loop = (async () => {
    while (!stopped) {
      wakeRequested = false;
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

  return {
    wake,
    async stop() {
      stopped = true;
      wake();
      await loop;
      await Promise.allSettled(running.values());
    },
  };
}

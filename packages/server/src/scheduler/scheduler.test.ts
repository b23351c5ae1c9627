import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobRecord } from "../store/records.js";
import type { JobLease, NewJob, Store } from "../store/store.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import {
  type ScheduledHandler,
  type Scheduler,
  type SchedulerOptions,
  startScheduler,
} from "./scheduler.js";

/** Long enough that no test is served by the scheduler's periodic look for due jobs. */
const NEVER_POLLS_MS = 60 * 60_000;

describe("scheduler", () => {
  let testStore: TestSqliteStore;
  let store: Store;
  let scheduler: Scheduler | undefined;
  const ran: string[] = [];
  const finished: { resolve: (jobId: string) => void }[] = [];
  const nextFinished = () => new Promise<string>((resolve) => finished.push({ resolve }));

  const handler: ScheduledHandler = {
    pool: "jobs",
    async run(job) {
      ran.push(job.jobId);
      finished.shift()?.resolve(job.jobId);
    },
  };

  const schedule = (job: Partial<NewJob>, lease?: JobLease): Promise<JobRecord> =>
    store.transaction((tx) =>
      tx.scheduleJob(
        { type: "work", threadId: null, key: "k", payload: {}, runAt: Date.now(), ...job },
        Date.now(),
        lease,
      ),
    );

  const start = (options: Partial<SchedulerOptions> = {}) => {
    // The first look for due jobs happens at start: the tests schedule after it.
    scheduler = startScheduler({
      store,
      owner: "owner-a",
      handlers: { work: handler },
      poolLimits: { jobs: 4 },
      now: Date.now,
      logger: pino({ level: "silent" }),
      maxIdleMs: NEVER_POLLS_MS,
      ...options,
    });
    return scheduler;
  };

  /**
   * A scheduler past its start-up look for due jobs, which holds every free slot while it runs:
   * the store serves one statement at a time, in order, so a read after it ends after it.
   */
  const startIdle = async (options: Partial<SchedulerOptions> = {}) => {
    const running = start(options);
    await store.findJob("work", "none");
    return running;
  };

  /** Checks stop() does not settle while `holding` has not ended, then ends it and waits. */
  const expectStopToWaitFor = async (running: Scheduler, endHolding: () => void) => {
    let stopped = false;
    const stopping = running.stop().then(() => {
      stopped = true;
    });
    // Every promise settled that could without the holding work's end.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    endHolding();
    await stopping;
    expect(stopped).toBe(true);
  };

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    store = testStore.store;
    ran.length = 0;
    finished.length = 0;
  });

  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    await testStore.remove();
  });

  it("runs an offered due job at once, claimed by its id, and deletes it after", async () => {
    const running = start();
    const job = await schedule({ key: "due" });
    const done = nextFinished();
    running.offer([job]);
    expect(await done).toBe(job.jobId);
    await running.stop();
    expect(await store.findJob("work", "due")).toBeUndefined();
  });

  it("does not run an offered job another owner holds", async () => {
    const running = start();
    const job = await schedule({ key: "held" });
    const [held] = await store.claimDueJobs("owner-b", Date.now(), 60_000, 10);
    expect(held?.jobId).toBe(job.jobId);
    running.offer([job]);
    await running.stop();
    expect(ran).toEqual([]);
    expect(await store.findJob("work", "held")).toMatchObject({ leaseOwner: "owner-b" });
  });

  it("runs a job scheduled with its reservation's lease in the reserved slot, without a claim", async () => {
    const running = await startIdle();
    const lease = running.reserve("work");
    expect(lease).toMatchObject({ owner: "owner-a" });
    const job = await schedule({ key: "leased" }, lease);
    // Held from its insert: no other process could have claimed it.
    expect(await store.claimJob(job.jobId, "owner-b", Date.now(), 60_000)).toBeUndefined();
    const done = nextFinished();
    running.offer([job]);
    expect(await done).toBe(job.jobId);
    await running.stop();
    expect(await store.findJob("work", "leased")).toBeUndefined();
  });

  it("reserves only free slots, takes back cancelled ones, and none once stopped", async () => {
    const running = await startIdle();
    const leases = [1, 2, 3, 4].map(() => running.reserve("work"));
    expect(leases.every((lease) => lease !== undefined)).toBe(true);
    // The pool holds 4.
    expect(running.reserve("work")).toBeUndefined();
    running.cancelReservation("work");
    expect(running.reserve("work")).toBeDefined();
    expect(running.reserve("unknown-type")).toBeUndefined();
    await running.stop();
    running.cancelReservation("work");
    expect(running.reserve("work")).toBeUndefined();
  });

  it("hands back a job leased in a reservation that is offered after stop()", async () => {
    const running = await startIdle();
    const lease = running.reserve("work");
    const job = await schedule({ key: "late" }, lease);
    await running.stop();
    running.offer([job]);
    // stop() waits for the hand-back too.
    await running.stop();
    // Handed back at once for the next process, not run and not held until its lease ends.
    expect(await store.findJob("work", "late")).toMatchObject({
      leaseOwner: null,
      leaseUntil: null,
    });
    expect(ran).toEqual([]);
  });

  it("runs reserved work in its slot, counts its lag, frees the slot when it ends, and stop() waits for it", async () => {
    const lags: [string, number][] = [];
    const running = await startIdle({
      poolLimits: { jobs: 1 },
      now: () => 5_000,
      metrics: { jobClaimed: (type, lagMs) => lags.push([type, lagMs]), poolUsage: () => {} },
    });
    expect(running.reserve("work")).toBeDefined();
    let finish = () => {};
    const work = new Promise<void>((resolve) => {
      finish = resolve;
    });
    running.runReserved("work", 4_000, {
      run: () => work,
      handBack: async () => {
        throw new Error("a running scheduler runs the work");
      },
    });
    expect(lags).toEqual([["work", 1_000]]);
    // The work holds the pool's only slot until it ends.
    expect(running.reserve("work")).toBeUndefined();
    await expectStopToWaitFor(running, finish);
  });

  it("hands reserved work back instead of running it after stop(), and stop() waits for that", async () => {
    const running = await startIdle();
    expect(running.reserve("work")).toBeDefined();
    await running.stop();
    const done: string[] = [];
    let finishHandBack = () => {};
    const handingBack = new Promise<void>((resolve) => {
      finishHandBack = resolve;
    });
    running.runReserved("work", Date.now(), {
      run: async () => {
        done.push("ran");
      },
      handBack: async () => {
        await handingBack;
        done.push("handed back");
      },
    });
    await expectStopToWaitFor(running, finishHandBack);
    expect(done).toEqual(["handed back"]);
  });

  it("wakes for an offered job that is not due yet when it becomes due", async () => {
    const running = start();
    const job = await schedule({ key: "soon", runAt: Date.now() + 50 });
    const done = nextFinished();
    running.offer([job]);
    expect(await done).toBe(job.jobId);
    expect(Date.now()).toBeGreaterThanOrEqual(job.runAt);
  });
});

describe("scheduler pools", () => {
  let testStore: TestSqliteStore;
  let store: Store;

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    store = testStore.store;
  });

  afterEach(() => testStore.remove());

  it("runs at most its pool's limit, claims offered jobs by id, and runs a waiting job once a slot frees", async () => {
    const calls = { claimJob: 0, claimDueJobs: 0 };
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "claimJob" || property === "claimDueJobs") calls[property] += 1;
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    let runningNow = 0;
    let mostAtOnce = 0;
    const releases: (() => void)[] = [];
    const started: string[] = [];
    const startWaiters: (() => void)[] = [];
    /** Resolves once `count` jobs have started. */
    const startedCount = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => (started.length >= count ? resolve() : startWaiters.push(check));
        check();
      });
    const scheduler = startScheduler({
      store: counting,
      owner: "owner-a",
      handlers: {
        work: {
          pool: "jobs",
          async run(job) {
            started.push(job.key);
            for (const waiter of startWaiters.splice(0)) waiter();
            runningNow += 1;
            mostAtOnce = Math.max(mostAtOnce, runningNow);
            await new Promise<void>((resolve) => releases.push(resolve));
            runningNow -= 1;
          },
        },
      },
      poolLimits: { jobs: 1 },
      now: Date.now,
      logger: pino({ level: "silent" }),
      maxIdleMs: NEVER_POLLS_MS,
    });
    try {
      const searchesAtStart = calls.claimDueJobs;
      const jobs = await store.transaction(async (tx) => [
        await tx.scheduleJob(
          { type: "work", threadId: null, key: "a", payload: {}, runAt: Date.now() },
          Date.now(),
        ),
        await tx.scheduleJob(
          { type: "work", threadId: null, key: "b", payload: {}, runAt: Date.now() },
          Date.now(),
        ),
      ]);
      scheduler.offer(jobs);
      // The first job was claimed by its id; the second waits for the only slot.
      await startedCount(1);
      expect(calls.claimJob).toBe(1);
      expect(started).toEqual(["a"]);
      releases.shift()?.();
      await startedCount(2);
      expect(started).toEqual(["a", "b"]);
      expect(calls.claimDueJobs).toBeGreaterThan(searchesAtStart);
      releases.shift()?.();
    } finally {
      for (const release of releases) release();
      await scheduler.stop();
    }
    expect(mostAtOnce).toBe(1);
  });
});

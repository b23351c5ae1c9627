// One state change = one transaction (DESIGN §4 outbox): the change and the jobs it implies
// commit together. Events for watchers and work started in this process (handing the jobs to its
// scheduler, aborting a local turn) happen only after the commit, so nobody sees a change that
// rolled back. A job due now is leased to this process as it is inserted when its scheduler has a
// free slot, so it runs as soon as the transaction commits, without a claim of its own.
import type { ThreadEvent } from "../events/event-bus.js";
import type { JobRecord, ThreadRecord } from "../store/records.js";
import type { NewJob, StoreTransaction } from "../store/store.js";
import type { EngineContext } from "./context.js";

/** What a transaction did that must be announced after it commits. */
export class Changes {
  private readonly eventsByThread = new Map<string, ThreadEvent[]>();
  private readonly afterCommitActions: (() => void)[] = [];
  private readonly jobsScheduled: JobRecord[] = [];
  /** Job types of the scheduler slots reserved for jobs this transaction leased to itself. */
  private readonly reservedSlots: string[] = [];
  /** Work that runs after the commit in a slot of `type` the transaction reserved. */
  private readonly reservedSlotWork: { type: string; start: () => void }[] = [];
  private readonly beforeCommitActions: ((tx: StoreTransaction) => Promise<void>)[] = [];

  /**
   * Queues an event for the thread's watchers. Of the thread's states the transaction went
   * through, watchers hear only the one it commits: a later `thread` event replaces an earlier
   * one, so no watcher sees a state that never committed (e.g. "completed" on the way to the next
   * turn's "streaming"), and each commit sends one thread update at most.
   */
  emit(threadId: string, event: ThreadEvent): void {
    const events = this.eventsByThread.get(threadId);
    if (events === undefined) {
      this.eventsByThread.set(threadId, [event]);
      return;
    }
    if (event.type === "thread") {
      const earlier = events.findIndex((queued) => queued.type === "thread");
      if (earlier !== -1) events.splice(earlier, 1);
    }
    events.push(event);
  }

  /** The thread as this transaction last wrote it (its `thread` event), if it wrote it. */
  writtenThread(threadId: string): ThreadRecord | undefined {
    const event = this.eventsByThread.get(threadId)?.find((queued) => queued.type === "thread");
    return event?.type === "thread" ? event.thread : undefined;
  }

  /**
   * Notes a scheduled job, handed to this process's scheduler after the commit. A job scheduled
   * again with the same (type, key) replaced the earlier one (StoreTransaction.scheduleJob): only
   * the last is offered.
   */
  jobScheduled(job: JobRecord): void {
    const replaced = this.jobsScheduled.findIndex(
      (earlier) => earlier.type === job.type && earlier.key === job.key,
    );
    if (replaced !== -1) this.jobsScheduled.splice(replaced, 1);
    this.jobsScheduled.push(job);
  }

  /** Notes a scheduler slot reserved for a job of `type`, given back if this never commits. */
  slotReserved(type: string): void {
    this.reservedSlots.push(type);
  }

  /**
   * Hands a slot of `type` the transaction reserved (`slotReserved`) to `start`, called after the
   * commit, which must see that the slot is freed (Scheduler.runReserved). Rolled back, the
   * slot goes back to the scheduler and `start` is never called.
   */
  useReservedSlot(type: string, start: () => void): void {
    this.reservedSlotWork.push({ type, start });
  }

  /**
   * Runs `action` at the end of the transaction, after the rest of its work: it reads the state
   * the transaction commits (e.g. every message it appended) and may still write.
   */
  beforeCommit(action: (tx: StoreTransaction) => Promise<void>): void {
    this.beforeCommitActions.push(action);
  }

  /** @internal Runs the beforeCommit actions, including any they add. */
  async runBeforeCommit(tx: StoreTransaction): Promise<void> {
    for (let next = 0; next < this.beforeCommitActions.length; next++) {
      await this.beforeCommitActions[next]?.(tx);
    }
  }

  /**
   * @internal Gives back the reserved slots no leased job or reserved-slot work holds: all of
   * them when the transaction did not commit.
   */
  discard(context: Pick<EngineContext, "scheduler">): void {
    for (const type of this.reservedSlots.splice(0)) context.scheduler.cancelReservation(type);
  }

  /** Runs `action` once the transaction committed (never if it rolled back). */
  afterCommit(action: () => void): void {
    this.afterCommitActions.push(action);
  }

  /** @internal Announces everything, in order, after the commit. */
  flush(context: Pick<EngineContext, "bus" | "scheduler">): void {
    for (const [threadId, events] of this.eventsByThread) context.bus.publish(threadId, events);
    // Each leased job, and each work handed a slot (a turn created taken), runs in a slot reserved
    // for it; a slot whose job was replaced goes back.
    const holders = [
      ...this.jobsScheduled.filter((job) => job.leaseOwner !== null),
      ...this.reservedSlotWork,
    ];
    for (const { type } of holders) {
      const slot = this.reservedSlots.indexOf(type);
      if (slot !== -1) this.reservedSlots.splice(slot, 1);
    }
    this.discard(context);
    if (this.jobsScheduled.length > 0) context.scheduler.offer(this.jobsScheduled);
    for (const work of this.reservedSlotWork) work.start();
    for (const action of this.afterCommitActions) action();
  }
}

/**
 * Runs `change` in one transaction and announces its effects after the commit. The store may run
 * `change` more than once (a serialisation conflict): each run starts with fresh Changes.
 */
export async function mutate<T>(
  context: EngineContext,
  change: (tx: StoreTransaction, changes: Changes) => Promise<T>,
): Promise<T> {
  let changes = new Changes();
  let result: T;
  try {
    result = await context.store.transaction(async (tx) => {
      // A run that the store repeats (a conflict) did not commit.
      changes.discard(context);
      changes = new Changes();
      const value = await change(tx, changes);
      await changes.runBeforeCommit(tx);
      return value;
    });
  } catch (error: unknown) {
    changes.discard(context);
    throw error;
  }
  changes.flush(context);
  return result;
}

/**
 * Schedules a job in the transaction; this process's scheduler gets it after the commit. A job
 * due now is inserted leased to this process when its pool has a free slot (Scheduler.reserve).
 */
export async function scheduleJob(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  job: NewJob,
): Promise<JobRecord> {
  const now = context.now();
  const lease = job.runAt <= now ? context.scheduler.reserve(job.type) : undefined;
  if (lease !== undefined) changes.slotReserved(job.type);
  const scheduled = await tx.scheduleJob(job, now, lease);
  changes.jobScheduled(scheduled);
  return scheduled;
}

// One state change = one transaction (DESIGN §4 outbox): the change and the jobs it implies
// commit together. Events for watchers and work started in this process (handing the jobs to its
// scheduler, aborting a local turn) happen only after the commit, so nobody sees a change that
// rolled back.
import type { ThreadEvent } from "../events/event-bus.js";
import type { JobRecord } from "../store/records.js";
import type { NewJob, StoreTransaction } from "../store/store.js";
import type { EngineContext } from "./context.js";

/** What a transaction did that must be announced after it commits. */
export class Changes {
  private readonly eventsByThread = new Map<string, ThreadEvent[]>();
  private readonly afterCommitActions: (() => void)[] = [];
  private readonly jobsScheduled: JobRecord[] = [];

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

  /** Notes a scheduled job, handed to this process's scheduler after the commit. */
  jobScheduled(job: JobRecord): void {
    this.jobsScheduled.push(job);
  }

  /** Runs `action` once the transaction committed (never if it rolled back). */
  afterCommit(action: () => void): void {
    this.afterCommitActions.push(action);
  }

  /** @internal Announces everything, in order, after the commit. */
  flush(context: Pick<EngineContext, "bus" | "offerJobs">): void {
    for (const [threadId, events] of this.eventsByThread) context.bus.publish(threadId, events);
    if (this.jobsScheduled.length > 0) context.offerJobs(this.jobsScheduled);
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
  const result = await context.store.transaction((tx) => {
    changes = new Changes();
    return change(tx, changes);
  });
  changes.flush(context);
  return result;
}

/** Schedules a job in the transaction; this process's scheduler gets it after the commit. */
export async function scheduleJob(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  job: NewJob,
): Promise<JobRecord> {
  const scheduled = await tx.scheduleJob(job, context.now());
  changes.jobScheduled(scheduled);
  return scheduled;
}

// One state change = one transaction (DESIGN §4 outbox): the change and the jobs it implies
// commit together. Events for watchers and work started in this process (waking the scheduler,
// aborting a local turn) happen only after the commit, so nobody sees a change that rolled back.
import type { ThreadEvent } from "../events/event-bus.js";
import type { StoreTransaction } from "../store/store.js";
import type { EngineContext } from "./context.js";

/** What a transaction did that must be announced after it commits. */
export class Changes {
  private readonly eventsByThread = new Map<string, ThreadEvent[]>();
  private readonly afterCommitActions: (() => void)[] = [];
  private jobsScheduled = false;

  /** Queues an event for the thread's watchers. */
  emit(threadId: string, event: ThreadEvent): void {
    const events = this.eventsByThread.get(threadId);
    if (events === undefined) this.eventsByThread.set(threadId, [event]);
    else events.push(event);
  }

  /** Notes that a job was scheduled, so the scheduler looks for due jobs after the commit. */
  jobScheduled(): void {
    this.jobsScheduled = true;
  }

  /** Runs `action` once the transaction committed (never if it rolled back). */
  afterCommit(action: () => void): void {
    this.afterCommitActions.push(action);
  }

  /** @internal Announces everything, in order, after the commit. */
  flush(context: EngineContext): void {
    for (const [threadId, events] of this.eventsByThread) context.bus.publish(threadId, events);
    if (this.jobsScheduled) context.wakeScheduler();
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

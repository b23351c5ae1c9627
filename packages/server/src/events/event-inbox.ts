// A watcher's buffer of one thread's bus events (X1, DESIGN §4): what the bus delivered since the
// subscription, in order, for a reader that takes one at a time.
import type { EventBus, ThreadEvent } from "./event-bus.js";

/**
 * Buffers a thread's bus events from the moment of subscription. Its reader wakes on the event
 * loop's next turn, once for all the events published until then: the bus calls listeners inside
 * the publisher's commit, and a watcher's work (store reads, proto conversion, the HTTP/2 write)
 * started there would interleave with the rest of the publisher's steps — a turn's tool call, its
 * result and the next turn's start (the durable tool hop) would wait for every watcher's share.
 */
export class EventInbox {
  private readonly events: ThreadEvent[] = [];
  private notify: (() => void) | undefined;
  private wakeScheduled = false;
  readonly unsubscribe: () => void;

  constructor(bus: EventBus, threadId: string) {
    this.unsubscribe = bus.subscribe(threadId, (event) => {
      this.events.push(event);
      if (this.wakeScheduled) return;
      this.wakeScheduled = true;
      setImmediate(() => {
        this.wakeScheduled = false;
        this.notify?.();
      });
    });
  }

  /** The next event, or undefined once `signal` aborts. */
  async next(signal: AbortSignal): Promise<ThreadEvent | undefined> {
    while (this.events.length === 0) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          this.notify = undefined;
          resolve();
        };
        this.notify = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
    return this.events.shift();
  }
}

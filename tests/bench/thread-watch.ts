// One WatchThread call kept open on a thread for as long as a client works with it, as a chat UI
// keeps one: it remembers the latest thread state and wakes whoever waits for a state, and it
// reports the text deltas it sees. Closed through its call's signal (connect-es iterators do not
// cancel the call when a loop leaves early).
import type { Client } from "@connectrpc/connect";
import { type StreamService, type Thread, ThreadStatus } from "@durable-agents/core/proto";
import { withDeadline } from "./deadline.js";
import { type Deferred, deferred } from "./deferred.js";

export interface ThreadWatch {
  /** Resolves with the first thread state (the snapshot's, or a later one) `accept` takes. */
  waitFor(accept: (thread: Thread) => boolean, what: string, timeoutMs: number): Promise<Thread>;
  /** Resolves once the text deltas seen so far, joined, contain `text`. */
  sawText(text: string, timeoutMs: number): Promise<void>;
  close(): void;
}

interface Waiter {
  accept(thread: Thread): boolean;
  done: Deferred<Thread>;
}

export function watchThread(streams: Client<typeof StreamService>, threadId: string): ThreadWatch {
  const closed = new AbortController();
  const waiters = new Set<Waiter>();
  const texts = new Map<string, Deferred<void>>();
  // Deltas are compacted before they are written (B5): adjacent text deltas arrive joined.
  let seenText = "";
  let latest: Thread | undefined;
  let failure: unknown;

  const update = (thread: Thread) => {
    latest = thread;
    for (const waiter of waiters) {
      if (waiter.accept(thread)) {
        waiters.delete(waiter);
        waiter.done.resolve(thread);
      }
    }
    if (thread.status === ThreadStatus.FAILED) fail(new Error(`thread ${threadId} failed`));
  };
  const fail = (error: unknown) => {
    failure = error;
    for (const waiter of waiters) waiter.done.reject(error);
    waiters.clear();
    for (const text of texts.values()) text.reject(error);
    texts.clear();
  };
  const consume = async () => {
    for await (const { event } of streams.watchThread({ threadId }, { signal: closed.signal })) {
      if (event.case === "snapshot" && event.value.thread !== undefined) update(event.value.thread);
      if (event.case === "thread") update(event.value);
      if (event.case === "delta") {
        for (const { chunk } of event.value.chunks) {
          if (chunk.case === "textDelta") seenText += chunk.value.delta;
        }
        for (const [text, seen] of texts) {
          if (!seenText.includes(text)) continue;
          seen.resolve();
          texts.delete(text);
        }
      }
    }
    throw new Error(`the watch of thread ${threadId} ended`);
  };
  consume().catch((error: unknown) => {
    if (!closed.signal.aborted) fail(error);
  });

  return {
    async waitFor(accept, what, timeoutMs) {
      if (failure !== undefined) throw failure;
      if (latest !== undefined && accept(latest)) return latest;
      const waiter: Waiter = { accept, done: deferred() };
      waiters.add(waiter);
      try {
        return await withDeadline(waiter.done.promise, timeoutMs, `thread ${threadId}: ${what}`);
      } catch (error: unknown) {
        const status = latest === undefined ? "none" : ThreadStatus[latest.status];
        throw new Error(`${error instanceof Error ? error.message : error} (status ${status})`);
      } finally {
        waiters.delete(waiter);
      }
    },
    sawText(text, timeoutMs) {
      if (failure !== undefined) return Promise.reject(failure);
      if (seenText.includes(text)) return Promise.resolve();
      const seen = texts.get(text) ?? deferred<void>();
      texts.set(text, seen);
      return withDeadline(seen.promise, timeoutMs, `thread ${threadId}: the delta "${text}"`);
    },
    close: () => closed.abort(),
  };
}

/**
 * The loop a SendMessage started ended: the thread is idle in a state written after the one the
 * SendMessage answered with (`sentVersion`). Counting seqs would not do: a loop takes three (two
 * turns and the tool's outcome stream, B15), and the end of the previous loop is still the
 * watch's latest state until it hears the new turn start.
 */
export function hasFinishedLoopAfter(sentVersion: bigint): (thread: Thread) => boolean {
  return (thread) =>
    thread.version > sentVersion &&
    thread.status === ThreadStatus.COMPLETED &&
    thread.activeStreamId === undefined;
}

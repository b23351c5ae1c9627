// Waiting for a thread to reach a state by watching it (WatchThread), never by sleeping: the wait
// ends on the event that shows the state, or fails at its deadline.
import type { Client } from "@connectrpc/connect";
import { type StreamService, type Thread, ThreadStatus } from "@durable-agents/core/proto";

export async function waitForThread(
  streams: Client<typeof StreamService>,
  threadId: string,
  accept: (thread: Thread) => boolean,
  timeoutMs = 10_000,
): Promise<Thread> {
  // Connect's response iterators do not cancel the call when a loop leaves early: the call is
  // cancelled through its signal, so the server's handler ends.
  const done = new AbortController();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([done.signal, deadline]);
  let last: Thread | undefined;
  try {
    for await (const response of streams.watchThread({ threadId }, { signal })) {
      const { event } = response;
      const thread =
        event.case === "snapshot"
          ? event.value.thread
          : event.case === "thread"
            ? event.value
            : undefined;
      if (thread === undefined) continue;
      last = thread;
      if (accept(thread)) return thread;
    }
  } catch (error: unknown) {
    if (!deadline.aborted) throw error;
  } finally {
    done.abort();
  }
  throw new Error(
    `thread ${threadId} did not reach the expected state within ${timeoutMs} ms; last status ${
      last === undefined ? "none" : ThreadStatus[last.status]
    }`,
  );
}

export const hasStatus =
  (...statuses: ThreadStatus[]) =>
  (thread: Thread) =>
    statuses.includes(thread.status);

/** Idle: the loop ended (completed, failed or stopped) with no turn pending. */
export const isIdle = (thread: Thread) =>
  thread.activeStreamId === undefined &&
  [ThreadStatus.COMPLETED, ThreadStatus.FAILED, ThreadStatus.STOPPED].includes(thread.status);

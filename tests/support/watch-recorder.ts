// Records everything WatchThread reports about a thread while a test acts on it, so the test can
// wait for an event (never a sleep) and afterwards assert on the whole history: which streams ran,
// when deltas arrived, which statuses the thread went through.
import type { Client } from "@connectrpc/connect";
import { protoToUIChunk, type UIChunk } from "@durable-agents/core";
import type {
  Delta,
  StreamService,
  StreamState,
  Thread,
  WatchThreadResponse,
} from "@durable-agents/core/proto";

export interface RecordedEvent {
  response: WatchThreadResponse;
  /** performance.now() when the client received it. */
  receivedAt: number;
}

export interface WatchRecording {
  readonly events: readonly RecordedEvent[];
  /** Resolves once `accept` holds for the events so far; rejects at the deadline or if the call fails. */
  until(
    accept: (events: readonly RecordedEvent[]) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<readonly RecordedEvent[]>;
  /** Cancels the call (through its signal, DESIGN decisions) and waits for it to end. */
  stop(): Promise<void>;
}

/** Starts WatchThread and resolves once the stored history was sent (CaughtUp): live from then on. */
export async function recordWatch(
  streams: Client<typeof StreamService>,
  threadId: string,
): Promise<WatchRecording> {
  const events: RecordedEvent[] = [];
  const waiters = new Set<() => void>();
  const cancel = new AbortController();
  let failure: unknown;
  let ended = false;
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const reading = (async () => {
    try {
      for await (const response of streams.watchThread({ threadId }, { signal: cancel.signal })) {
        events.push({ response, receivedAt: performance.now() });
        notify();
      }
    } catch (error: unknown) {
      if (!cancel.signal.aborted) failure = error;
    } finally {
      ended = true;
      notify();
    }
  })();

  const until: WatchRecording["until"] = (accept, description, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`watch of ${threadId}: no ${description} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (accept(events)) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(events);
        } else if (ended) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(
            new Error(
              `watch of ${threadId} ended before ${description}: ${String(failure ?? "no error")}`,
            ),
          );
        }
      };
      waiters.add(check);
      check();
    });

  const recording: WatchRecording = {
    events,
    until,
    async stop() {
      cancel.abort();
      await reading;
    },
  };
  try {
    await until(
      (seen) => seen.some((event) => event.response.event.case === "caughtUp"),
      "caught-up",
    );
  } catch (error: unknown) {
    await recording.stop();
    throw error;
  }
  return recording;
}

/** The thread states reported (snapshots and changes), in order. */
export function threadStates(events: readonly RecordedEvent[]): Thread[] {
  return events.flatMap(({ response: { event } }) => {
    if (event.case === "thread") return [event.value];
    if (event.case === "snapshot" && event.value.thread !== undefined) return [event.value.thread];
    return [];
  });
}

export function latestThread(events: readonly RecordedEvent[]): Thread | undefined {
  return threadStates(events).at(-1);
}

export function deltaEvents(events: readonly RecordedEvent[]): Delta[] {
  return events.flatMap(({ response: { event } }) => (event.case === "delta" ? [event.value] : []));
}

export function streamStateEvents(events: readonly RecordedEvent[]): StreamState[] {
  return events.flatMap(({ response: { event } }) =>
    event.case === "streamState" ? [event.value] : [],
  );
}

/** The chunks of deltas, as AI SDK chunks. */
export function chunksOf(deltas: readonly Delta[]): UIChunk[] {
  return deltas.flatMap((delta) => delta.chunks.map(protoToUIChunk));
}

/** The streamed text of deltas: their text-delta chunks joined. */
export function streamedText(deltas: readonly Delta[]): string {
  return chunksOf(deltas)
    .flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : []))
    .join("");
}

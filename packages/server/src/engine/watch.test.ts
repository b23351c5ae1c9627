// A live WatchThread watcher (X1) on a real SQLite store, fed bus events the way the engine
// publishes them: after the rows are written. It must send every delta and stream end once, in
// cursor order, repairing lost events from the store (DESIGN §4), and read the store only when an
// event leaves something it may not have seen.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ThreadEvent } from "../events/event-bus.js";
import { deltaRecord, streamRecord, T0 } from "../store/conformance/fixtures.js";
import { seedThread } from "../store/conformance/seed.js";
import type { StreamRecord, ThreadRecord } from "../store/records.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { DeltaPosition, Store } from "../store/store.js";
import { createTestEngineContext } from "../test-support/engine-context.js";
import type { EngineContext } from "./context.js";
import { BEFORE_STREAM_END, type WatchCursor, type WatchUpdate, watchThread } from "./watch.js";

interface ReadCounts {
  listStreams: number;
  listDeltas: number;
}

/** The store, counting the reads a watcher makes to find deltas it has not sent. */
function countingReads(store: Store): { store: Store; counts: ReadCounts } {
  const counts: ReadCounts = { listStreams: 0, listDeltas: 0 };
  const counted = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "listStreams" || property === "listDeltas") {
        return (...args: unknown[]) => {
          counts[property] += 1;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return { store: counted, counts };
}

const position = (cursor: DeltaPosition) =>
  `${cursor.streamSeq}.${cursor.deltaSeq === BEFORE_STREAM_END ? "end" : cursor.deltaSeq}`;

/** An update as the test expects it: what it is and the cursor it came with. */
function summary(update: WatchUpdate, cursor: WatchCursor): string {
  const at = `@${position(cursor.stream)}`;
  switch (update.type) {
    case "delta":
      return `delta ${update.delta.streamSeq}.${update.delta.deltaSeq} ${at}`;
    case "stream_state":
      return `stream ${update.stream.seq} ${update.stream.status} ${at}`;
    default:
      return `${update.type} ${at}`;
  }
}

/**
 * A watcher from an empty thread's snapshot that handles each event as soon as it is published,
 * as a watcher that keeps up does: `publish` adds a thread event as a marker and waits for the
 * watcher to pass it, so no test waits on time.
 */
class Watcher {
  /** What the watcher sent after CaughtUp, markers left out. */
  readonly sent: string[] = [];
  private readonly updates: AsyncGenerator<{ update: WatchUpdate; cursor: WatchCursor }>;
  private markerVersion: number;

  constructor(
    private readonly context: EngineContext,
    private readonly thread: ThreadRecord,
  ) {
    this.updates = watchThread(context, {
      threadId: thread.threadId,
      owner: thread.owner,
      after: undefined,
      historyOnly: false,
      signal: new AbortController().signal,
    });
    this.markerVersion = thread.version;
  }

  /** The updates up to CaughtUp (the snapshot and the stored history). */
  async caughtUp(): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      const { update, cursor } = await this.next();
      seen.push(summary(update, cursor));
      if (update.type === "caught_up") return seen;
    }
  }

  async publish(...events: ThreadEvent[]): Promise<void> {
    this.markerVersion += 1;
    const version = this.markerVersion;
    this.context.bus.publish(this.thread.threadId, [
      ...events,
      { type: "thread", thread: { ...this.thread, version } },
    ]);
    for (;;) {
      const { update, cursor } = await this.next();
      if (update.type === "thread" && update.thread.version === version) return;
      this.sent.push(summary(update, cursor));
    }
  }

  /** Ends the watcher, as a client that goes away does. */
  async close(): Promise<void> {
    await this.updates.return(undefined);
  }

  private async next(): Promise<{ update: WatchUpdate; cursor: WatchCursor }> {
    const next = await this.updates.next();
    if (next.done === true) throw new Error(`the watcher ended after ${this.sent.join(", ")}`);
    return next.value;
  }
}

describe("live watcher (X1)", () => {
  let store: Store;
  let counts: ReadCounts;
  let thread: ThreadRecord;
  let watcher: Watcher;

  beforeEach(async () => {
    store = createSqliteStore({ path: ":memory:" });
    await store.migrate();
    thread = await seedThread(store, { status: "streaming" });
    const counting = countingReads(store);
    counts = counting.counts;
    watcher = new Watcher(createTestEngineContext(counting.store, { now: () => T0 }), thread);
    expect(await watcher.caughtUp()).toEqual(["snapshot @0.end", "caught_up @0.end"]);
    counts.listStreams = 0;
    counts.listDeltas = 0;
  });
  afterEach(async () => {
    await watcher.close();
    await store.close();
  });

  async function openStream(seq: number): Promise<StreamRecord> {
    const stream = streamRecord(thread.threadId, seq, { status: "streaming" });
    await store.transaction((tx) => tx.insertStream(stream));
    return stream;
  }

  async function writeDelta(stream: StreamRecord, deltaSeq: number): Promise<ThreadEvent> {
    const delta = deltaRecord(stream, deltaSeq);
    await store.transaction((tx) => tx.updateStream(stream.streamId, {}, [delta]));
    return { type: "delta", delta };
  }

  async function endStream(stream: StreamRecord): Promise<ThreadEvent> {
    const ended = await store.transaction((tx) =>
      tx.updateStream(stream.streamId, { status: "finished", endedAt: T0 }),
    );
    return { type: "stream_state", stream: ended };
  }

  /** A tool's outcome stream (B6): one delta, ended in the transaction that wrote it. */
  async function writeOutcomeStream(seq: number): Promise<ThreadEvent[]> {
    const stream = streamRecord(thread.threadId, seq, { kind: "tool_outcome", status: "finished" });
    const delta = deltaRecord(stream, 0);
    await store.transaction((tx) => tx.insertStream({ ...stream, deltaCount: 1 }, [delta]));
    return [
      { type: "delta", delta },
      { type: "stream_state", stream: { ...stream, deltaCount: 1 } },
    ];
  }

  it("follows streams in order from bus events alone, reading no deltas from the store", async () => {
    for (const [seq, deltaCount] of [
      [1, 3],
      [2, 2],
    ] as const) {
      const stream = await openStream(seq);
      await watcher.publish({ type: "stream_state", stream });
      for (let deltaSeq = 0; deltaSeq < deltaCount; deltaSeq += 1) {
        await watcher.publish(await writeDelta(stream, deltaSeq));
      }
      await watcher.publish(await endStream(stream));
    }

    expect(watcher.sent).toEqual([
      "stream 1 streaming @0.end",
      "delta 1.0 @1.0",
      "delta 1.1 @1.1",
      "delta 1.2 @1.2",
      "stream 1 finished @1.end",
      "stream 2 streaming @1.end",
      "delta 2.0 @2.0",
      "delta 2.1 @2.1",
      "stream 2 finished @2.end",
    ]);
    expect(counts).toEqual({ listStreams: 0, listDeltas: 0 });
  });

  it("holds a tool outcome's stream back until the earlier open stream ended", async () => {
    const turn = await openStream(1);
    await watcher.publish(await writeDelta(turn, 0));
    await watcher.publish(await writeDelta(turn, 1));
    await watcher.publish(...(await writeOutcomeStream(2)));
    await watcher.publish(await writeDelta(turn, 2));
    await watcher.publish(await endStream(turn));
    expect(watcher.sent).toEqual([
      "delta 1.0 @1.0",
      "delta 1.1 @1.1",
      // The outcome's delta waits; its end passes on with the cursor still in stream 1.
      "stream 2 finished @1.1",
      "delta 1.2 @1.2",
      "stream 1 finished @1.end",
      "delta 2.0 @2.0",
    ]);

    const next = await openStream(3);
    await watcher.publish(await writeDelta(next, 0));
    await watcher.publish(await endStream(next));
    expect(watcher.sent.slice(6)).toEqual(["delta 3.0 @3.0", "stream 3 finished @3.end"]);
    // Reads for the outcome's delta and end (held back) and stream 1's end (releases it); stream
    // 3's first delta follows stream 2, whose end was heard of with its one delta; none once
    // stream 3 ends.
    expect(counts.listDeltas).toBe(3);
  });

  it("sends a stream's last delta whose event was lost, from the store, after its end", async () => {
    const first = await openStream(1);
    await watcher.publish(await writeDelta(first, 0));
    await watcher.publish(await writeDelta(first, 1));
    await writeDelta(first, 2);
    await watcher.publish(await endStream(first));
    expect(watcher.sent).toEqual([
      "delta 1.0 @1.0",
      "delta 1.1 @1.1",
      "stream 1 finished @1.1",
      "delta 1.2 @1.2",
    ]);

    const second = await openStream(2);
    await watcher.publish(await writeDelta(second, 0));
    await watcher.publish(await endStream(second));
    expect(watcher.sent.slice(4)).toEqual(["delta 2.0 @2.0", "stream 2 finished @2.end"]);
  });

  it("repairs a lost first delta of a stream from the store when the second arrives", async () => {
    const first = await openStream(1);
    for (const deltaSeq of [0, 1, 2]) await watcher.publish(await writeDelta(first, deltaSeq));
    await watcher.publish(await endStream(first));
    const second = await openStream(2);
    await writeDelta(second, 0);
    await watcher.publish(await writeDelta(second, 1));
    await watcher.publish(await endStream(second));

    expect(watcher.sent).toEqual([
      "delta 1.0 @1.0",
      "delta 1.1 @1.1",
      "delta 1.2 @1.2",
      "stream 1 finished @1.end",
      "delta 2.0 @2.0",
      "delta 2.1 @2.1",
      "stream 2 finished @2.end",
    ]);
    expect(counts.listDeltas).toBe(1);
  });
});

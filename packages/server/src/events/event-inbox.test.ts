// The watcher's inbox on the in-process bus: every event in order, and a reader that resumes only
// once the publisher's burst of work is done (X1: watchers must not hold up a turn's steps).
import { describe, expect, it } from "vitest";
import { streamRecord } from "../store/conformance/fixtures.js";
import type { ThreadEvent } from "./event-bus.js";
import { EventInbox } from "./event-inbox.js";
import { createLocalEventBus } from "./local-event-bus.js";

const THREAD_ID = "thread_inbox";

function streamEvent(seq: number): ThreadEvent {
  return { type: "stream_state", stream: streamRecord(THREAD_ID, seq) };
}

/** Settles on the event loop's next turn, after every microtask queued before it. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("EventInbox", () => {
  it("wakes its reader after the publisher's work, with every event published in it", async () => {
    const bus = createLocalEventBus();
    const inbox = new EventInbox(bus, THREAD_ID);
    const signal = new AbortController().signal;
    const log: string[] = [];
    const reader = (async () => {
      for (let read = 0; read < 2; read++) {
        const event = await inbox.next(signal);
        log.push(`read ${event?.type === "stream_state" ? event.stream.seq : "?"}`);
      }
    })();

    // A publisher that commits, goes on through awaits (as a turn does), and commits again.
    bus.publish(THREAD_ID, [streamEvent(1)]);
    for (let step = 0; step < 20; step++) await Promise.resolve();
    log.push("publisher went on");
    bus.publish(THREAD_ID, [streamEvent(2)]);
    log.push("publisher done");
    await reader;

    expect(log).toEqual(["publisher went on", "publisher done", "read 1", "read 2"]);
    inbox.unsubscribe();
  });

  it("hands over events that arrived while its reader was busy without waiting again", async () => {
    const bus = createLocalEventBus();
    const inbox = new EventInbox(bus, THREAD_ID);
    const signal = new AbortController().signal;
    bus.publish(THREAD_ID, [streamEvent(1), streamEvent(2)]);
    await nextTurn();

    // Both are buffered: the reader gets them in order, before another turn of the event loop.
    const read = Promise.all([inbox.next(signal), inbox.next(signal)]);
    const first = await Promise.race([read, nextTurn().then(() => "waited")]);
    expect(first).not.toBe("waited");
    expect((await read).map((event) => event?.type === "stream_state" && event.stream.seq)).toEqual(
      [1, 2],
    );
    inbox.unsubscribe();
  });

  it("ends its reader's wait when the signal aborts", async () => {
    const inbox = new EventInbox(createLocalEventBus(), THREAD_ID);
    const stop = new AbortController();
    const waiting = inbox.next(stop.signal);
    stop.abort();
    await expect(waiting).resolves.toBeUndefined();
    inbox.unsubscribe();
  });
});

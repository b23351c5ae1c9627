// The NATS event bus against a real nats-server (127.0.0.1:4222, or DURABLE_AGENTS_TEST_NATS_URL):
// two replicas on one prefix, each with its own connection, as two server processes would be.
import { randomUUID } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ThreadRecord } from "../store/records.js";
import { connectNats, type NatsLink } from "../transport/nats/nats-connection.js";
import { natsNames } from "../transport/nats/nats-names.js";
import type { EventBus, ThreadEvent } from "./event-bus.js";
import { createNatsEventBus } from "./nats-event-bus.js";

const natsUrl = process.env.DURABLE_AGENTS_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

async function isNatsReachable(): Promise<boolean> {
  try {
    const probe = await connect({ servers: natsUrl, timeout: 1_000, maxReconnectAttempts: 0 });
    await probe.close();
    return true;
  } catch {
    return false;
  }
}

// Outside CI a machine without NATS skips, loudly; CI provides NATS, so there it must fail.
const skip = !(await isNatsReachable()) && process.env.CI !== "true";
if (skip) console.warn(`NATS event bus tests SKIPPED: no NATS at ${natsUrl}`);

const logger = pino({ level: "silent" });

function threadEvent(threadId: string, version: number): ThreadEvent {
  return {
    type: "thread",
    thread: { threadId, version } as ThreadRecord,
  };
}

/** Resolves with the events `bus` delivers for `threadId` once `count` arrived. */
function collect(bus: EventBus, threadId: string, count: number, timeoutMs = 5_000) {
  const events: ThreadEvent[] = [];
  let unsubscribe = () => {};
  const done = new Promise<ThreadEvent[]>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`expected ${count} events within ${timeoutMs} ms, got ${events.length}`)),
      timeoutMs,
    );
    unsubscribe = bus.subscribe(threadId, (event) => {
      events.push(event);
      if (events.length === count) {
        clearTimeout(timer);
        resolve(events);
      }
    });
  });
  return { events, done, unsubscribe: () => unsubscribe() };
}

describe.skipIf(skip)("NATS event bus (DESIGN §4, X1)", () => {
  let links: NatsLink[];
  let busA: EventBus;
  let busB: EventBus;

  beforeEach(async () => {
    const prefix = `t_${randomUUID().replaceAll("-", "")}`;
    const names = natsNames(prefix);
    const config = { url: natsUrl, prefix, localTools: false, extensions: {} };
    links = [
      await connectNats(config, { name: "bus-a", logger }),
      await connectNats(config, { name: "bus-b", logger }),
    ];
    const [linkA, linkB] = links;
    if (linkA === undefined || linkB === undefined) throw new Error("no links");
    busA = createNatsEventBus({ link: linkA, names, logger });
    busB = createNatsEventBus({ link: linkB, names, logger });
  });

  afterEach(async () => {
    await busA.close();
    await busB.close();
    for (const link of links) await link.close();
  });

  it("X1 delivers to the publishing replica's listeners at once and to other replicas through NATS, each once", async () => {
    const threadId = randomUUID();
    const onA = collect(busA, threadId, 2);
    const onB = collect(busB, threadId, 2);
    // Both replicas' interest has reached NATS before anything is published.
    for (const link of links) await link.connection.flush();
    busA.publish(threadId, [threadEvent(threadId, 1), threadEvent(threadId, 2)]);
    // Local listeners hear the events synchronously, before any NATS round trip.
    expect(onA.events).toEqual([threadEvent(threadId, 1), threadEvent(threadId, 2)]);
    expect(await onB.done).toEqual([threadEvent(threadId, 1), threadEvent(threadId, 2)]);
    // A's own echo from NATS is ignored: a later event from B is the only thing A hears next.
    const next = collect(busA, threadId, 1);
    busB.publish(threadId, [threadEvent(threadId, 3)]);
    expect(await next.done).toEqual([threadEvent(threadId, 3)]);
    expect(onA.events).toEqual([
      threadEvent(threadId, 1),
      threadEvent(threadId, 2),
      threadEvent(threadId, 3),
    ]);
    onA.unsubscribe();
    onB.unsubscribe();
    next.unsubscribe();
  });

  it("keeps threads apart and stops hearing a thread after its last listener leaves", async () => {
    const watched = randomUUID();
    const other = randomUUID();
    const onB = collect(busB, watched, 1);
    for (const link of links) await link.connection.flush();
    busA.publish(other, [threadEvent(other, 1)]);
    busA.publish(watched, [threadEvent(watched, 1)]);
    expect(await onB.done).toEqual([threadEvent(watched, 1)]);
    onB.unsubscribe();
    // Resubscribing starts from live events only; the earlier unsubscribe left no stale listener.
    const again = collect(busB, watched, 1);
    for (const link of links) await link.connection.flush();
    busA.publish(watched, [threadEvent(watched, 2)]);
    expect(await again.done).toEqual([threadEvent(watched, 2)]);
    expect(onB.events).toEqual([threadEvent(watched, 1)]);
    again.unsubscribe();
  });
});

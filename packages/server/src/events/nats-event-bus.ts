// The EventBus of the scaled deployment (DESIGN §2, §4): a thread's events reach the watchers of
// every server replica through the core NATS subject `<prefix>.events.<thread_id>`. Listeners of
// the publishing replica hear them at once, without a NATS round trip; the replica ignores its
// own echo (by an instance id header), so no listener hears an event twice. Events are JSON: the
// subject is internal between replicas of one release. A lost event only delays an update:
// watchers repair gaps from the store (engine/watch.ts).
import { randomUUID } from "node:crypto";
import { headers, type Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsLink } from "../transport/nats/nats-connection.js";
import { isSubjectToken, type NatsNames } from "../transport/nats/nats-names.js";
import type { EventBus, ThreadEvent, ThreadEventListener } from "./event-bus.js";

/** The header naming the replica that published an event batch. */
export const EVENT_SOURCE_HEADER = "Durable-Agents-Instance";

export interface NatsEventBusOptions {
  link: NatsLink;
  names: NatsNames;
  logger: Logger;
  /** Identifies this replica on the bus. @default a random UUID */
  instanceId?: string;
}

/** NATS's default limit of one message, for a connection that has not heard the server's. */
const DEFAULT_MAX_PAYLOAD = 1_048_576;

interface ThreadListeners {
  listeners: Set<ThreadEventListener>;
  /** Undefined when the thread's events cannot come from NATS (bus closed, odd thread id). */
  subscription: Subscription | undefined;
}

export function createNatsEventBus(options: NatsEventBusOptions): EventBus {
  const { link, names, logger } = options;
  const nc = link.connection;
  const instanceId = options.instanceId ?? randomUUID();
  const threads = new Map<string, ThreadListeners>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let closed = false;

  const deliver = (listeners: Set<ThreadEventListener>, events: readonly ThreadEvent[]) => {
    for (const event of events) {
      // Copy: a listener may unsubscribe (or subscribe another) while we iterate.
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error: unknown) {
          logger.error({ err: error }, "a thread event listener failed");
        }
      }
    }
  };

  const publishRemotely = (threadId: string, events: readonly ThreadEvent[]) => {
    if (closed || nc.isClosed() || !isSubjectToken(threadId)) return;
    const data = encoder.encode(JSON.stringify(events));
    // Too big for one NATS message: other replicas' watchers backfill it from the store when the
    // next event shows them the gap.
    if (data.byteLength > (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD)) {
      logger.debug({ threadId, bytes: data.byteLength }, "thread events too large for the bus");
      return;
    }
    const source = headers();
    source.set(EVENT_SOURCE_HEADER, instanceId);
    try {
      nc.publish(names.threadEventsSubject(threadId), data, { headers: source });
    } catch (error: unknown) {
      logger.warn({ err: error, threadId }, "publishing thread events failed");
    }
  };

  const onRemoteEvents = (threadId: string, data: Uint8Array) => {
    const entry = threads.get(threadId);
    if (entry === undefined) return;
    let events: unknown;
    try {
      events = JSON.parse(decoder.decode(data));
    } catch (error: unknown) {
      logger.warn({ err: error, threadId }, "dropping unreadable thread events");
      return;
    }
    if (!Array.isArray(events)) return;
    deliver(entry.listeners, events as ThreadEvent[]);
  };

  /** The first local listener of a thread starts hearing other replicas' events of it. */
  const subscribeRemotely = (threadId: string): Subscription | undefined => {
    if (closed || nc.isClosed() || !isSubjectToken(threadId)) return undefined;
    return nc.subscribe(names.threadEventsSubject(threadId), {
      callback: (error, message) => {
        if (error !== null) {
          logger.warn({ err: error, threadId }, "thread event subscription failed");
          return;
        }
        // Our own events reached our listeners when we published them.
        if (message.headers?.get(EVENT_SOURCE_HEADER) === instanceId) return;
        onRemoteEvents(threadId, message.data);
      },
    });
  };

  return {
    publish(threadId, events) {
      if (events.length === 0) return;
      const entry = threads.get(threadId);
      if (entry !== undefined) deliver(entry.listeners, events);
      publishRemotely(threadId, events);
    },

    subscribe(threadId, listener) {
      let entry = threads.get(threadId);
      if (entry === undefined) {
        entry = { listeners: new Set(), subscription: subscribeRemotely(threadId) };
        threads.set(threadId, entry);
      }
      entry.listeners.add(listener);
      const subscribed = entry;
      return () => {
        subscribed.listeners.delete(listener);
        if (subscribed.listeners.size > 0 || threads.get(threadId) !== subscribed) return;
        threads.delete(threadId);
        if (!nc.isClosed()) subscribed.subscription?.unsubscribe();
      };
    },

    async close() {
      closed = true;
      for (const entry of threads.values()) {
        if (!nc.isClosed()) entry.subscription?.unsubscribe();
      }
      threads.clear();
    },
  };
}

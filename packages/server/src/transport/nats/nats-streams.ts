// Creates the runner protocol's streams and the servers' outcome consumer (runner.proto), or
// leaves them as they are: whoever starts first (a server or a runner) creates them with the same
// names and settings, so creating is idempotent and a race between two creators is harmless.

import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { NatsNames } from "./nats-names.js";

/**
 * How long the servers' consumer waits for an outcome's ack before redelivering it; applying an
 * outcome takes milliseconds, so this only matters when a server dies while applying one.
 */
const OUTCOME_ACK_WAIT_MS = 30_000;

function isMissing(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subjects: string[],
): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (error: unknown) {
    if (!isMissing(error, JetStreamApiCodes.StreamNotFound)) throw error;
  }
  try {
    await jsm.streams.add({
      name,
      subjects,
      // Work queues: a message is gone once a consumer acks it (a runner acks a task only after
      // publishing its outcome, so a runner that dies leaves its task to be redelivered).
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
  } catch (error: unknown) {
    // Another server or runner created it between our look and our add.
    await jsm.streams.info(name).catch(() => {
      throw error;
    });
  }
}

/** The `<PREFIX>_TOOLS` and `<PREFIX>_OUTCOMES` streams. */
export async function ensureRunnerStreams(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  await ensureStream(jsm, names.toolsStream, [names.toolsStreamSubjects]);
  await ensureStream(jsm, names.outcomesStream, [names.outcomeSubject]);
}

/** The durable pull consumer `servers` on `<PREFIX>_OUTCOMES`, shared by every server replica. */
export async function ensureOutcomeConsumer(
  jsm: JetStreamManager,
  names: NatsNames,
): Promise<void> {
  try {
    await jsm.consumers.info(names.outcomesStream, names.serversGroup);
    return;
  } catch (error: unknown) {
    if (!isMissing(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
  }
  try {
    await jsm.consumers.add(names.outcomesStream, {
      durable_name: names.serversGroup,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(OUTCOME_ACK_WAIT_MS),
      // Never given up on: applying is idempotent (B17), and a lost outcome would leave the call
      // to recovery's re-dispatch (B20).
      max_deliver: -1,
    });
  } catch (error: unknown) {
    await jsm.consumers.info(names.outcomesStream, names.serversGroup).catch(() => {
      throw error;
    });
  }
}

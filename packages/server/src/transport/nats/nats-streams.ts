// Creates the servers' outcome consumer (runner.proto), or leaves it as it is; the streams
// themselves are created by the tool-runner SDK's ensureStreams, shared by servers and runners.

import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
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

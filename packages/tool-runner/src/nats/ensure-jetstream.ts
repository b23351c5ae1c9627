// Creates the runner protocol's streams and a tool's consumer when they are missing, tolerating
// another process (a server, another runner) creating them at the same moment (runner.proto).
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { ProtocolNames } from "./protocol-names.js";

/** How long JetStream waits for a task's ack before redelivering it (in-progress acks reset it). */
export const TASK_ACK_WAIT_MS = 30_000;

/** JetStream's error code for "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;

const nanos = (ms: number) => ms * 1_000_000;

function hasCode(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/**
 * Ensures a work-queue stream carrying `subject` exists. An existing stream keeps its settings
 * (whoever created it chose them); only a missing subject is added.
 */
async function ensureStream(jsm: JetStreamManager, name: string, subject: string): Promise<void> {
  const existing = await jsm.streams.info(name).catch((error: unknown) => {
    if (hasCode(error, JetStreamApiCodes.StreamNotFound)) return undefined;
    throw error;
  });
  if (existing === undefined) {
    try {
      await jsm.streams.add({
        name,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
      });
      return;
    } catch (error: unknown) {
      // Another process created it between our info and add: theirs is as good as ours.
      if (!hasCode(error, STREAM_NAME_IN_USE)) throw error;
    }
    return ensureStream(jsm, name, subject);
  }
  if (!existing.config.subjects?.includes(subject)) {
    await jsm.streams.update(name, {
      subjects: [...(existing.config.subjects ?? []), subject],
    });
  }
}

/** Ensures the streams `<PREFIX>_TOOLS` and `<PREFIX>_OUTCOMES` exist. */
export async function ensureStreams(jsm: JetStreamManager, names: ProtocolNames): Promise<void> {
  await ensureStream(jsm, names.toolsStream, names.toolsStreamSubjects);
  await ensureStream(jsm, names.outcomesStream, names.outcomeSubject);
}

/**
 * Ensures the durable pull consumer `tool_<name>` of a tool exists, filtered on its exec subject
 * with explicit acks. An existing consumer keeps its tunables (ack wait, max deliver), so a
 * runner never undoes what the server or an operator set; only a wrong filter is corrected.
 */
export async function ensureToolConsumer(
  jsm: JetStreamManager,
  names: ProtocolNames,
  toolName: string,
): Promise<void> {
  const consumer = names.consumerName(toolName);
  const filterSubject = names.execSubject(toolName);
  const existing = await jsm.consumers.info(names.toolsStream, consumer).catch((error: unknown) => {
    if (hasCode(error, JetStreamApiCodes.ConsumerNotFound)) return undefined;
    throw error;
  });
  if (existing === undefined) {
    // Create-or-update: identical settings from a concurrent creator make this a no-op.
    await jsm.consumers.add(names.toolsStream, {
      durable_name: consumer,
      filter_subject: filterSubject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(TASK_ACK_WAIT_MS),
      deliver_policy: DeliverPolicy.All,
      // Retries are the server's decision (B15): JetStream redelivers until the task is acked.
      max_deliver: -1,
    });
    return;
  }
  if (existing.config.filter_subject !== filterSubject) {
    await jsm.consumers.update(names.toolsStream, consumer, { filter_subject: filterSubject });
  }
}

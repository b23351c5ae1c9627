// `floor.jetstream_hop`: the raw JetStream job → worker → result hop, the floor of what a tool call
// over NATS adds. The requester publishes a job to a work-queue stream (awaiting the PubAck); a
// worker in another process (jetstream-worker.ts) pulls it, publishes a result to a second
// work-queue stream (awaiting its PubAck) and acks the job; the requester's pull consumer receives
// the result. Timed from the job's publication to the result's arrival. The streams have random
// names and are deleted afterwards, the worker is killed, even when the measurement fails.
import { fileURLToPath } from "node:url";
import {
  AckPolicy,
  type ConsumerMessages,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type ChildScript, startScript } from "./child-process.js";
import { type MeasureOptions, measure, type Sample } from "./measure.js";
import { deleteStreams, randomPrefix } from "./nats.js";

const workerScript = fileURLToPath(new URL("./jetstream-worker.js", import.meta.url));

/** How long one hop may take before the floor fails (a lost job, a dead worker). */
const HOP_TIMEOUT_MS = 10_000;

export async function measureJetStreamHop(url: string, options: MeasureOptions): Promise<Sample> {
  const prefix = randomPrefix();
  const upper = prefix.toUpperCase();
  const jobs = { stream: `${upper}_JOBS`, subject: `${prefix}.jobs`, consumer: "worker" };
  const results = {
    stream: `${upper}_RESULTS`,
    subject: `${prefix}.results`,
    consumer: "requester",
  };
  const nc = await connect({ servers: url, timeout: 2_000 });
  let worker: ChildScript | undefined;
  let received: ConsumerMessages | undefined;
  try {
    const jsm = await jetstreamManager(nc);
    // As the runner protocol's streams: work queues on file storage, explicit acks.
    for (const { stream, subject, consumer } of [jobs, results]) {
      await jsm.streams.add({
        name: stream,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
      });
      await jsm.consumers.add(stream, { durable_name: consumer, ack_policy: AckPolicy.Explicit });
    }
    const hopWorker = startScript("the JetStream worker", workerScript, [
      url,
      jobs.stream,
      jobs.consumer,
      results.subject,
    ]);
    worker = hopWorker;
    await hopWorker.waitForLine((line) => line === "ready", '"ready"');

    const js = jetstream(nc);
    const resultMessages = await (
      await js.consumers.get(results.stream, results.consumer)
    ).consume();
    received = resultMessages;
    const waiting = new Map<string, { resolve(): void; reject(error: unknown): void }>();
    const failAll = (error: unknown) => {
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
    };
    hopWorker.onExit((why) => failAll(new Error(why)));
    void (async () => {
      for await (const message of resultMessages) {
        message.ack();
        const id = message.string();
        waiting.get(id)?.resolve();
        waiting.delete(id);
      }
    })().catch(failAll);

    let nextJob = 0;
    return await measure(
      options,
      () => {
        nextJob += 1;
        const id = String(nextJob);
        const result = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting.delete(id);
            reject(new Error(`job ${id} had no result within ${HOP_TIMEOUT_MS} ms`));
          }, HOP_TIMEOUT_MS);
          waiting.set(id, {
            resolve() {
              clearTimeout(timer);
              resolve();
            },
            reject(error) {
              clearTimeout(timer);
              reject(error);
            },
          });
        });
        // Rejections are observed by `run`; this keeps one before it awaits from crashing the run.
        result.catch(() => {});
        return { id, result };
      },
      async ({ id, result }) => {
        await js.publish(jobs.subject, id);
        await result;
      },
    );
  } finally {
    received?.stop();
    try {
      await worker?.kill();
      await deleteStreams(url, [jobs.stream, results.stream]);
    } finally {
      await nc.close();
    }
  }
}

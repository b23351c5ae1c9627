// The NATS ToolTransport (DESIGN §2, §3; runner.proto is the contract): tasks go to runner
// processes through the `<PREFIX>_TOOLS` work queue, outcomes come back through the
// `<PREFIX>_OUTCOMES` work queue's durable consumer `servers`, progress through a core NATS
// subject. The engine decides retries (B15) and deadlines (B18); this only moves messages.
import { setTimeout as sleep } from "node:timers/promises";
import { ensureStreams, traceContextFromHeaders } from "@durable-agents/tool-runner";
import {
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { DEFAULT_MAX_TOOL_RESULT_BYTES } from "../../config/server-config.js";
import type { ToolProgress, ToolReportSink, ToolTask, ToolTransport } from "../tool-transport.js";
import type { NatsLink } from "./nats-connection.js";
import { isSubjectToken, type NatsNames } from "./nats-names.js";
import { ensureOutcomeConsumer } from "./nats-streams.js";
import {
  decodeToolOutcome,
  decodeToolProgress,
  encodeToolCancellation,
  encodeToolTask,
  taskMessageId,
} from "./runner-messages.js";

export interface NatsTransportOptions {
  link: NatsLink;
  names: NatsNames;
  logger: Logger;
  /**
   * How long a dispatch waits for JetStream's PubAck before it fails (its job then retries).
   * @default 5_000
   */
  publishTimeoutMs?: number;
  /**
   * Most outcomes applied at once.
   * @default 16
   */
  maxConcurrentOutcomes?: number;
  /**
   * Largest tool result a runner may return, in bytes of its JSON; a larger one fails the call
   * (X5, `limits.maxToolResultBytes`).
   * @default 1048576
   */
  maxToolResultBytes?: number;
}

/** A dispatch while the connection to NATS is down: the dispatch job retries it (DESIGN §4). */
export class NatsUnavailableError extends Error {
  override readonly name = "NatsUnavailableError";
}

export function isNatsUnavailableError(error: unknown): error is NatsUnavailableError {
  return error instanceof NatsUnavailableError;
}

/** An outcome that could not be applied (the store failed) comes back after this long. */
const OUTCOME_RETRY_DELAY_MS = 1_000;
/**
 * How long one pull request of the outcome consumer lasts; JetStream heartbeats every half of it,
 * and two missed heartbeats make nats.js check the consumer, so a consumer NATS lost (a restart
 * without its store) is noticed and created again within about this long.
 */
const PULL_EXPIRES_MS = 5_000;
/** The consume loop restarts after a failure with this backoff, doubling up to the maximum. */
const CONSUME_RESTART_INITIAL_MS = 250;
const CONSUME_RESTART_MAX_MS = 5_000;

export function createNatsTransport(options: NatsTransportOptions): ToolTransport {
  const { link, names, logger } = options;
  const nc = link.connection;
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  const maxConcurrentOutcomes = options.maxConcurrentOutcomes ?? 16;
  const outcomeLimits = {
    maxToolResultBytes: options.maxToolResultBytes ?? DEFAULT_MAX_TOOL_RESULT_BYTES,
  };
  const closing = new AbortController();
  let sink: ToolReportSink | undefined;
  let js: JetStreamClient | undefined;
  let progressSubscription: Subscription | undefined;
  let consuming: Promise<void> | undefined;
  let messages: ConsumerMessages | undefined;
  /** Set when the streams or the consumer may be gone (a NATS restart without its store). */
  let mustEnsure = false;
  const applying = new Set<Promise<void>>();
  /** Progress reports of one attempt are applied in the order they arrived. */
  const progressChains = new Map<string, Promise<void>>();

  const ensure = async () => {
    const jsm = await jetstreamManager(nc);
    // The streams as the runner SDK creates them, so servers and runners agree on them.
    await ensureStreams(jsm, names);
    await ensureOutcomeConsumer(jsm, names);
  };

  const applyOutcome = async (report: ToolReportSink, message: JsMsg) => {
    let outcome: ReturnType<typeof decodeToolOutcome>;
    try {
      outcome = decodeToolOutcome(message.data, outcomeLimits);
    } catch (error: unknown) {
      // Redelivering cannot make it readable.
      logger.error({ err: error, seq: message.seq }, "dropping an unreadable tool outcome");
      message.term();
      return;
    }
    // X6: the runner names its execution's span in the outcome message's W3C headers.
    const traceContext =
      message.headers === undefined ? undefined : traceContextFromHeaders(message.headers);
    try {
      await report.onOutcome(traceContext === undefined ? outcome : { ...outcome, traceContext });
      message.ack();
    } catch (error: unknown) {
      logger.warn(
        { err: error, threadId: outcome.threadId, toolCallId: outcome.toolCallId },
        "applying a tool outcome failed; it comes back",
      );
      message.nak(OUTCOME_RETRY_DELAY_MS);
    }
  };

  /**
   * Consumes outcomes until the transport closes. nats.js resumes a consumer across reconnects
   * by itself; this loop also survives what it does not: a consume that fails or ends, or a
   * consumer or stream that NATS lost (they are created again).
   */
  const consumeOutcomes = async (report: ToolReportSink, client: JetStreamClient) => {
    let failures = 0;
    while (!closing.signal.aborted) {
      try {
        if (mustEnsure) {
          await ensure();
          mustEnsure = false;
        }
        const consumer = await client.consumers.get(names.outcomesStream, names.serversGroup);
        const current = await consumer.consume({
          max_messages: maxConcurrentOutcomes,
          expires: PULL_EXPIRES_MS,
        });
        messages = current;
        // stop(), not close(): close() waits for the iterator to be drained by a reader.
        if (closing.signal.aborted) {
          current.stop();
          break;
        }
        void watchConsumer(current);
        for await (const message of current) {
          failures = 0;
          while (applying.size >= maxConcurrentOutcomes) await Promise.race(applying);
          const application = applyOutcome(report, message).finally(() =>
            applying.delete(application),
          );
          applying.add(application);
        }
      } catch (error: unknown) {
        if (!closing.signal.aborted) logger.warn({ err: error }, "consuming tool outcomes failed");
      }
      messages = undefined;
      if (closing.signal.aborted) break;
      mustEnsure = true;
      failures += 1;
      const delayMs = Math.min(CONSUME_RESTART_MAX_MS, CONSUME_RESTART_INITIAL_MS * 2 ** failures);
      await sleep(delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
    }
  };

  /** Ends a consume whose consumer or stream is gone, so the loop creates them again. */
  const watchConsumer = async (current: ConsumerMessages) => {
    try {
      for await (const status of current.status()) {
        if (
          status.type === "consumer_not_found" ||
          status.type === "stream_not_found" ||
          status.type === "consumer_deleted"
        ) {
          logger.warn({ status: status.type }, "the tool outcome consumer is gone; recreating it");
          mustEnsure = true;
          current.stop();
          return;
        }
      }
    } catch (error: unknown) {
      logger.debug({ err: error }, "tool outcome consumer status ended");
    }
  };

  const onProgressMessage = (report: ToolReportSink, data: Uint8Array) => {
    let progress: ToolProgress;
    try {
      progress = decodeToolProgress(data);
    } catch (error: unknown) {
      logger.warn({ err: error }, "dropping an unreadable tool progress report");
      return;
    }
    const key = `${progress.threadId}\u0000${progress.toolCallId}`;
    const previous = progressChains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => report.onProgress(progress))
      .catch((error: unknown) => {
        // Progress is advisory (X9): a lost report only delays what a watcher sees.
        logger.warn(
          { err: error, threadId: progress.threadId, toolCallId: progress.toolCallId },
          "applying tool progress failed",
        );
      })
      .finally(() => {
        if (progressChains.get(key) === next) progressChains.delete(key);
      });
    progressChains.set(key, next);
  };

  return {
    async start(reportSink) {
      sink = reportSink;
      await ensure();
      const client = jetstream(nc, { timeout: publishTimeoutMs });
      js = client;
      progressSubscription = nc.subscribe(names.progressSubject, {
        queue: names.serversGroup,
        callback: (error, message) => {
          if (error !== null) {
            logger.warn({ err: error }, "tool progress subscription failed");
            return;
          }
          onProgressMessage(reportSink, message.data);
        },
      });
      consuming = consumeOutcomes(reportSink, client);
    },

    async dispatch(task: ToolTask) {
      const report = sink;
      const client = js;
      if (closing.signal.aborted || report === undefined || client === undefined) {
        throw new Error("the NATS tool transport is not running");
      }
      if (!isSubjectToken(task.toolName)) {
        // No runner can ever subscribe to it: the call fails like a call of a tool nobody serves.
        await report.onOutcome({
          threadId: task.threadId,
          toolCallId: task.toolCallId,
          attempt: task.attempt,
          runnerId: "",
          durationMs: 0,
          type: "error",
          error: {
            message: `Tool "${task.toolName}" cannot be sent to runners: its name is not a NATS subject token`,
            retryableHint: false,
          },
        });
        return;
      }
      // Waiting out a PubAck timeout while NATS is away would only hold the job's lease.
      if (!link.isConnected()) throw new NatsUnavailableError("NATS is not connected");
      try {
        await client.publish(names.execSubject(task.toolName), encodeToolTask(task), {
          msgID: taskMessageId(task),
          timeout: publishTimeoutMs,
        });
      } catch (error: unknown) {
        // NATS may have come back without its store: create the streams for the job's retry.
        if (link.isConnected()) {
          await ensure().catch((ensureError: unknown) =>
            logger.warn({ err: ensureError }, "creating the runner streams failed"),
          );
        }
        throw error;
      }
    },

    async cancel({ threadId, toolCallId, toolName, attempt, reason }) {
      if (closing.signal.aborted || nc.isClosed() || !isSubjectToken(toolName)) return;
      // Core NATS, best effort (X9): the engine already failed the call in the store.
      nc.publish(
        names.cancelSubject(toolName),
        encodeToolCancellation({ threadId, toolCallId, attempt, reason }),
      );
    },

    isExecutingLocally() {
      return false;
    },

    isInProcessRunner() {
      return false;
    },

    // Runner processes report when they claim and start an attempt (X9).
    inProcessRunnerFor() {
      return undefined;
    },

    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      progressSubscription?.unsubscribe();
      // Ends the loop's iteration; messages it had not yet read are redelivered after ack_wait.
      messages?.stop();
      await consuming;
      await Promise.allSettled([...applying]);
      await Promise.allSettled([...progressChains.values()]);
    },
  };
}

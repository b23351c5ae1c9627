// Test support for the NATS runner tests: a real nats-server (127.0.0.1:4222, or $NATS_URL),
// a random prefix per test so streams never collide, and the server's side of the wire protocol
// played by the test (publish ToolTasks, read ToolOutcomes, hear ToolProgress).
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { jsonToProtoValue, protoValueToJson } from "@durable-agents/core";
import {
  ToolCancellationSchema,
  ToolKind,
  type ToolOutcome,
  ToolOutcomeSchema,
  type ToolProgress,
  ToolProgressSchema,
  ToolTaskSchema,
} from "@durable-agents/core/proto";
import {
  AckPolicy,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import pino, { type Logger } from "pino";
import { type ProtocolNames, protocolNames } from "../nats/protocol-names.js";

export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/**
 * Whether NATS answers. Under CI it must (DESIGN §9: CI provides every service), so a missing
 * NATS fails the run there instead of skipping.
 */
export async function natsIsAvailable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2_000 });
    await nc.close();
    return true;
  } catch (error: unknown) {
    if (process.env.CI === "true") {
      throw new Error(`NATS is required under CI but ${NATS_URL} does not answer`, {
        cause: error,
      });
    }
    console.warn(
      `\n*** SKIPPING the NATS tool-runner tests: no NATS at ${NATS_URL} ` +
        "(start nats-server -js, or set NATS_URL) ***\n",
    );
    return false;
  }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A pino logger whose lines the test can read and wait for. */
export interface CapturedLog {
  logger: Logger;
  lines: Record<string, unknown>[];
  waitFor(what: string, match: (line: Record<string, unknown>) => boolean): Promise<void>;
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString("utf8").split("\n")) {
        if (text !== "") lines.push(JSON.parse(text) as Record<string, unknown>);
      }
      callback();
    },
  });
  return {
    logger: pino({ level: "debug" }, sink),
    lines,
    waitFor: (what, match) => waitUntil(what, () => lines.some(match)),
  };
}

export interface TaskInput {
  threadId?: string;
  toolCallId?: string;
  toolName: string;
  args: unknown;
  kind?: "sync" | "async";
  attempt?: number;
  maxAttempts?: number;
  deadlineMs?: number;
  /** ToolTask.trace_context.traceparent (X6). */
  traceparent?: string;
}

/** The test's side of the protocol, on a fresh prefix; `close()` deletes what it created. */
export interface TestNats {
  prefix: string;
  names: ProtocolNames;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Publishes a ToolTask as a server would (with Nats-Msg-Id); returns its ids. */
  publishTask(input: TaskInput): Promise<{ threadId: string; toolCallId: string }>;
  /** The next ToolOutcome from the outcomes stream (acked, as the servers' consumer would). */
  nextOutcome(timeoutMs?: number): Promise<ToolOutcome>;
  /** The next ToolOutcome with its message's `traceparent` header (X6). */
  nextOutcomeMessage(
    timeoutMs?: number,
  ): Promise<{ outcome: ToolOutcome; traceparent: string | undefined }>;
  /** Publishes a ToolCancellation on the tool's cancel subject. */
  cancel(
    toolName: string,
    cancellation: {
      threadId: string;
      toolCallId: string;
      attempt: number;
      reason: string;
    },
  ): Promise<void>;
  /** Every ToolProgress heard since the start. */
  progress: ToolProgress[];
  /** Tasks still in the tools stream (work queue: acked tasks are gone). */
  pendingTasks(): Promise<number>;
  close(): Promise<void>;
}

let counter = 0;

/** Opens the test's side on `url` (default the shared NATS). */
export async function openTestNats(url = NATS_URL): Promise<TestNats> {
  const prefix = `t_${randomBytes(4).toString("hex")}`;
  const names = protocolNames(prefix);
  const nc = await connect({ servers: url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const progress: ToolProgress[] = [];
  const progressSubscription = nc.subscribe(names.progressSubject, {
    callback: (error, message) => {
      if (error === null) progress.push(fromBinary(ToolProgressSchema, message.data));
    },
  });
  let outcomes: Consumer | undefined;

  const outcomesConsumer = async () => {
    if (outcomes !== undefined) return outcomes;
    // The servers' durable consumer of runner.proto; the stream exists once a runner started.
    await jsm.consumers.add(names.outcomesStream, {
      durable_name: "servers",
      ack_policy: AckPolicy.Explicit,
    });
    outcomes = await js.consumers.get(names.outcomesStream, "servers");
    return outcomes;
  };

  const nextOutcomeMessage = async (
    timeoutMs = 10_000,
  ): Promise<{ outcome: ToolOutcome; traceparent: string | undefined }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ToolOutcome within ${timeoutMs} ms`);
      const consumer = await outcomesConsumer().catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return undefined;
      });
      if (consumer === undefined) continue;
      const message = await consumer.next({
        expires: Math.max(1_000, Math.min(remaining, 5_000)),
      });
      if (message === null) continue;
      message.ack();
      const traceparent = message.headers?.get("traceparent");
      return {
        outcome: fromBinary(ToolOutcomeSchema, message.data),
        traceparent: traceparent === undefined || traceparent === "" ? undefined : traceparent,
      };
    }
  };

  return {
    prefix,
    names,
    nc,
    js,
    jsm,
    progress,
    async publishTask(input) {
      counter += 1;
      const threadId = input.threadId ?? `thread-${counter}`;
      const toolCallId = input.toolCallId ?? `call-${counter}`;
      const attempt = input.attempt ?? 1;
      const task = create(ToolTaskSchema, {
        threadId,
        toolCallId,
        toolName: input.toolName,
        args: jsonToProtoValue(input.args),
        kind: input.kind === "async" ? ToolKind.ASYNC : ToolKind.SYNC,
        attempt,
        maxAttempts: input.maxAttempts ?? 3,
        deadline: input.deadlineMs === undefined ? undefined : timestampFromMs(input.deadlineMs),
        traceContext:
          input.traceparent === undefined ? undefined : { traceparent: input.traceparent },
      });
      const header = headers();
      header.set("Nats-Msg-Id", `${threadId}:${toolCallId}:${attempt}`);
      await js.publish(names.execSubject(input.toolName), toBinary(ToolTaskSchema, task), {
        headers: header,
      });
      return { threadId, toolCallId };
    },
    async nextOutcome(timeoutMs = 10_000) {
      return (await nextOutcomeMessage(timeoutMs)).outcome;
    },
    nextOutcomeMessage,
    async cancel(toolName, cancellation) {
      nc.publish(
        names.cancelSubject(toolName),
        toBinary(ToolCancellationSchema, create(ToolCancellationSchema, cancellation)),
      );
      await nc.flush();
    },
    async pendingTasks() {
      return (await jsm.streams.info(names.toolsStream)).state.messages;
    },
    async close() {
      progressSubscription.unsubscribe();
      for (const stream of [names.toolsStream, names.outcomesStream]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
      await nc.close();
    },
  };
}

/** The JSON of an outcome's result, or its case name when it is no result. */
export function outcomeResult(outcome: ToolOutcome): unknown {
  return outcome.outcome.case === "result"
    ? protoValueToJson(outcome.outcome.value)
    : outcome.outcome.case;
}

// createToolRunner: a tool runner process's side of the runner wire protocol (runner.proto,
// DESIGN §3). It pulls ToolTasks from one durable consumer per tool (shared by every replica),
// runs them with bounded concurrency through the same executeTool as the server's in-process
// transport, reports progress (X9) and publishes each ToolOutcome before it acks the task, so a
// runner that dies leaves its tasks unacked and JetStream redelivers them to another replica.
//
// Meaning of the acks on a task (work-queue consumer):
//   ack        the outcome is in <PREFIX>_OUTCOMES (PubAck received); the task is done.
//   working    the handler still runs; JetStream restarts the task's ack wait (30 s).
//   nak        this runner gives the task back (shutting down); another replica gets it now.
//   term       the message is no ToolTask at all, or not even an error outcome of it fits in a
//              NATS message; redelivering it cannot help.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fromBinary } from "@bufbuild/protobuf";
import { RegisterToolsResponseSchema, ToolProgressState } from "@durable-agents/core/proto";
import {
  type Consumer,
  type ConsumerMessages,
  JetStreamApiError,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import {
  connect,
  InvalidArgumentError,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  type Subscription,
} from "@nats-io/transport-node";
import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import pino, { type Logger } from "pino";
import type { Registry } from "prom-client";
import type { ToolDefinition } from "../define-tool.js";
import {
  executeTool,
  type ToolExecutionRequest,
  type ToolExecutionResult,
} from "../execute-tool.js";
import {
  createRunnerMetrics,
  type ExecutionOutcome,
  noRunnerMetrics,
} from "../telemetry/runner-metrics.js";
import {
  contextFromTraceContext,
  type TraceContext,
  traceContextOf,
} from "../telemetry/trace-context.js";
import { ensureStreams, ensureToolConsumer } from "./ensure-jetstream.js";
import { type NatsCredentials, natsAuthOptions } from "./nats-credentials.js";
import { DEFAULT_PREFIX, type ProtocolNames, protocolNames } from "./protocol-names.js";
import { createSlots } from "./slots.js";
import {
  type AttemptIdentity,
  decodeCancellation,
  decodeTask,
  encodeOutcome,
  encodeProgress,
  encodeRegisterRequest,
} from "./wire.js";

export interface ToolRunnerOptions {
  /**
   * The NATS server(s) to connect to (`nats://host:4222`, several separated by commas), or a
   * connection you own: the runner then neither drains nor closes it.
   */
  nats: string | NatsConnection;
  /**
   * How the runner proves who it is to NATS when it connects (ignored for a connection you pass
   * in); the NATS user's permissions should allow only what a runner does (docs/security.md).
   * @default none (anonymous)
   */
  credentials?: NatsCredentials;
  /** The tools this runner serves; names must be unique. */
  tools: readonly ToolDefinition[];
  /**
   * Most handlers running at once, over all tools; tasks beyond it stay in JetStream for other
   * replicas.
   * @default 16
   */
  concurrency?: number;
  /**
   * Identifies this runner in ToolOutcome, ToolProgress and RegisterTools (ToolCall.runner_id).
   * @default `<hostname>-<pid>-<6 random hex digits>`
   */
  runnerId?: string;
  /**
   * The prefix of every subject, stream and consumer name, so several deployments can share one
   * NATS; must match the servers' `DURABLE_AGENTS_NATS_PREFIX`.
   * @default "durable_agents"
   */
  prefix?: string;
  /** Structured log; nothing from tool arguments or results is logged. @default pino to stdout */
  logger?: Logger;
  /**
   * How often a running handler reports it is alive: a RUNNING ToolProgress and an in-progress
   * ack of its task (well within the 30 s ack wait).
   * @default 10_000
   */
  heartbeatIntervalMs?: number;
  /**
   * How long `close()` lets in-flight handlers finish; the tasks of those still running then are
   * handed back (nak) so another runner takes them at once.
   * @default 10_000
   */
  drainTimeoutMs?: number;
  /**
   * Where the `tool.execute <tool>` spans go (X6); each is a child of the ToolTask's trace context,
   * and its context is the handler's `traceContext`.
   * @default the global OpenTelemetry API's tracer (a no-op unless the application registered an SDK)
   */
  tracer?: Tracer;
  /**
   * A Prometheus registry to count executions on (`durable_agents_runner_tool_*`, X6).
   * @default none: nothing is counted
   */
  metricsRegistry?: Registry;
}

export interface ToolRunner {
  /** The runner id its outcomes carry. */
  readonly runnerId: string;
  /**
   * Connects (when given a URL), creates the streams and one durable consumer per tool when
   * missing, listens for cancellations and starts taking tasks; resolves once it does. It
   * registers its tools with a server in the background (RegisterTools over NATS), retrying
   * until one answers, without holding up tasks.
   */
  start(): Promise<void>;
  /**
   * Graceful shutdown (call it on SIGTERM; the SDK installs no signal handlers): stops taking
   * tasks, lets in-flight handlers finish within `drainTimeoutMs`, hands back the tasks of those
   * that did not (their AbortSignal fires), then drains the connection it owns.
   */
  close(): Promise<void>;
}

/** Runner ids starting with this belong to the server's in-process transport (B20). */
const IN_PROCESS_RUNNER_ID_PREFIX = "local:";
/** How long one pull request waits for tasks; also bounds how long `close()` waits for pulls. */
const FETCH_EXPIRES_MS = 2_000;
/** How long a RegisterTools request waits for a server's answer. */
const REGISTER_TIMEOUT_MS = 5_000;
/** setTimeout's largest delay; longer deadlines are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/**
 * Bytes counted for a NATS header block beyond its lines: the `NATS/1.0` status line and the
 * closing blank line (12 bytes), with room to spare.
 */
const HEADER_BLOCK_FRAMING_BYTES = 64;
/** JetStream's error code for a message larger than the stream's `max_msg_size`. */
const STREAM_MESSAGE_TOO_LARGE = 10054;

/**
 * The size NATS gives a message (payload and headers together, as `max_payload` counts it): each
 * header line is `name: value\r\n`.
 */
function messageSizeBytes(payload: Uint8Array, headers: MsgHdrs): number {
  let bytes = payload.length + HEADER_BLOCK_FRAMING_BYTES;
  for (const [name, values] of headers) {
    for (const value of values) bytes += Buffer.byteLength(`${name}: ${value}\r\n`);
  }
  return bytes;
}

/**
 * Whether publishing failed for good, whatever the retries: nats.js refuses a message over the
 * server's max payload (or otherwise malformed) with InvalidArgumentError before sending it, and
 * JetStream refuses one over the stream's `max_msg_size`.
 */
function isPermanentPublishError(error: unknown): boolean {
  return (
    error instanceof InvalidArgumentError ||
    (error instanceof JetStreamApiError && error.code === STREAM_MESSAGE_TOO_LARGE)
  );
}

/** How publishing an outcome ended. */
type Publication =
  | { type: "published" }
  /** The task was handed back, or the connection closed: another runner gets the task. */
  | { type: "released" }
  /** NATS can never take these bytes; `maxPayloadBytes` is set when they exceed it. */
  | { type: "refused"; sizeBytes: number; maxPayloadBytes: number | undefined; reason: string };

/** The error text the server gets instead of an outcome NATS refused (retrying cannot help). */
function refusedOutcomeMessage(
  result: ToolExecutionResult,
  refusal: Extract<Publication, { type: "refused" }>,
): string {
  const what = `Tool ${result.type === "failed" ? "error" : "result"} of ${refusal.sizeBytes} bytes`;
  return refusal.maxPayloadBytes === undefined
    ? `${what} was refused by NATS: ${refusal.reason}`
    : `${what} exceeds the NATS max payload of ${refusal.maxPayloadBytes} bytes`;
}

/** Capped exponential backoff for reconnect-like loops: 250 ms × 2^failures, at most `capMs`. */
function backoffMs(failures: number, capMs: number): number {
  return Math.min(capMs, 250 * 2 ** Math.min(failures, 16));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Whether `promise` settles (either way) within `ms`; leaves no timer behind. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `fire` at the wall-clock time `atMs`; returns the cancel function. */
function atTime(atMs: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const delay = atMs - Date.now();
    if (delay <= 0) {
      fire();
      return;
    }
    timer = setTimeout(arm, Math.min(delay, MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/** One task this runner holds, from its claim until its ack or nak. */
interface HeldTask {
  request: ToolExecutionRequest;
  /** The handler's AbortSignal: cancellation (X9), deadline (B18), shutdown. */
  abort: AbortController;
  /** The task's deliveries: a redelivery of an attempt still running here joins it. */
  messages: JsMsg[];
  /** Set when `close()` handed the task back: its outcome must not be published any more. */
  released: AbortController;
}

export function createToolRunner(options: ToolRunnerOptions): ToolRunner {
  const tools = new Map<string, ToolDefinition>();
  for (const tool of options.tools) {
    if (tools.has(tool.name)) throw new RangeError(`Tool "${tool.name}" is listed twice`);
    tools.set(tool.name, tool);
  }
  if (tools.size === 0) throw new RangeError("A tool runner needs at least one tool");
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer of at least 1, got ${concurrency}`);
  }
  const runnerId =
    options.runnerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  if (runnerId === "" || runnerId.startsWith(IN_PROCESS_RUNNER_ID_PREFIX)) {
    // The server treats "local:" runners as in-process executions of a dead process (B20).
    throw new RangeError(
      `runnerId must be non-empty and not start with "${IN_PROCESS_RUNNER_ID_PREFIX}": "${runnerId}"`,
    );
  }
  const names: ProtocolNames = protocolNames(options.prefix ?? DEFAULT_PREFIX);
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const logger = (options.logger ?? pino({ name: "durable-agents-runner" })).child({ runnerId });
  const tracer = options.tracer ?? trace.getTracer("durable-agents-runner");
  const metrics =
    options.metricsRegistry === undefined
      ? noRunnerMetrics
      : createRunnerMetrics(options.metricsRegistry);
  const ownsConnection = typeof options.nats === "string";

  let connection: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  /** Aborts when close() starts: pull loops, registration and backoff pauses stop. */
  const stopping = new AbortController();
  const slots = createSlots(concurrency);
  const held = new Set<HeldTask>();
  const executions = new Set<Promise<void>>();
  /** One per tool; close() waits for them (each ends within FETCH_EXPIRES_MS of stopping). */
  const pullLoops = new Set<Promise<void>>();
  /** Registration and the connection watcher; both end once `stopping` aborts. */
  const background = new Set<Promise<void>>();
  const subscriptions: Subscription[] = [];
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let registering: Promise<void> | undefined;

  const own = (loops: Set<Promise<void>>, loop: Promise<void>) => {
    loops.add(loop);
    void loop.finally(() => loops.delete(loop));
  };

  const identify = (request: ToolExecutionRequest): AttemptIdentity => ({
    threadId: request.threadId,
    toolCallId: request.toolCallId,
    attempt: request.attempt,
    runnerId,
  });

  const logFields = (request: ToolExecutionRequest) => ({
    threadId: request.threadId,
    toolCallId: request.toolCallId,
    toolName: request.toolName,
    attempt: request.attempt,
  });

  /** Best effort (core NATS): the server's store stays the source of truth (X9). */
  const reportProgress = (request: ToolExecutionRequest, state: ToolProgressState) => {
    try {
      connection?.publish(names.progressSubject, encodeProgress(identify(request), state));
    } catch (error: unknown) {
      logger.warn({ err: error, ...logFields(request) }, "tool progress not sent");
    }
  };

  /**
   * Publishes the outcome until JetStream acknowledges it. Its `traceparent`/`tracestate` headers
   * name the execution's span, so what the server does next (the following turn) joins the same
   * trace (X6). An outcome NATS can never take (over its max payload) is refused at once rather
   * than retried: retried, it kept the task unacked (heartbeating it) until the call's deadline.
   */
  const publishOutcome = async (
    task: HeldTask,
    payload: Uint8Array,
    traceContext: TraceContext | undefined,
  ): Promise<Publication> => {
    const { request } = task;
    const headers = natsHeaders();
    // The same id for every publication of an attempt: JetStream drops the duplicate of a
    // redelivered task's second outcome within its window; the server keeps the first (B17).
    // Set as a header rather than through `msgID`, so its bytes count in the size check below.
    headers.set("Nats-Msg-Id", `${request.threadId}:${request.toolCallId}:${request.attempt}`);
    if (traceContext !== undefined) {
      headers.set("traceparent", traceContext.traceparent);
      if (traceContext.tracestate !== undefined) headers.set("tracestate", traceContext.tracestate);
    }
    const sizeBytes = messageSizeBytes(payload, headers);
    for (let failures = 0; ; failures += 1) {
      // A closed connection never comes back: the task is redelivered to another runner.
      if (task.released.signal.aborted || js === undefined || connection?.isClosed() !== false) {
        return { type: "released" };
      }
      // Read at each try: a reconnection may reach a server with another limit.
      const maxPayloadBytes = connection.info?.max_payload;
      if (maxPayloadBytes !== undefined && sizeBytes > maxPayloadBytes) {
        return { type: "refused", sizeBytes, maxPayloadBytes, reason: "max payload exceeded" };
      }
      try {
        await js.publish(names.outcomeSubject, payload, { headers });
        return { type: "published" };
      } catch (error: unknown) {
        if (isPermanentPublishError(error)) {
          const reason = error instanceof Error ? error.message : String(error);
          return { type: "refused", sizeBytes, maxPayloadBytes: undefined, reason };
        }
        logger.warn(
          { err: error, ...logFields(request), failures: failures + 1 },
          "publishing a tool outcome failed; retrying (the task stays unacked)",
        );
        await pause(backoffMs(failures, 5_000), task.released.signal);
      }
    }
  };

  const execute = async (task: HeldTask, deadlineMs: number | undefined) => {
    const { request } = task;
    const tool = tools.get(request.toolName);
    // X6: the execution's span is a child of the turn's tool span, whose context the task carries.
    const parent = contextFromTraceContext(request.traceContext);
    const span = tracer.startSpan(
      `tool.execute ${request.toolName}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "durable_agents.thread_id": request.threadId,
          "durable_agents.tool_call_id": request.toolCallId,
          "durable_agents.tool_name": request.toolName,
          "durable_agents.attempt": request.attempt,
          "durable_agents.runner_id": runnerId,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    const traceContext = traceContextOf(spanContext);
    const executionEnded = metrics.executionStarted(request.toolName);
    let outcome: ExecutionOutcome | undefined;
    reportProgress(request, ToolProgressState.CLAIMED);
    // Heartbeats run until the outcome is acked, publishing retries included, so JetStream
    // never gives the task to another runner while this one still reports on it.
    const heartbeat = setInterval(() => {
      if (task.released.signal.aborted) return;
      reportProgress(request, ToolProgressState.RUNNING);
      for (const message of task.messages) message.working();
    }, heartbeatIntervalMs);
    const cancelDeadline =
      deadlineMs === undefined
        ? () => undefined
        : atTime(deadlineMs, () =>
            task.abort.abort(new DOMException("The tool call's deadline passed", "TimeoutError")),
          );
    try {
      const startedAt = performance.now();
      let result: ToolExecutionResult;
      if (deadlineMs !== undefined && deadlineMs <= Date.now()) {
        // The server fails the call at its deadline anyway (B18): running the handler is wasted.
        result = {
          type: "failed",
          failure: {
            message: "The tool call's deadline passed before it ran",
            retryableHint: false,
          },
        };
      } else {
        reportProgress(request, ToolProgressState.RUNNING);
        // The handler runs in its span's context, so an application's instrumentation nests in it.
        result = await otelContext.with(spanContext, () =>
          executeTool(tool, { ...request, traceContext }, task.abort.signal),
        );
      }
      cancelDeadline();
      const durationMs = performance.now() - startedAt;
      outcome =
        result.type === "result"
          ? "result"
          : result.type === "delivered"
            ? "callback_delivered"
            : "error";
      if (result.type === "failed") {
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.failure.message });
      }
      if (task.released.signal.aborted) return;
      let publication = await publishOutcome(
        task,
        encodeOutcome(identify(request), result, durationMs),
        traceContext,
      );
      if (publication.type === "refused") {
        // The server hears a permanent failure instead (B15: retryable_hint false), and the task
        // is acked: redelivered, any runner would produce the same bytes again.
        const message = refusedOutcomeMessage(result, publication);
        logger.warn(
          { ...logFields(request), sizeBytes: publication.sizeBytes, reason: publication.reason },
          "NATS cannot take the tool's outcome; an error is sent instead",
        );
        outcome = "error";
        publication = await publishOutcome(
          task,
          encodeOutcome(
            identify(request),
            { type: "failed", failure: { message, retryableHint: false } },
            durationMs,
          ),
          traceContext,
        );
      }
      if (publication.type === "refused") {
        // Not even a short error fits (a max payload of a few hundred bytes): redelivering the
        // task cannot help either, and the server fails the call at its deadline (B18).
        logger.error(
          { ...logFields(request), reason: publication.reason },
          "NATS refused the tool's error outcome too; the task is terminated",
        );
        for (const message of task.messages) message.term();
        return;
      }
      if (publication.type === "released") return;
      for (const message of task.messages) {
        // A lost ack only means a redelivery, whose outcome the server ignores (B17).
        await message.ackAck().catch((error: unknown) => {
          logger.warn({ err: error, ...logFields(request) }, "acking a task failed");
        });
      }
      logger.info(
        { ...logFields(request), outcome: result.type, durationMs: Math.round(durationMs) },
        "tool call attempt done",
      );
    } finally {
      clearInterval(heartbeat);
      cancelDeadline();
      // Only an execution that failed unexpectedly (a bug) ends without an outcome.
      executionEnded(outcome ?? "error");
      span.end();
    }
  };

  /** Takes one delivered task; resolves at once, the execution runs in the background. */
  const take = (message: JsMsg, slot: { release(): void }) => {
    let decoded: ReturnType<typeof decodeTask>;
    try {
      decoded = decodeTask(message.data);
    } catch (error: unknown) {
      logger.error(
        { err: error, subject: message.subject, seq: message.seq },
        "a message on a tool subject is no ToolTask; terminated",
      );
      message.term();
      slot.release();
      return;
    }
    const { request, deadlineMs } = decoded;
    const running = [...held].find(
      (task) =>
        task.request.threadId === request.threadId &&
        task.request.toolCallId === request.toolCallId &&
        task.request.attempt === request.attempt,
    );
    if (running !== undefined) {
      // JetStream redelivered an attempt this runner still runs (a missed in-progress ack):
      // the running execution answers for both deliveries.
      running.messages.push(message);
      message.working();
      slot.release();
      return;
    }
    const task: HeldTask = {
      request,
      abort: new AbortController(),
      messages: [message],
      released: new AbortController(),
    };
    held.add(task);
    if (message.info.deliveryCount > 1) {
      logger.info(
        { ...logFields(request), deliveries: message.info.deliveryCount },
        "task redelivered",
      );
    }
    const execution = execute(task, deadlineMs)
      .catch((error: unknown) => {
        logger.error({ err: error, ...logFields(request) }, "tool execution failed unexpectedly");
      })
      .finally(() => {
        held.delete(task);
        executions.delete(execution);
        slot.release();
      });
    executions.add(execution);
  };

  /** Pulls the tasks of one tool while the runner runs, as many as it has free slots. */
  const pullLoop = async (toolName: string) => {
    let consumer: Consumer | undefined;
    let failures = 0;
    while (!stopping.signal.aborted) {
      const reserved = await slots.reserve(concurrency, stopping.signal);
      if (reserved === 0) return;
      let taken = 0;
      try {
        if (js === undefined) return;
        consumer ??= await js.consumers.get(names.toolsStream, names.consumerName(toolName));
        const batch: ConsumerMessages = await consumer.fetch({
          max_messages: reserved,
          expires: FETCH_EXPIRES_MS,
        });
        // The pull runs to its expiry even while closing: a task the server already sent to
        // it is then handed back at once instead of waiting out its ack wait elsewhere.
        for await (const message of batch) {
          if (stopping.signal.aborted) {
            message.nak();
            continue;
          }
          taken += 1;
          let released = false;
          take(message, {
            release: () => {
              if (released) return;
              released = true;
              slots.release(1);
            },
          });
        }
        failures = 0;
      } catch (error: unknown) {
        consumer = undefined;
        logger.warn(
          { err: error, toolName, failures: failures + 1 },
          "pulling tasks failed; retrying",
        );
        await pause(backoffMs(failures, 10_000), stopping.signal);
        failures += 1;
        if (stopping.signal.aborted) return;
        // The stream or consumer may be gone (deleted, or NATS restarted without its storage).
        await ensureJetStream([toolName]).catch((ensureError: unknown) => {
          logger.warn({ err: ensureError, toolName }, "re-creating the stream or consumer failed");
        });
      } finally {
        slots.release(reserved - taken);
      }
    }
  };

  const ensureJetStream = async (toolNames: readonly string[]) => {
    if (connection === undefined) return;
    const jsm = await jetstreamManager(connection);
    await ensureStreams(jsm, names);
    for (const toolName of toolNames) await ensureToolConsumer(jsm, names, toolName);
  };

  const onCancellation = (data: Uint8Array) => {
    let cancellation: ReturnType<typeof decodeCancellation>;
    try {
      cancellation = decodeCancellation(data);
    } catch (error: unknown) {
      logger.warn({ err: error }, "a message on a cancel subject is no ToolCancellation");
      return;
    }
    for (const task of held) {
      const { request } = task;
      if (
        request.threadId === cancellation.threadId &&
        request.toolCallId === cancellation.toolCallId &&
        (cancellation.attempt === 0 || cancellation.attempt === request.attempt)
      ) {
        logger.info({ ...logFields(request), reason: cancellation.reason }, "tool call cancelled");
        task.abort.abort(
          new DOMException(cancellation.reason || "The tool call was cancelled", "AbortError"),
        );
      }
    }
  };

  /** Announces the tools until a server answers; logs loudly while none does. */
  const register = async () => {
    const payload = encodeRegisterRequest(runnerId, [...tools.values()]);
    for (let failures = 0; !stopping.signal.aborted; failures += 1) {
      try {
        if (connection === undefined) return;
        const reply = await connection.request(names.registerSubject, payload, {
          timeout: REGISTER_TIMEOUT_MS,
        });
        // The NATS services convention for an error answer.
        const refusal = reply.headers?.get("Nats-Service-Error");
        if (refusal !== undefined && refusal !== "") {
          if (reply.headers?.get("Nats-Service-Error-Code") === "400") {
            // A bad request stays bad: asking again cannot help until the tools change.
            logger.error({ reason: refusal }, "a server refused the tools' registration");
            return;
          }
          throw new Error(`the server could not register the tools: ${refusal}`);
        }
        const response = fromBinary(RegisterToolsResponseSchema, reply.data);
        logger.info(
          { tools: response.tools.map((tool) => tool.name) },
          "tools registered with a server",
        );
        return;
      } catch (error: unknown) {
        if (stopping.signal.aborted) return;
        const retryInMs = backoffMs(failures + 1, 30_000);
        const fields = {
          err: error,
          subject: names.registerSubject,
          failures: failures + 1,
          retryInMs,
        };
        const message =
          "no server answered RegisterTools: the model may not know these tools until one does " +
          "(tasks are served meanwhile); retrying";
        if (failures < 2) logger.warn(fields, message);
        else logger.error(fields, message);
        await pause(retryInMs, stopping.signal);
      }
    }
  };

  const startRegistration = () => {
    if (registering !== undefined) return;
    registering = register().finally(() => {
      registering = undefined;
    });
    own(background, registering);
  };

  /** Registers again after a reconnect: the server side may have restarted meanwhile. */
  const watchConnection = async (nc: NatsConnection) => {
    for await (const status of nc.status()) {
      if (stopping.signal.aborted) return;
      if (status.type === "reconnect") {
        logger.info("reconnected to NATS");
        startRegistration();
      } else if (status.type === "disconnect") {
        logger.warn("disconnected from NATS; reconnecting");
      }
    }
  };

  return {
    runnerId,

    start() {
      if (starting !== undefined) throw new Error("The tool runner was already started");
      if (closing !== undefined) throw new Error("The tool runner is closed");
      starting = startRunner();
      return starting;
    },

    close() {
      closing ??= (async () => {
        stopping.abort();
        // A close() during start() lets it finish first, so nothing it opens is left behind.
        await starting?.catch(() => undefined);
        await shutDown();
      })();
      return closing;
    },
  };

  async function startRunner() {
    const nc =
      typeof options.nats === "string"
        ? await connect({
            servers: options.nats.split(",").map((server) => server.trim()),
            name: `durable-agents-runner ${runnerId}`,
            // A runner outlives NATS restarts: it keeps reconnecting (acceptance of issue #4).
            maxReconnectAttempts: -1,
            ...natsAuthOptions(options.credentials),
          })
        : options.nats;
    connection = nc;
    try {
      await ensureJetStream([...tools.keys()]);
      js = jetstream(nc);
      for (const toolName of tools.keys()) {
        subscriptions.push(
          nc.subscribe(names.cancelSubject(toolName), {
            callback: (error, message) => {
              if (error === null) onCancellation(message.data);
            },
          }),
        );
      }
    } catch (error: unknown) {
      if (ownsConnection) await nc.close();
      connection = undefined;
      throw error;
    }
    if (stopping.signal.aborted) return;
    if (ownsConnection) own(background, watchConnection(nc));
    for (const toolName of tools.keys()) own(pullLoops, pullLoop(toolName));
    startRegistration();
    logger.info(
      { tools: [...tools.keys()], concurrency, prefix: names.prefix },
      "tool runner ready",
    );
  }

  async function shutDown() {
    const nc = connection;
    if (nc === undefined) return;
    const [allFinished] = await Promise.all([
      settlesWithin(Promise.allSettled([...executions]), drainTimeoutMs),
      // Pull requests end within FETCH_EXPIRES_MS; what they still deliver is handed back.
      Promise.allSettled([...pullLoops]),
    ]);
    if (!allFinished) {
      for (const task of held) {
        logger.warn(logFields(task.request), "handing back an unfinished task");
        task.released.abort();
        task.abort.abort(new DOMException("The tool runner is shutting down", "AbortError"));
        for (const message of task.messages) message.nak();
      }
    }
    for (const subscription of subscriptions) subscription.unsubscribe();
    if (ownsConnection) {
      // Flushes the naks and acks still buffered, then closes; a connection that cannot
      // drain (NATS unreachable) is closed after a while: its tasks are redelivered anyway.
      if (!(await settlesWithin(nc.drain(), 5_000))) await nc.close();
      await Promise.allSettled([...background]);
    } else {
      await settlesWithin(nc.flush(), 5_000);
    }
    logger.info("tool runner closed");
  }
}

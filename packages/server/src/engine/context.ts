// Everything the engine's behaviour runs on, handed in so the embedded and scaled deployments run
// the same engine code (DESIGN §2) and tests can pin the clock and randomness.

import type { LanguageModelV3 } from "@ai-sdk/provider";
import {
  STREAM_CLEANUP_DELAY_MS,
  STREAM_HEARTBEAT_INTERVAL_MS,
  STREAM_TIMEOUT_MS,
  type ToolRetryPolicy,
  type TurnRetryOptions,
} from "@durable-agents/core";
import type { Logger } from "pino";
import type { EventBus } from "../events/event-bus.js";
import type { EngineMetrics } from "../observability/metrics.js";
import type { TraceContext, Tracing } from "../observability/tracing.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import type {
  JsonValue,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  ToolKind,
} from "../store/records.js";
import type { Store, StoreReader } from "../store/store.js";
import type { ToolTransport } from "../transport/tool-transport.js";
import type { EngineHooks } from "./hooks.js";

/** How a turn saves its output as deltas (B5). */
export interface StreamingOptions {
  /** @default true */
  saveDeltas: boolean;
  /** @default 250 */
  throttleMs: number;
  /** @default false */
  includeToolInputDeltas: boolean;
}

/** An agent as the engine runs it: configuration resolved, model instantiated. */
export interface AgentDefinition {
  name: string;
  /** "<provider>:<model id>", shown by AgentService. */
  modelName: string;
  model: LanguageModelV3;
  system: string | undefined;
  /** Names of the tools the model may call. */
  tools: readonly string[];
  retry: TurnRetryOptions;
  /** Retry policy of the agent's tools that define none (B15). */
  toolRetry: ToolRetryPolicy | undefined;
  streaming: StreamingOptions;
  /** Most turns of one tool loop; one more fails the thread with kind max_steps_exceeded. */
  maxSteps: number;
  hooks: EngineHooks;
}

/** What the engine knows about a tool when it records and retries its calls. */
export interface ToolPolicy {
  name: string;
  description: string;
  kind: ToolKind;
  inputSchema: { [key: string]: JsonValue };
  retry: ToolRetryPolicy | undefined;
  /** Deadline of a call from its creation (B18); null means the engine's default (30 min). */
  timeoutMs: number | null;
}

/** Engine timings; tests shorten them. */
export interface EngineTimings {
  /** Tool call deadline when the tool names none (B18). @default 1_800_000 */
  defaultToolTimeoutMs: number;
  /** How long finished and aborted streams are kept (B7). @default 300_000 */
  streamCleanupDelayMs: number;
  /** A stream without heartbeat for this long is aborted "timeout" (B3). @default 600_000 */
  streamTimeoutMs: number;
  /**
   * How often a turn heartbeats its stream (B3), minus up to a third of it in jitter; a stream is
   * alive while its last heartbeat is younger than 4/3 of it (B2). A dead process's turn is taken
   * over once that has passed. stream-timings.ts derives both. @default 30_000
   */
  streamHeartbeatIntervalMs: number;
  /**
   * The first delay before a failed async callback is notified again; later ones double (B16:
   * 5 s × 2^(n−1)). @default 5_000
   */
  asyncCallbackInitialDelayMs: number;
  /**
   * A runner that reported no progress on a call for this long has lost the execution: recovery
   * re-dispatches the call (B20) and ListStuck reports it (X10). @default 60_000
   */
  runnerSilenceLimitMs: number;
  /**
   * How long past due a step that a job drives (a turn to start, a retry, a dispatch, a deadline)
   * may wait before ListStuck reports it as stuck (X10). @default 60_000
   */
  stuckGraceMs: number;
}

/** The timings of DESIGN §6 (B3, B7, B16, B18) and of recovery (B20, X10). */
export const DEFAULT_ENGINE_TIMINGS: EngineTimings = {
  defaultToolTimeoutMs: 30 * 60_000,
  streamCleanupDelayMs: STREAM_CLEANUP_DELAY_MS,
  streamTimeoutMs: STREAM_TIMEOUT_MS,
  asyncCallbackInitialDelayMs: 5_000,
  streamHeartbeatIntervalMs: STREAM_HEARTBEAT_INTERVAL_MS,
  runnerSilenceLimitMs: 60_000,
  stuckGraceMs: 60_000,
};

export interface EngineContext {
  store: Store;
  bus: EventBus;
  transport: ToolTransport;
  getAgent(name: string): AgentDefinition | undefined;
  listAgents(): readonly AgentDefinition[];
  /**
   * The tool's policy: from the in-process definitions, else from the registry (RegisterTools).
   * Inside a transaction pass it as `reader`: the store serialises its transactions, so a read
   * through the store itself would wait for the transaction that waits for it.
   */
  getToolPolicy(name: string, reader?: StoreReader): Promise<ToolPolicy | undefined>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Numbers in [0, 1), for jitter. */
  random(): number;
  newId(): string;
  /** Identifies this server process, e.g. in stream lock ids and local runner ids. */
  instanceId: string;
  logger: Logger;
  /** What the engine counts for /metrics (X6); a no-op in unit tests. */
  metrics: EngineMetrics;
  /** The active trace context and spans (X6): carried from RPCs to turns, jobs and runners. */
  tracing: Tracing;
  hooks: EngineHooks;
  timings: EngineTimings;
  /**
   * This process's scheduler, for the jobs transactions schedule (unit-of-work.ts): a job due now
   * is leased to this process as it is inserted when a slot is free, and every job committed is
   * offered, so due ones run at once.
   */
  scheduler: Pick<Scheduler, "reserve" | "cancelReservation" | "offer">;
  /**
   * Runs a turn whose stream a committed transaction created taken (B3), in the turn slot that
   * transaction reserved, in the trace of the work that started it (X6). A process that is
   * shutting down hands the stream back for recovery instead. Set by the engine.
   */
  runTakenTurn(
    turn: TakenTurn,
    start: { scheduledAt: number; trace: TraceContext | undefined },
  ): void;
  /** Fires when the server shuts down: running turns hand their streams back. */
  shutdownSignal: AbortSignal;
}

/** A turn that holds its stream's lock (B3), with the messages its model will see (B4). */
export interface TakenTurn {
  thread: ThreadRecord;
  stream: StreamRecord;
  agent: AgentDefinition;
  lockId: string;
  messages: MessageRecord[];
}

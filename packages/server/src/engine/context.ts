// Everything the engine's behaviour runs on, handed in so the embedded and scaled deployments run
// the same engine code (DESIGN §2) and tests can pin the clock and randomness.

import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { ToolRetryPolicy, TurnRetryOptions } from "@durable-agents/core";
import type { Logger } from "pino";
import type { EventBus } from "../events/event-bus.js";
import type { JsonValue, ToolKind } from "../store/records.js";
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
   * The first delay before a failed async callback is notified again; later ones double (B16:
   * 5 s × 2^(n−1)). @default 5_000
   */
  asyncCallbackInitialDelayMs: number;
}

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
  hooks: EngineHooks;
  timings: EngineTimings;
  /** Tells the scheduler that jobs were committed, so it claims due ones without waiting. */
  wakeScheduler(): void;
  /** Fires when the server shuts down: running turns hand their streams back. */
  shutdownSignal: AbortSignal;
}

// The engine (DESIGN §2, §6): the behaviour of threads, turns and tool calls on top of the three
// interfaces Store, ToolTransport and EventBus. createEngine wires the behaviour to its context
// and starts the scheduler; the RPC layer calls the operations it returns.
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { EventBus } from "../events/event-bus.js";
import { type EngineMetrics, noopMetrics } from "../observability/metrics.js";
import { createTracing, type Tracing } from "../observability/tracing.js";
import { type Scheduler, startScheduler } from "../scheduler/scheduler.js";
import type { ToolDefinitionRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import type { ToolTransport } from "../transport/tool-transport.js";
import { forceFailThread, requeueToolCall } from "./admin-operations.js";
import {
  type AgentDefinition,
  DEFAULT_ENGINE_TIMINGS,
  type EngineContext,
  type EngineTimings,
  type ToolPolicy,
} from "./context.js";
import type { EngineHooks } from "./hooks.js";
import { createIdGenerator } from "./ids.js";
import { createJobHandlers, RECOVERY_INTERVAL_MS, scheduleRecurringJob } from "./job-handlers.js";
import { JOB } from "./jobs.js";
import {
  recoverThreads,
  releaseOrphanedToolExecutions,
  resumePendingToolExecutions,
} from "./recovery.js";
import { listStuck } from "./stuck.js";
import * as threads from "./thread-operations.js";
import * as toolCalls from "./tool-call-operations.js";
import { observeToolReports } from "./tool-calls.js";
import { handBackStream, runTaken } from "./turn-runner.js";
import { mutate } from "./unit-of-work.js";

export interface EngineOptions {
  store: Store;
  bus: EventBus;
  transport: ToolTransport;
  agents: readonly AgentDefinition[];
  /** Tools run in this process; their policies win over registered definitions of the same name. */
  localTools: readonly ToolPolicy[];
  hooks?: EngineHooks;
  logger: Logger;
  /** @default counts nothing */
  metrics?: EngineMetrics;
  /** @default the OpenTelemetry API's global tracer (a no-op unless an SDK is registered) */
  tracing?: Tracing;
  /** @default 4 — PERF-NOTES: the AI SDK is the ceiling, ~4–8 active turns per process. */
  maxConcurrentTurns?: number;
  /** Most dispatches and other jobs running at once. @default 32 */
  maxConcurrentJobs?: number;
  /** @default 60_000 (B20) */
  recoveryIntervalMs?: number;
  timings?: Partial<EngineTimings>;
  now?: () => number;
  random?: () => number;
}

export type Engine = ReturnType<typeof createEngineOperations> & {
  context: EngineContext;
  /** Stops claiming work, hands back running turns, waits for in-flight work. */
  close(): Promise<void>;
};

function toolPolicyFromRecord(record: ToolDefinitionRecord): ToolPolicy {
  return {
    name: record.name,
    description: record.description,
    kind: record.kind,
    inputSchema: record.inputSchema,
    retry:
      record.retry === null
        ? undefined
        : {
            enabled: true,
            maxAttempts: record.retry.maxAttempts,
            backoff:
              record.retry.multiplier === 1
                ? {
                    strategy: "fixed",
                    delayMs: record.retry.initialDelayMs,
                    jitter: record.retry.jitter ? "full" : "none",
                  }
                : {
                    strategy: "exponential",
                    initialDelayMs: record.retry.initialDelayMs,
                    multiplier: record.retry.multiplier,
                    maxDelayMs: record.retry.maxDelayMs ?? Number.MAX_SAFE_INTEGER,
                    jitter: record.retry.jitter ? "full" : "none",
                  },
          },
    timeoutMs: record.timeoutMs,
  };
}

function createEngineOperations(context: EngineContext) {
  // Each operation with the context bound, so callers pass only their request.
  const bind =
    <Args extends unknown[], Result>(
      operation: (context: EngineContext, ...args: Args) => Result,
    ) =>
    (...args: Args): Result =>
      operation(context, ...args);
  return {
    createThread: bind(threads.createThread),
    getThread: bind(threads.getThread),
    listThreads: bind(threads.listThreads),
    deleteThread: bind(threads.deleteThread),
    sendMessage: bind(threads.sendMessage),
    addMessage: bind(threads.addMessage),
    resumeThread: bind(threads.resumeThread),
    stopThread: bind(threads.stopThread),
    listMessages: bind(threads.listMessages),
    completeToolCall: bind(toolCalls.completeToolCall),
    setToolCallTimeout: bind(toolCalls.setToolCallTimeout),
    getToolCall: bind(toolCalls.getToolCall),
    listToolCalls: bind(toolCalls.listToolCalls),
    registerTools: bind(toolCalls.registerTools),
    recoverThreads: bind(recoverThreads),
    resumePendingToolExecutions: bind(resumePendingToolExecutions),
    forceFailThread: bind(forceFailThread),
    requeueToolCall: bind(requeueToolCall),
    listStuck: bind(listStuck),
    listAgents: () => [...context.listAgents()],
  };
}

/**
 * A store that only this process writes (SQLite) holds no live turn of another process at
 * start-up: every streaming stream belonged to a process that is gone, so it is released for
 * recovery at once instead of after the 40 s liveness threshold (B2).
 */
async function releaseOrphanedStreams(context: EngineContext): Promise<void> {
  const threadsWithTurns = await context.store.listThreadsByStatus(
    ["streaming"],
    undefined,
    10_000,
  );
  for (const thread of threadsWithTurns) {
    if (thread.activeStreamId === null) continue;
    const streamId = thread.activeStreamId;
    await mutate(context, async (tx) => {
      const stream = await tx.getStream(streamId);
      if (stream?.status === "streaming") await tx.updateStream(streamId, { heartbeatAt: 0 });
    });
  }
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const agents = new Map(options.agents.map((agent) => [agent.name, agent]));
  const localTools = new Map(options.localTools.map((tool) => [tool.name, tool]));
  let scheduler: Scheduler | undefined;
  const turnSlots = options.maxConcurrentTurns ?? 4;
  const shutdown = new AbortController();
  // Each running turn listens for the shutdown (turn-runner.ts), one per turn slot at most: past
  // Node's default of 10 that is the pool's size, not a leak to warn operators about.
  setMaxListeners(turnSlots, shutdown.signal);
  const instanceId = randomUUID();
  const context: EngineContext = {
    store: options.store,
    bus: options.bus,
    transport: options.transport,
    getAgent: (name) => agents.get(name),
    listAgents: () => options.agents,
    async getToolPolicy(name, reader) {
      const local = localTools.get(name);
      if (local !== undefined) return local;
      const registered = await (reader ?? options.store).getTool(name);
      return registered === undefined ? undefined : toolPolicyFromRecord(registered);
    },
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    newId: createIdGenerator(options.now ?? Date.now),
    instanceId,
    logger: options.logger,
    metrics: options.metrics ?? noopMetrics,
    tracing: options.tracing ?? createTracing(),
    hooks: options.hooks ?? {},
    timings: { ...DEFAULT_ENGINE_TIMINGS, ...options.timings },
    // The scheduler starts once the handlers exist, which need this context.
    scheduler: {
      reserve: (type) => scheduler?.reserve(type),
      cancelReservation: (type) => scheduler?.cancelReservation(type),
      offer: (jobs) => scheduler?.offer(jobs),
    },
    runTakenTurn(turn, { scheduledAt, trace }) {
      // Only a slot the scheduler reserved creates a turn taken.
      if (scheduler === undefined) throw new Error("a turn was created taken before the scheduler");
      scheduler.runReserved(JOB.runTurn, scheduledAt, {
        run: () => context.tracing.run(trace, () => runTaken(context, turn)),
        // Shutting down: recovery on any replica (or at the next start) restarts the turn (B2).
        handBack: () => handBackStream(context, turn.stream.streamId, turn.lockId),
      });
    },
    shutdownSignal: shutdown.signal,
  };
  const handlers = createJobHandlers(context, {
    recoveryIntervalMs: options.recoveryIntervalMs ?? RECOVERY_INTERVAL_MS,
  });
  await options.transport.start(
    observeToolReports(context, toolCalls.createToolReportSink(context)),
  );
  if (options.store.exclusive) {
    await releaseOrphanedStreams(context);
    await releaseOrphanedToolExecutions(context);
  }
  scheduler = startScheduler({
    store: options.store,
    owner: instanceId,
    handlers: Object.fromEntries(
      Object.entries(handlers).map(([type, run]) => [
        type,
        { pool: type === JOB.runTurn ? "turns" : "jobs", run },
      ]),
    ),
    poolLimits: { turns: turnSlots, jobs: options.maxConcurrentJobs ?? 32 },
    now: context.now,
    logger: options.logger,
    metrics: context.metrics,
    tracing: context.tracing,
  });
  // B20: recovery runs at start-up, then periodically; so do the stream sweeps (B3, B7).
  await scheduleRecurringJob(context, JOB.recovery, context.now());
  await scheduleRecurringJob(context, JOB.streamCleanup, context.now());
  await scheduleRecurringJob(context, JOB.streamTimeout, context.now());
  const operations = createEngineOperations(context);
  return {
    ...operations,
    context,
    async close() {
      shutdown.abort();
      await scheduler?.stop();
      await options.transport.close();
    },
  };
}

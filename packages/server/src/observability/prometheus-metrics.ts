// The engine's metrics (metrics.ts) as Prometheus series (X6), on a registry of the server's
// own: tests run many servers in one process, and an embedding application keeps its default
// registry to itself. docs/observability.md lists every series.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { EngineMetrics, ToolAttemptId, TurnEndOutcome } from "./metrics.js";

/** Seconds, 50 ms to 10 min: a turn is one model response, a long one with reasoning. */
const TURN_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
/** Seconds, 10 ms to 1 min: how long a model takes to start answering. */
const FIRST_DELTA_SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
/** Seconds, 5 ms to 30 min (the default deadline, B18): from lookups to human approvals. */
const TOOL_SECONDS_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1_800,
];
/** Seconds, 1 ms to 1 min: how late the scheduler claims a due job. */
const LAG_SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * Attempts dispatched here whose outcome has not been applied here yet. With several replicas
 * another one may apply it; the oldest entries are then dropped past this bound.
 */
const MAX_OPEN_TOOL_ATTEMPTS = 10_000;

const attemptKey = ({ threadId, toolCallId, attempt }: ToolAttemptId) =>
  `${threadId}\u0000${toolCallId}\u0000${attempt}`;

export function createPrometheusMetrics(registry: Registry): EngineMetrics {
  const registers = [registry];
  const turnsStarted = new Counter({
    name: "durable_agents_turns_started_total",
    help: "Turns that took their stream (B3), by agent.",
    labelNames: ["agent"],
    registers,
  });
  const turnsFinished = new Counter({
    name: "durable_agents_turns_finished_total",
    help: "Turns that ended, by agent and outcome (completed, failed, retrying, stopped, superseded, handed_back).",
    labelNames: ["agent", "outcome"],
    registers,
  });
  const turnDuration = new Histogram({
    name: "durable_agents_turn_duration_seconds",
    help: "How long a turn ran, from taking its stream to its end, by agent and outcome.",
    labelNames: ["agent", "outcome"],
    buckets: TURN_SECONDS_BUCKETS,
    registers,
  });
  const timeToFirstDelta = new Histogram({
    name: "durable_agents_turn_time_to_first_delta_seconds",
    help: "From taking the stream to the model's first meaningful chunk, by agent.",
    labelNames: ["agent"],
    buckets: FIRST_DELTA_SECONDS_BUCKETS,
    registers,
  });
  const activeStreams = new Gauge({
    name: "durable_agents_active_streams",
    help: "Turns running in this process now.",
    registers,
  });
  const providerErrors = new Counter({
    name: "durable_agents_provider_errors_total",
    help: "Turn errors, by agent and B22 kind (rate_limited, provider_5xx, network, auth, …).",
    labelNames: ["agent", "kind"],
    registers,
  });
  const turnRetries = new Counter({
    name: "durable_agents_turn_retries_total",
    help: "Turn retries scheduled (B9), by agent and B22 kind.",
    labelNames: ["agent", "kind"],
    registers,
  });
  const toolCalls = new Counter({
    name: "durable_agents_tool_calls_total",
    help: "Tool calls that ended for good, by tool and outcome (completed, failed, cancelled: StopThread, INTERRUPT or ForceFailThread).",
    labelNames: ["tool", "outcome"],
    registers,
  });
  const toolRetries = new Counter({
    name: "durable_agents_tool_retries_total",
    help: "Retries of failed tool attempts scheduled, sync tools (B15) and async callbacks (B16), by tool.",
    labelNames: ["tool"],
    registers,
  });
  const toolAttemptDuration = new Histogram({
    name: "durable_agents_tool_attempt_duration_seconds",
    help: "From dispatching a tool attempt to applying its outcome in this process, by tool and outcome (result, error, callback_delivered).",
    labelNames: ["tool", "outcome"],
    buckets: TOOL_SECONDS_BUCKETS,
    registers,
  });
  const watchers = new Gauge({
    name: "durable_agents_watchers",
    help: "Open StreamUpdates and WatchThread calls on this process, by rpc.",
    labelNames: ["rpc"],
    registers,
  });
  const jobLag = new Histogram({
    name: "durable_agents_job_lag_seconds",
    help: "How late the scheduler claimed a due job (now − run_at), by job type.",
    labelNames: ["type"],
    buckets: LAG_SECONDS_BUCKETS,
    registers,
  });
  const poolRunning = new Gauge({
    name: "durable_agents_scheduler_pool_running",
    help: "Jobs the scheduler runs now, by pool (turns, jobs).",
    labelNames: ["pool"],
    registers,
  });
  const poolLimit = new Gauge({
    name: "durable_agents_scheduler_pool_limit",
    help: "Most jobs the scheduler runs at once, by pool.",
    labelNames: ["pool"],
    registers,
  });
  // Series that exist from the start read 0 instead of missing before their first event.
  for (const rpc of ["StreamUpdates", "WatchThread"]) watchers.set({ rpc }, 0);

  const openToolAttempts = new Map<string, { tool: string; startedAt: number }>();

  return {
    turnStarted(agent) {
      turnsStarted.inc({ agent });
      activeStreams.inc();
      const startedAt = performance.now();
      let sawDelta = false;
      let ended = false;
      return {
        firstDelta() {
          if (sawDelta || ended) return;
          sawDelta = true;
          timeToFirstDelta.observe({ agent }, (performance.now() - startedAt) / 1_000);
        },
        ended(outcome: TurnEndOutcome) {
          if (ended) return;
          ended = true;
          activeStreams.dec();
          turnsFinished.inc({ agent, outcome });
          turnDuration.observe({ agent, outcome }, (performance.now() - startedAt) / 1_000);
        },
      };
    },
    turnErrored(agent, kind) {
      providerErrors.inc({ agent, kind });
    },
    turnRetryScheduled(agent, kind) {
      turnRetries.inc({ agent, kind });
    },
    toolDispatched(tool, attempt) {
      const key = attemptKey(attempt);
      // A re-dispatch of the same attempt (recovery, B20) keeps the first dispatch's time.
      if (openToolAttempts.has(key)) return;
      if (openToolAttempts.size >= MAX_OPEN_TOOL_ATTEMPTS) {
        const oldest = openToolAttempts.keys().next();
        if (oldest.done !== true) openToolAttempts.delete(oldest.value);
      }
      openToolAttempts.set(key, { tool, startedAt: performance.now() });
    },
    toolAttemptEnded(attempt, outcome) {
      const key = attemptKey(attempt);
      const open = openToolAttempts.get(key);
      if (open === undefined) return;
      openToolAttempts.delete(key);
      toolAttemptDuration.observe(
        { tool: open.tool, outcome },
        (performance.now() - open.startedAt) / 1_000,
      );
    },
    toolCallFinished(tool, outcome) {
      toolCalls.inc({ tool, outcome });
    },
    toolRetryScheduled(tool) {
      toolRetries.inc({ tool });
    },
    watcherOpened(rpc) {
      watchers.inc({ rpc });
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        watchers.dec({ rpc });
      };
    },
    jobClaimed(type, lagMs) {
      jobLag.observe({ type }, Math.max(0, lagMs) / 1_000);
    },
    poolUsage(pool, running, limit) {
      poolRunning.set({ pool }, running);
      poolLimit.set({ pool }, limit);
    },
  };
}

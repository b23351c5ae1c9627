// The Prometheus metrics of a tool runner (X6): executions by tool and outcome, how long they
// took, and how many run now. Registered on the registry the runner is given, never the global
// one, so several runners (tests) can share a process.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** How an execution ended, named as the ToolOutcome's `outcome` case says it. */
export type ExecutionOutcome = "result" | "error" | "callback_delivered";

export interface RunnerMetrics {
  /** Counts an execution in flight until the returned function reports how it ended. */
  executionStarted(tool: string): (outcome: ExecutionOutcome) => void;
}

/** Buckets from 5 ms to 5 min: tools range from lookups to long jobs. */
const EXECUTION_SECONDS_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

export function createRunnerMetrics(registry: Registry): RunnerMetrics {
  const executions = new Counter({
    name: "durable_agents_runner_tool_executions_total",
    help: "Tool executions this runner finished, by tool and outcome (result, error, callback_delivered).",
    labelNames: ["tool", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "durable_agents_runner_tool_execution_duration_seconds",
    help: "How long a tool execution took on this runner, handler and argument validation included.",
    labelNames: ["tool", "outcome"],
    buckets: EXECUTION_SECONDS_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "durable_agents_runner_tool_executions_in_flight",
    help: "Tool executions running on this runner now.",
    labelNames: ["tool"],
    registers: [registry],
  });
  return {
    executionStarted(tool) {
      inFlight.inc({ tool });
      const startedAt = performance.now();
      let ended = false;
      return (outcome) => {
        if (ended) return;
        ended = true;
        inFlight.dec({ tool });
        executions.inc({ tool, outcome });
        duration.observe({ tool, outcome }, (performance.now() - startedAt) / 1_000);
      };
    },
  };
}

/** Counts nothing: a runner given no registry. */
export const noRunnerMetrics: RunnerMetrics = {
  executionStarted: () => () => undefined,
};

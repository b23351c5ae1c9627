import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createPrometheusMetrics } from "./prometheus-metrics.js";

/** The values of one metric, by its label set. */
async function values(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  if (metric === undefined) throw new Error(`no metric ${name}`);
  // Histogram values name their series (`_bucket`, `_sum`, `_count`); prom-client's type omits it.
  return metric.values.map((entry) => {
    const { metricName } = entry as { metricName?: string };
    return {
      ...(metricName === undefined || metricName === name ? {} : { series: metricName }),
      labels: entry.labels,
      value: entry.value,
    };
  });
}

/** The `_count` of a histogram for exactly these labels. */
async function histogramCount(registry: Registry, name: string, labels: Record<string, string>) {
  const all = await values(registry, name);
  return all.find(
    (entry) =>
      entry.series === `${name}_count` && JSON.stringify(entry.labels) === JSON.stringify(labels),
  )?.value;
}

describe("createPrometheusMetrics (X6)", () => {
  it("counts a turn's start, first delta and end once, and its time in the active gauge", async () => {
    const registry = new Registry();
    const metrics = createPrometheusMetrics(registry);
    const turn = metrics.turnStarted("demo");
    expect(await values(registry, "durable_agents_active_streams")).toEqual([
      { labels: {}, value: 1 },
    ]);
    turn.firstDelta();
    turn.firstDelta();
    turn.ended("completed");
    turn.ended("failed");
    metrics.turnStarted("demo").ended("retrying");

    expect(await values(registry, "durable_agents_turns_started_total")).toEqual([
      { labels: { agent: "demo" }, value: 2 },
    ]);
    expect(await values(registry, "durable_agents_turns_finished_total")).toEqual([
      { labels: { agent: "demo", outcome: "completed" }, value: 1 },
      { labels: { agent: "demo", outcome: "retrying" }, value: 1 },
    ]);
    expect(await values(registry, "durable_agents_active_streams")).toEqual([
      { labels: {}, value: 0 },
    ]);
    expect(
      await histogramCount(registry, "durable_agents_turn_time_to_first_delta_seconds", {
        agent: "demo",
      }),
    ).toBe(1);
    expect(
      await histogramCount(registry, "durable_agents_turn_duration_seconds", {
        agent: "demo",
        outcome: "completed",
      }),
    ).toBe(1);
  });

  it("times a tool attempt from its first dispatch to its outcome, once", async () => {
    const registry = new Registry();
    const metrics = createPrometheusMetrics(registry);
    const attempt = { threadId: "t", toolCallId: "c", attempt: 1 };
    metrics.toolDispatched("get_weather", attempt);
    metrics.toolDispatched("get_weather", attempt);
    metrics.toolAttemptEnded(attempt, "result");
    metrics.toolAttemptEnded(attempt, "result");
    // An outcome of an attempt dispatched by another replica is not timed here.
    metrics.toolAttemptEnded({ ...attempt, attempt: 2 }, "error");
    metrics.toolCallFinished("get_weather", "completed");
    metrics.toolCallFinished("slow", "cancelled");
    metrics.toolRetryScheduled("slow");

    expect(
      await histogramCount(registry, "durable_agents_tool_attempt_duration_seconds", {
        tool: "get_weather",
        outcome: "result",
      }),
    ).toBe(1);
    expect(
      await histogramCount(registry, "durable_agents_tool_attempt_duration_seconds", {
        tool: "get_weather",
        outcome: "error",
      }),
    ).toBeUndefined();
    expect(await values(registry, "durable_agents_tool_calls_total")).toEqual([
      { labels: { tool: "get_weather", outcome: "completed" }, value: 1 },
      { labels: { tool: "slow", outcome: "cancelled" }, value: 1 },
    ]);
    expect(await values(registry, "durable_agents_tool_retries_total")).toEqual([
      { labels: { tool: "slow" }, value: 1 },
    ]);
  });

  it("counts provider errors and retries by B22 kind, watchers, job lag and pool usage", async () => {
    const registry = new Registry();
    const metrics = createPrometheusMetrics(registry);
    metrics.turnErrored("demo", "rate_limited");
    metrics.turnRetryScheduled("demo", "rate_limited");
    const closeWatch = metrics.watcherOpened("WatchThread");
    const closeUpdates = metrics.watcherOpened("StreamUpdates");
    closeUpdates();
    closeUpdates();
    metrics.jobClaimed("run_turn", 1_500);
    metrics.poolUsage("turns", 3, 100);

    expect(await values(registry, "durable_agents_provider_errors_total")).toEqual([
      { labels: { agent: "demo", kind: "rate_limited" }, value: 1 },
    ]);
    expect(await values(registry, "durable_agents_turn_retries_total")).toEqual([
      { labels: { agent: "demo", kind: "rate_limited" }, value: 1 },
    ]);
    expect(await values(registry, "durable_agents_watchers")).toEqual([
      { labels: { rpc: "StreamUpdates" }, value: 0 },
      { labels: { rpc: "WatchThread" }, value: 1 },
    ]);
    closeWatch();
    expect(await values(registry, "durable_agents_watchers")).toContainEqual({
      labels: { rpc: "WatchThread" },
      value: 0,
    });
    const lag = await values(registry, "durable_agents_job_lag_seconds");
    expect(lag).toContainEqual({
      series: "durable_agents_job_lag_seconds_sum",
      labels: { type: "run_turn" },
      value: 1.5,
    });
    expect(await values(registry, "durable_agents_scheduler_pool_running")).toEqual([
      { labels: { pool: "turns" }, value: 3 },
    ]);
    expect(await values(registry, "durable_agents_scheduler_pool_limit")).toEqual([
      { labels: { pool: "turns" }, value: 100 },
    ]);
  });

  it("keeps each server's series on its own registry", async () => {
    const first = new Registry();
    const second = new Registry();
    createPrometheusMetrics(first).turnStarted("a").ended("completed");
    createPrometheusMetrics(second);
    expect(await values(first, "durable_agents_turns_started_total")).toEqual([
      { labels: { agent: "a" }, value: 1 },
    ]);
    expect(await values(second, "durable_agents_turns_started_total")).toEqual([]);
  });
});

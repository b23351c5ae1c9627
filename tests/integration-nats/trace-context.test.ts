// X6 OpenTelemetry trace context carried to runners: a caller's W3C `traceparent` reaches the
// handler of a tool in a separate `durable-agents-runner` process (ToolTask.trace_context), with
// or without span export; with an OTLP endpoint configured, the server's and the runner's spans
// arrive at a collector as one trace. The runner's own /metrics counts the execution.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { type OtlpCollector, startOtlpCollector } from "../support/otlp-collector.js";
import { sampleValue, scrapeUntil } from "../support/prometheus.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { deleteStreams, randomPrefix, sharedNatsUrl } from "./support/nats.js";
import { killAllRunners, type RunnerProcess, startRunner } from "./support/runners.js";

/** Serves the demo's get_weather and records the trace context its handler sees. */
const tracedToolModule = fileURLToPath(new URL("./fixtures/traced-tools.mjs", import.meta.url));
/** Starting servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;

/** A fresh W3C context as a caller's tracer would send it: sampled, with vendor state. */
function callerTraceContext() {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return {
    traceId,
    spanId,
    traceparent: `00-${traceId}-${spanId}-01`,
    tracestate: "acme=t61rcWkgMzE",
  };
}

/** What the traced get_weather recorded, one entry per execution. */
function recordedTraceContexts(file: string) {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map(
      (line) =>
        JSON.parse(line) as {
          toolCallId: string;
          traceContext: { traceparent: string; tracestate?: string } | null;
        },
    );
}

/** The URL the runner logged with "metrics serving" (it listens on port 0). */
function runnerMetricsUrl(runner: RunnerProcess): string {
  for (const line of runner.output().split("\n")) {
    if (!line.startsWith("{")) continue;
    const parsed = JSON.parse(line) as { msg?: string; url?: string };
    if (parsed.msg === "metrics serving" && parsed.url !== undefined) return parsed.url;
  }
  throw new Error(`the runner logged no metrics URL:\n${runner.output()}`);
}

describe("trace context to runners (X6)", { timeout: 60_000 }, () => {
  let prefix: string;
  let dir: string;
  let traceFile: string;
  let collector: OtlpCollector;
  let test: TestServer | undefined;

  beforeEach(async () => {
    prefix = randomPrefix();
    dir = mkdtempSync(join(tmpdir(), "durable-agents-trace-"));
    traceFile = join(dir, "trace-contexts.jsonl");
    collector = await startOtlpCollector();
  }, HOOK_TIMEOUT_MS);
  afterEach(async () => {
    await killAllRunners();
    await test?.close();
    test = undefined;
    await collector.close();
    await deleteStreams(sharedNatsUrl, prefix);
    rmSync(dir, { recursive: true, force: true });
  }, HOOK_TIMEOUT_MS);

  /** Runs "weather in Paris" on the demo agent with the caller's trace headers, to its end. */
  async function converse(server: TestServer, caller: ReturnType<typeof callerTraceContext>) {
    const { thread } = await server.threads.createThread(
      { agent: "demo", prompt: "weather in Paris" },
      { headers: { traceparent: caller.traceparent, tracestate: caller.tracestate } },
    );
    const threadId = thread?.threadId ?? "";
    const done = await waitForThread(server.streams, threadId, isIdle, 30_000);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
  }

  it("carries the caller's traceparent unchanged to the runner's handler when nothing exports spans", async () => {
    test = await startTestServer({ config: { nats: { url: sharedNatsUrl, prefix } } });
    await startRunner({
      natsUrl: sharedNatsUrl,
      prefix,
      name: "runner-untraced",
      modules: [tracedToolModule],
      // No SDK in the runner either, whatever the machine's environment says.
      env: { TRACE_TEST_FILE: traceFile, OTEL_SDK_DISABLED: "true" },
    });
    const caller = callerTraceContext();

    await converse(test, caller);

    expect(recordedTraceContexts(traceFile).map((entry) => entry.traceContext)).toEqual([
      { traceparent: caller.traceparent, tracestate: caller.tracestate },
    ]);
    expect(collector.spans).toEqual([]);
  });

  it("exports one trace from the RPC through both turns to the runner's execution", async () => {
    test = await startTestServer({
      config: { nats: { url: sharedNatsUrl, prefix }, telemetry: { otlpEndpoint: collector.url } },
    });
    const runner = await startRunner({
      natsUrl: sharedNatsUrl,
      prefix,
      name: "runner-traced",
      modules: [tracedToolModule],
      args: ["--metrics-listen", "127.0.0.1:0"],
      env: {
        TRACE_TEST_FILE: traceFile,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: "test-runner",
      },
    });
    const caller = callerTraceContext();

    await converse(test, caller);

    // The handler ran in the caller's trace, under a span of its own.
    const [recorded] = recordedTraceContexts(traceFile);
    const [, handlerTraceId, handlerSpanId] = recorded?.traceContext?.traceparent.split("-") ?? [];
    expect(handlerTraceId).toBe(caller.traceId);
    expect(handlerSpanId).not.toBe(caller.spanId);
    expect(recorded?.traceContext?.tracestate).toBe(caller.tracestate);

    // The runner's /metrics counted the execution (once its outcome was acked).
    const runnerMetrics = await scrapeUntil(
      runnerMetricsUrl(runner),
      (text) =>
        sampleValue(text, "durable_agents_runner_tool_executions_total", {
          tool: "get_weather",
          outcome: "result",
        }) === 1,
      "the runner's execution",
    );
    expect(
      sampleValue(runnerMetrics, "durable_agents_runner_tool_executions_in_flight", {
        tool: "get_weather",
      }),
    ).toBe(0);
    expect(
      sampleValue(runnerMetrics, "durable_agents_runner_tool_execution_duration_seconds_count", {
        tool: "get_weather",
        outcome: "result",
      }),
    ).toBe(1);

    // Both processes export what they still buffer when they shut down.
    await runner.kill("SIGTERM");
    await test.close();
    const spans = collector.spans.filter((span) => span.traceId === caller.traceId);
    const named = (name: string) => spans.filter((span) => span.name === name);
    const [rpc] = named("rpc CreateThread");
    const turns = named("turn");
    const [tool] = named("tool get_weather");
    const [execution] = named("tool.execute get_weather");
    expect(turns).toHaveLength(2);
    expect(named("tool get_weather")).toHaveLength(1);
    expect(named("tool.execute get_weather")).toHaveLength(1);
    // The causal chain: caller → rpc → turn 1 → tool → execution (runner) → turn 2.
    expect(rpc?.parentSpanId).toBe(caller.spanId);
    const first = turns.find((turn) => turn.parentSpanId === rpc?.spanId);
    expect(first).toBeDefined();
    expect(tool?.parentSpanId).toBe(first?.spanId);
    expect(execution?.parentSpanId).toBe(tool?.spanId);
    expect(execution?.spanId).toBe(handlerSpanId);
    expect(turns.find((turn) => turn !== first)?.parentSpanId).toBe(execution?.spanId);
    expect(new Set(spans.map((span) => `${span.name}@${span.serviceName}`))).toEqual(
      new Set([
        "rpc CreateThread@durable-agents",
        "turn@durable-agents",
        "tool get_weather@durable-agents",
        "tool.execute get_weather@test-runner",
      ]),
    );
  });
});

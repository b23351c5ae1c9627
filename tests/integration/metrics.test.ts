// X6 Prometheus metrics of a real server: `/metrics` on the API's one port over HTTP/1.1 and
// HTTP/2 (or on a port of its own), counting a demo conversation's turns and tool calls, and the
// watchers open on it.
import { ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { startFakeOpenAI } from "../support/fake-openai.js";
import { sampleValue, scrapeHttp1, scrapeHttp2, scrapeUntil } from "../support/prometheus.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";

const demo = { agent: "demo" };
const weather = { tool: "get_weather" };

/** Whether every `[name, labels, value]` is in the scraped text with exactly that value. */
const shows =
  (...expected: [string, Record<string, string>, number][]) =>
  (text: string) =>
    expected.every(([name, labels, value]) => sampleValue(text, name, labels) === value);

describe("/metrics (X6)", () => {
  let test: TestServer | undefined;
  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  it("counts the turns and the tool call of 'weather in Paris', on HTTP/1.1 and HTTP/2", async () => {
    test = await startTestServer();
    const url = test.server.metricsUrl ?? "";
    expect(url).toBe(`${test.server.url}/metrics`);

    const { thread } = await test.threads.createThread({ ...demo, prompt: "weather in Paris" });
    const threadId = thread?.threadId ?? "";
    const done = await waitForThread(test.streams, threadId, isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(test.threads, threadId))).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);

    // Two turns (the tool call, then the answer), one tool call with one attempt.
    const expected = shows(
      ["durable_agents_turns_started_total", demo, 2],
      ["durable_agents_turns_finished_total", { ...demo, outcome: "completed" }, 2],
      ["durable_agents_turn_duration_seconds_count", { ...demo, outcome: "completed" }, 2],
      ["durable_agents_turn_time_to_first_delta_seconds_count", demo, 2],
      ["durable_agents_tool_calls_total", { ...weather, outcome: "completed" }, 1],
      ["durable_agents_tool_attempt_duration_seconds_count", { ...weather, outcome: "result" }, 1],
      ["durable_agents_active_streams", {}, 0],
    );
    const overHttp1 = await scrapeUntil(url, expected, "the conversation's turns and tool call");
    const overHttp2 = await scrapeHttp2(url);
    for (const text of [overHttp1, overHttp2]) {
      expect(expected(text)).toBe(true);
      expect(
        sampleValue(text, "durable_agents_tool_calls_total", { ...weather, outcome: "failed" }),
      ).toBeUndefined();
      // Every run_turn job was claimed, each with its lag observed. (The in-process tool call
      // started in the transaction that recorded it: no dispatch_tool job.)
      expect(
        sampleValue(text, "durable_agents_job_lag_seconds_count", { type: "run_turn" }),
      ).toBeGreaterThanOrEqual(2);
      expect(sampleValue(text, "durable_agents_scheduler_pool_limit", { pool: "turns" })).toBe(100);
      expect(
        sampleValue(text, "durable_agents_turn_duration_seconds_sum", {
          ...demo,
          outcome: "completed",
        }),
      ).toBeGreaterThan(0);
    }
  });

  it("shows a WatchThread as a watcher while it is open, and not after it is cancelled", async () => {
    test = await startTestServer();
    const url = test.server.metricsUrl ?? "";
    const { thread } = await test.threads.createThread({ ...demo, prompt: "hi" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, isIdle);
    const watchers = (count: number) =>
      shows(["durable_agents_watchers", { rpc: "WatchThread" }, count]);
    // waitForThread's own watch has ended once the server's handler saw its cancellation.
    await scrapeUntil(url, watchers(0), "no watcher");

    const cancel = new AbortController();
    const watch = test.streams
      .watchThread({ threadId }, { signal: cancel.signal })
      [Symbol.asyncIterator]();
    try {
      // The first event (the snapshot) proves the handler runs, so the watcher is counted.
      expect((await watch.next()).value?.event.case).toBe("snapshot");
      const open = await scrapeHttp1(url);
      expect(sampleValue(open, "durable_agents_watchers", { rpc: "WatchThread" })).toBe(1);
      expect(sampleValue(open, "durable_agents_watchers", { rpc: "StreamUpdates" })).toBe(0);
    } finally {
      cancel.abort();
    }
    await scrapeUntil(url, watchers(0), "the cancelled watcher gone");
  });

  it("counts provider errors and retries by B22 kind, and how each turn ended", async () => {
    const fake = await startFakeOpenAI();
    try {
      test = await startTestServer({
        config: {
          providers: {
            demo: { type: "demo", chunkDelayMs: 0 },
            fake: { type: "openai-compatible", baseURL: fake.baseURL, apiKey: "k" },
          },
          agents: [{ name: "plain", model: "fake:gpt-test" }],
        },
      });
      const url = test.server.metricsUrl ?? "";
      // A 429 that is retried, then an answer; then a 401, which fails the thread (B9, B22).
      fake.plan(
        { status: 429, headers: { "retry-after-ms": "10" } },
        { stream: ["Hello"] },
        { status: 401 },
      );
      const first = await test.threads.createThread({ agent: "plain", prompt: "hi" });
      const answered = await waitForThread(test.streams, first.thread?.threadId ?? "", isIdle);
      expect(answered.status).toBe(ThreadStatus.COMPLETED);
      const second = await test.threads.createThread({ agent: "plain", prompt: "again" });
      const failed = await waitForThread(test.streams, second.thread?.threadId ?? "", isIdle);
      expect(failed.status).toBe(ThreadStatus.FAILED);

      const plain = { agent: "plain" };
      await scrapeUntil(
        url,
        shows(
          ["durable_agents_provider_errors_total", { ...plain, kind: "rate_limited" }, 1],
          ["durable_agents_provider_errors_total", { ...plain, kind: "auth" }, 1],
          ["durable_agents_turn_retries_total", { ...plain, kind: "rate_limited" }, 1],
          ["durable_agents_turns_started_total", plain, 3],
          ["durable_agents_turns_finished_total", { ...plain, outcome: "retrying" }, 1],
          ["durable_agents_turns_finished_total", { ...plain, outcome: "completed" }, 1],
          ["durable_agents_turns_finished_total", { ...plain, outcome: "failed" }, 1],
          ["durable_agents_job_lag_seconds_count", { type: "retry_turn" }, 1],
        ),
        "the rate-limited retry, the answer and the auth failure",
      );
    } finally {
      await fake.close();
    }
  });

  it("serves metrics on a port of their own with metrics.listen, and not on the API port", async () => {
    test = await startTestServer({ config: { metrics: { listen: "127.0.0.1:0" } } });
    const url = test.server.metricsUrl ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/u);
    expect(url.startsWith(test.server.url)).toBe(false);
    const text = await scrapeHttp1(url);
    expect(sampleValue(text, "durable_agents_active_streams")).toBe(0);
    expect((await fetch(`${test.server.url}/metrics`)).status).toBe(404);
  });

  it("serves no metrics with metrics.enabled false", async () => {
    test = await startTestServer({ config: { metrics: { enabled: false } } });
    expect(test.server.metricsUrl).toBeUndefined();
    expect((await fetch(`${test.server.url}/metrics`)).status).toBe(404);
  });
});

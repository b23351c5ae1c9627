// Provider failures injected through a fake OpenAI-compatible HTTP server (DESIGN §9, issues #3
// and #7), on the embedded deployment: a real server whose agent calls the fake over HTTP through
// `@ai-sdk/openai-compatible`. Each case asserts the thread's final status, the X8 facts of its
// failure or retry, how many requests the provider received and how far apart (B9's delays), and
// the final conversation.
import type { Duration } from "@bufbuild/protobuf/wkt";
import { ErrorKind, type RetryState, ThreadStatus } from "@durable-agents/core/proto";
import type { EngineHooks } from "@durable-agents/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { type FakeOpenAI, type PlannedResponse, startFakeOpenAI } from "../support/fake-openai.js";
import { describeRpcError, rpcError } from "../support/rpc-errors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import {
  deltaEvents,
  type RecordedEvent,
  recordWatch,
  streamedText,
  threadStates,
  type WatchRecording,
} from "../support/watch-recorder.js";
import { faultCase } from "./support/fault-case.js";

/** Backoff of the test agent: 100 ms, 200 ms, 400 ms…, capped at 1 s, no jitter (exact delays). */
const INITIAL_DELAY_MS = 100;
const RETRY = {
  maxAttempts: 3,
  backoff: {
    strategy: "exponential",
    initialDelayMs: INITIAL_DELAY_MS,
    multiplier: 2,
    maxDelayMs: 1_000,
    jitter: "none",
  },
};
/** A retry arrives no sooner than its delay, and no later than this after it (a loaded CI box). */
const LATENESS_MS = 1_500;

const rateLimited = (headers: Record<string, string>): PlannedResponse => ({
  status: 429,
  headers,
  body: {
    error: {
      message: "Rate limit reached for requests",
      type: "requests",
      code: "rate_limit_exceeded",
    },
  },
});
const serverError: PlannedResponse = {
  status: 500,
  body: { error: { message: "The server had an error", type: "server_error", code: null } },
};
const unauthorized: PlannedResponse = {
  status: 401,
  body: {
    error: {
      message: "Incorrect API key provided: k. You can find your API key at the dashboard.",
      type: "invalid_request_error",
      code: "invalid_api_key",
    },
  },
};
// OpenAI's answer to a prompt longer than the model's window.
const contextOverflow: PlannedResponse = {
  status: 400,
  body: {
    error: {
      message:
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
      type: "invalid_request_error",
      param: "messages",
      code: "context_length_exceeded",
    },
  },
};

const durationMs = (duration: Duration | undefined) =>
  duration === undefined ? undefined : Number(duration.seconds) * 1_000 + duration.nanos / 1e6;

/** The retry states the thread's RetryScheduled events reported, in order. */
function retriesOf(events: readonly RecordedEvent[]): RetryState[] {
  return events.flatMap(({ response: { event } }) =>
    event.case === "retryScheduled" && event.value.retryState !== undefined
      ? [event.value.retryState]
      : [],
  );
}

const timestampMs = (timestamp: { seconds: bigint; nanos: number } | undefined) =>
  timestamp === undefined ? 0 : Number(timestamp.seconds) * 1_000 + timestamp.nanos / 1e6;

/** The fault cases of this file, as `pnpm test:faults` lists them. */
const CASES = {
  rateLimitedMs: faultCase(
    10,
    "embedded",
    "429 with retry-after-ms",
    "B9 B22 X8 retried after that delay, then completes",
  ),
  rateLimitedSeconds: faultCase(
    11,
    "embedded",
    "429 with Retry-After in seconds",
    "B9 B22 retried after that delay, then completes",
  ),
  stopWhileRetryWaits: faultCase(
    12,
    "embedded",
    "429, then messages and StopThread while the retry waits",
    "B10 B11 messages refused, the stop cancels the retry, a resume answers once",
  ),
  serverErrorsThenSuccess: faultCase(
    13,
    "embedded",
    "500 on 3 attempts, then success",
    "B9 B22 retried 3 times after backoff, then completes once",
  ),
  serverErrorsExhausted: faultCase(
    14,
    "embedded",
    "500 on all 3 attempts",
    "B9 B22 X8 FAILED as PROVIDER_5XX 3/3 after backoff",
  ),
  resetBeforeResponse: faultCase(
    15,
    "embedded",
    "connection reset before the response",
    "B9 B22 retried as NETWORK, then completes",
  ),
  resetMidStream: faultCase(
    16,
    "embedded",
    "connection reset mid-stream after output",
    "B9 X8 FAILED with output_emitted, no retry; a resume answers once",
  ),
  unauthorized: faultCase(
    17,
    "embedded",
    "401",
    "B9 B22 X8 FAILED at once as AUTH, needing explicit handling",
  ),
  contextOverflow: faultCase(
    18,
    "embedded",
    "context overflow (400 context_length_exceeded)",
    "B9 B22 X8 FAILED at once as CONTEXT_OVERFLOW",
  ),
  hookFails5xx: faultCase(
    19,
    "embedded",
    "500 with a classify hook that fails it",
    "B9 FAILED at once as the hook's AUTH",
  ),
  hookRetries401: faultCase(
    20,
    "embedded",
    "401 with a classify hook that retries it",
    "B9 retried after the hook's delay, then completes",
  ),
  hookDelayWins: faultCase(
    21,
    "embedded",
    "429 with Retry-After and a classify hook delay",
    "B9 the hook's delay wins, then completes",
  ),
  retriesDisabled: faultCase(
    22,
    "embedded",
    "429 with retries disabled",
    "B9 X8 FAILED at once as RATE_LIMITED 1/1",
  ),
};

describe("provider faults through a fake OpenAI-compatible server (§9)", () => {
  let fake: FakeOpenAI;
  let test: TestServer | undefined;
  const recordings: WatchRecording[] = [];

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    for (const recording of recordings.splice(0)) await recording.stop();
    await test?.close();
    test = undefined;
    await fake.close();
  });

  async function start(hooks?: EngineHooks): Promise<TestServer> {
    test = await startTestServer({
      config: {
        providers: {
          demo: { type: "demo", chunkDelayMs: 0 },
          fake: { type: "openai-compatible", baseURL: fake.baseURL, apiKey: "k" },
        },
        agents: [
          { name: "faulty", model: "fake:gpt-test", retry: RETRY },
          { name: "no-retry", model: "fake:gpt-test", retry: { enabled: false } },
          { name: "patient", model: "fake:gpt-test", retry: { ...RETRY, maxAttempts: 4 } },
        ],
      },
      hooks,
    });
    return test;
  }

  /** Sends `prompt` to a new thread of `agent`, recording the thread from before the turn. */
  async function converse(server: TestServer, prompt: string, agent = "faulty") {
    const { thread } = await server.threads.createThread({ agent });
    const threadId = thread?.threadId ?? "";
    const recording = await recordWatch(server.streams, threadId);
    recordings.push(recording);
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: prompt } });
    return { threadId, events: recording.events, recording };
  }

  it(CASES.rateLimitedMs, async () => {
    const server = await start();
    fake.plan(rateLimited({ "retry-after-ms": "300" }), { stream: ["After ", "the wait."] });
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(done.retryState).toBeUndefined();
    expect(done.failure).toBeUndefined();
    expect(fake.requests).toHaveLength(2);
    const [gap] = fake.gapsMs();
    expect(gap).toBeGreaterThanOrEqual(300);
    expect(gap).toBeLessThan(300 + LATENESS_MS);
    // The retry was visible while it waited, as a RetryScheduled event and on the thread.
    expect(retriesOf(events)).toHaveLength(1);
    const retry = retriesOf(events)[0];
    expect(retry).toMatchObject({
      attempt: 1,
      maxAttempts: 3,
      kind: ErrorKind.RATE_LIMITED,
      retryable: true,
      requiresExplicitHandling: false,
      outputEmitted: false,
    });
    expect(durationMs(retry?.providerRetryAfter)).toBe(300);
    expect(retry?.error).toContain("Rate limit reached");
    const waiting = threadStates(events).find((thread) => thread.retryState !== undefined);
    expect(waiting?.status).toBe(ThreadStatus.STREAMING);
    expect(waiting?.activeStreamId).toBeUndefined();
    expect(waiting?.retryState?.nextRetryTime).toEqual(retry?.nextRetryTime);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:After the wait."],
    ]);
  });

  it(CASES.rateLimitedSeconds, async () => {
    const server = await start();
    fake.plan(rateLimited({ "retry-after": "1" }), { stream: ["Done."] });
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(fake.requests).toHaveLength(2);
    const [gap] = fake.gapsMs();
    expect(gap).toBeGreaterThanOrEqual(1_000);
    expect(gap).toBeLessThan(1_000 + LATENESS_MS);
    expect(retriesOf(events).map((retry) => durationMs(retry.providerRetryAfter))).toEqual([1_000]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Done."],
    ]);
  });

  it(CASES.stopWhileRetryWaits, async () => {
    const server = await start();
    const retryAfterMs = 1_000;
    fake.plan(rateLimited({ "retry-after-ms": String(retryAfterMs) }), {
      stream: ["Resumed."],
    });
    const { threadId } = await converse(server, "hi");
    const waiting = await waitForThread(
      server.streams,
      threadId,
      (thread) => thread.retryState !== undefined,
    );
    expect(waiting.retryState?.kind).toBe(ErrorKind.RATE_LIMITED);

    // B10: while the retry waits, SendMessage and ResumeThread are refused and say what to do.
    const refusals = await Promise.all([
      rpcError(
        server.threads.sendMessage({
          threadId,
          content: { case: "prompt", value: "are you there?" },
        }),
      ),
      rpcError(server.threads.resumeThread({ threadId })),
    ]);
    for (const refusal of refusals) {
      expect(describeRpcError(refusal)).toEqual({
        code: "FailedPrecondition",
        reason: "RETRY_PENDING",
        fields: [],
      });
      expect(refusal.rawMessage).toMatch(/stop the thread to interrupt the retry/);
    }

    // B11: StopThread clears the retry and cancels its timer.
    const { thread: stopped } = await server.threads.stopThread({ threadId });
    expect(stopped?.status).toBe(ThreadStatus.STOPPED);
    expect(stopped?.retryState).toBeUndefined();
    // No request comes when the retry would have been due (plus a margin): the timer is gone.
    const dueInMs = timestampMs(waiting.retryState?.nextRetryTime) - Date.now();
    await expect(fake.waitForRequests(2, Math.max(0, dueInMs) + 500)).rejects.toThrow(
      /received 1 requests/,
    );
    const { thread: after } = await server.threads.getThread({ threadId });
    expect(after?.status).toBe(ThreadStatus.STOPPED);
    expect(after?.retryState).toBeUndefined();
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);

    // The refused message was not added; resuming answers the original prompt once.
    await server.threads.resumeThread({ threadId });
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(fake.requests).toHaveLength(2);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Resumed."],
    ]);
  });

  it(CASES.serverErrorsThenSuccess, async () => {
    const server = await start();
    fake.plan(serverError, serverError, serverError, { stream: ["Fourth ", "time ", "lucky."] });
    const { threadId, events } = await converse(server, "hi", "patient");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(done.retryState).toBeUndefined();
    expect(done.failure).toBeUndefined();
    expect(fake.requests).toHaveLength(4);
    // Exponential backoff without jitter: 100 ms, 200 ms, then 400 ms.
    const gaps = fake.gapsMs();
    expect(gaps).toHaveLength(3);
    for (const [index, gap] of gaps.entries()) {
      expect(gap).toBeGreaterThanOrEqual(INITIAL_DELAY_MS * 2 ** index);
      expect(gap).toBeLessThan(INITIAL_DELAY_MS * 2 ** index + LATENESS_MS);
    }
    expect(
      retriesOf(events).map((retry) => [retry.attempt, retry.maxAttempts, retry.kind]),
    ).toEqual([
      [1, 4, ErrorKind.PROVIDER_5XX],
      [2, 4, ErrorKind.PROVIDER_5XX],
      [3, 4, ErrorKind.PROVIDER_5XX],
    ]);
    // The failed attempts left nothing behind: one answer, written once.
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Fourth time lucky."],
    ]);
    expect(messages[1]?.parts.filter((part) => part.type === "step-start")).toHaveLength(1);
  });

  it(CASES.serverErrorsExhausted, async () => {
    const server = await start();
    fake.plan(serverError, serverError, serverError);
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.FAILED);
    expect(done.retryState).toBeUndefined();
    expect(done.failure).toMatchObject({
      kind: ErrorKind.PROVIDER_5XX,
      retryable: true,
      requiresExplicitHandling: false,
      attempt: 3,
      maxAttempts: 3,
      outputEmitted: false,
    });
    expect(done.failure?.providerRetryAfter).toBeUndefined();
    expect(done.failure?.error).toContain("The server had an error");
    expect(fake.requests).toHaveLength(3);
    // Exponential backoff without jitter: 100 ms, then 200 ms.
    const gaps = fake.gapsMs();
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toBeGreaterThanOrEqual(INITIAL_DELAY_MS);
    expect(gaps[0]).toBeLessThan(INITIAL_DELAY_MS + LATENESS_MS);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * INITIAL_DELAY_MS);
    expect(gaps[1]).toBeLessThan(2 * INITIAL_DELAY_MS + LATENESS_MS);
    expect(
      retriesOf(events).map((retry) => [retry.attempt, retry.maxAttempts, retry.kind]),
    ).toEqual([
      [1, 3, ErrorKind.PROVIDER_5XX],
      [2, 3, ErrorKind.PROVIDER_5XX],
    ]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);
  });

  it(CASES.resetBeforeResponse, async () => {
    const server = await start();
    fake.plan({ resetBeforeResponse: true }, { stream: ["Back ", "again."] });
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(fake.requests).toHaveLength(2);
    const [gap] = fake.gapsMs();
    expect(gap).toBeGreaterThanOrEqual(INITIAL_DELAY_MS);
    expect(gap).toBeLessThan(INITIAL_DELAY_MS + LATENESS_MS);
    expect(retriesOf(events)).toHaveLength(1);
    expect(retriesOf(events)[0]).toMatchObject({
      attempt: 1,
      maxAttempts: 3,
      kind: ErrorKind.NETWORK,
      retryable: true,
      requiresExplicitHandling: false,
      outputEmitted: false,
    });
    expect(retriesOf(events)[0]?.providerRetryAfter).toBeUndefined();
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Back again."],
    ]);
  });

  it(CASES.resetMidStream, async () => {
    const server = await start();
    fake.plan({ stream: ["Partial ", "answer"], resetAfterChunks: 1 }, { stream: ["Whole."] });
    const { threadId, events, recording } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.FAILED);
    expect(done.failure).toMatchObject({
      kind: ErrorKind.NETWORK,
      retryable: true,
      requiresExplicitHandling: false,
      attempt: 1,
      maxAttempts: 3,
      outputEmitted: true,
    });
    // The AI SDK's wrapper text alone ("Failed to process successful response") would hide that
    // the connection dropped: the causes are named.
    expect(done.failure?.error).toMatch(/^Failed to process successful response: terminated/);
    expect(fake.requests).toHaveLength(1);
    expect(retriesOf(events)).toEqual([]);
    // Watchers saw the partial text live; the failed attempt's message is not committed, so the
    // conversation ends with the user's message and ResumeThread can answer it again (B12).
    await recording.until(
      (seen) => streamedText(deltaEvents(seen)) === "Partial ",
      "the partial text",
      2_000,
    );
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);

    await server.threads.resumeThread({ threadId });
    const resumed = await waitForThread(server.streams, threadId, isIdle);
    expect(resumed.status).toBe(ThreadStatus.COMPLETED);
    expect(resumed.failure).toBeUndefined();
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Whole."],
    ]);
  });

  it(CASES.unauthorized, async () => {
    const server = await start();
    fake.plan(unauthorized);
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.FAILED);
    expect(done.failure).toMatchObject({
      kind: ErrorKind.AUTH,
      retryable: false,
      requiresExplicitHandling: true,
      attempt: 1,
      maxAttempts: 3,
      outputEmitted: false,
    });
    expect(done.failure?.error).toContain("Incorrect API key");
    expect(fake.requests).toHaveLength(1);
    expect(retriesOf(events)).toEqual([]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);
  });

  it(CASES.contextOverflow, async () => {
    const server = await start();
    fake.plan(contextOverflow);
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.FAILED);
    expect(done.failure).toMatchObject({
      kind: ErrorKind.CONTEXT_OVERFLOW,
      retryable: false,
      requiresExplicitHandling: true,
      attempt: 1,
      maxAttempts: 3,
      outputEmitted: false,
    });
    expect(done.failure?.error).toContain("maximum context length is 8192 tokens");
    expect(fake.requests).toHaveLength(1);
    expect(retriesOf(events)).toEqual([]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);
  });

  it(CASES.hookFails5xx, async () => {
    const seen: string[] = [];
    const server = await start({
      classify: ({ kind }) => {
        seen.push(kind);
        return kind === "provider_5xx" ? { action: "fail", kind: "auth" } : undefined;
      },
    });
    fake.plan(serverError, { stream: ["never sent"] });
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(seen).toEqual(["provider_5xx"]);
    expect(done.status).toBe(ThreadStatus.FAILED);
    expect(done.failure).toMatchObject({
      kind: ErrorKind.AUTH,
      retryable: false,
      requiresExplicitHandling: true,
      attempt: 1,
      maxAttempts: 3,
    });
    expect(fake.requests).toHaveLength(1);
    expect(retriesOf(events)).toEqual([]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);
  });

  it(CASES.hookRetries401, async () => {
    const hookDelayMs = 250;
    const server = await start({
      classify: ({ kind }) =>
        kind === "auth" ? { action: "retry", delayMs: hookDelayMs } : undefined,
    });
    fake.plan(unauthorized, { stream: ["Key ", "rotated."] });
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(fake.requests).toHaveLength(2);
    const [gap] = fake.gapsMs();
    expect(gap).toBeGreaterThanOrEqual(hookDelayMs);
    expect(gap).toBeLessThan(hookDelayMs + LATENESS_MS);
    expect(retriesOf(events)).toHaveLength(1);
    expect(retriesOf(events)[0]).toMatchObject({
      attempt: 1,
      maxAttempts: 3,
      kind: ErrorKind.AUTH,
      // RetryState.retryable is the class's: the hook retried what the classification would not.
      retryable: false,
      requiresExplicitHandling: true,
    });
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Key rotated."],
    ]);
  });

  it(CASES.hookDelayWins, async () => {
    const hookDelayMs = 150;
    const retryAfterMs = 5_000;
    const server = await start({
      classify: ({ kind }) =>
        kind === "rate_limited" ? { action: "retry", delayMs: hookDelayMs } : undefined,
    });
    fake.plan(rateLimited({ "retry-after-ms": String(retryAfterMs) }), { stream: ["Soon."] });
    const { threadId, events } = await converse(server, "hi");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(fake.requests).toHaveLength(2);
    const [gap] = fake.gapsMs();
    expect(gap).toBeGreaterThanOrEqual(hookDelayMs);
    expect(gap).toBeLessThan(retryAfterMs);
    // The provider's ask is still reported (X8), though the hook's delay was used.
    expect(retriesOf(events).map((retry) => durationMs(retry.providerRetryAfter))).toEqual([
      retryAfterMs,
    ]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Soon."],
    ]);
  });

  it(CASES.retriesDisabled, async () => {
    const errorHookCalls: { kind: string; attempt: number; maxAttempts: number }[] = [];
    const server = await start({
      onError: ({ kind, attempt, maxAttempts }) => {
        errorHookCalls.push({ kind, attempt, maxAttempts });
      },
    });
    fake.plan(rateLimited({ "retry-after-ms": "300" }), { stream: ["never sent"] });
    const { threadId, events } = await converse(server, "hi", "no-retry");
    const done = await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.FAILED));

    expect(done.failure).toMatchObject({
      kind: ErrorKind.RATE_LIMITED,
      retryable: true,
      requiresExplicitHandling: false,
      attempt: 1,
      maxAttempts: 1,
      outputEmitted: false,
    });
    expect(durationMs(done.failure?.providerRetryAfter)).toBe(300);
    expect(fake.requests).toHaveLength(1);
    // The error hook is told the same attempts as the failure.
    await expect
      .poll(() => errorHookCalls)
      .toEqual([{ kind: "rate_limited", attempt: 1, maxAttempts: 1 }]);
    expect(retriesOf(events)).toEqual([]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([["user", "text:hi"]]);
  });
});

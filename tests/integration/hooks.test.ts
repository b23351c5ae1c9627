// The hooks of the embedding API (DESIGN §5) and the loop bound maxSteps, through a real server:
// each hook is observed by what it was called with, in order.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorKind, ThreadStatus } from "@durable-agents/core/proto";
import type { EngineHooks } from "@durable-agents/server";
import { afterEach, describe, expect, it } from "vitest";
import { within } from "../support/deadline.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";

/** A promise resolved the first time `predicate` holds for a recorded call. */
function recorder<T>() {
  const calls: T[] = [];
  let waiters: { predicate: (calls: T[]) => boolean; resolve: () => void }[] = [];
  return {
    calls,
    record(call: T) {
      calls.push(call);
      waiters = waiters.filter((waiter) => {
        if (!waiter.predicate(calls)) return true;
        waiter.resolve();
        return false;
      });
    },
    until(predicate: (calls: T[]) => boolean): Promise<void> {
      if (predicate(calls)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
  };
}

describe("hooks", () => {
  let test: TestServer | undefined;
  let fake: FakeOpenAI | undefined;
  afterEach(async () => {
    await test?.close();
    await fake?.close();
    test = undefined;
    fake = undefined;
  });

  it("B7 B24 onStatusChange, onMessageComplete, onTurnComplete and onUsage follow one tool loop", async () => {
    const statuses = recorder<[string, string]>();
    const messages = recorder<string>();
    const turns = recorder<string>();
    const usages = recorder<number>();
    const hooks: EngineHooks = {
      onStatusChange: ({ thread, previousStatus }) =>
        statuses.record([previousStatus, thread.status]),
      onMessageComplete: ({ message }) => messages.record(message.role),
      onTurnComplete: ({ message }) =>
        turns.record(
          message.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join(""),
        ),
      onUsage: ({ usage }) => usages.record(usage.totalTokens),
    };
    test = await startTestServer({ hooks });
    const { thread } = await test.threads.createThread({
      agent: "demo",
      prompt: "weather in Paris",
    });
    await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
    await within(
      turns.until((calls) => calls.length === 1),
      5_000,
      "onTurnComplete",
    );
    await within(
      statuses.until((calls) => calls.at(-1)?.[1] === "completed"),
      5_000,
      "the last status change",
    );

    // Two turns: the tool call (awaiting its result), then the answer. The hook fires once per
    // completed loop, with the answer.
    expect(turns.calls).toEqual(["The weather in Paris is sunny, 22°C."]);
    expect(messages.calls).toEqual(["assistant", "assistant"]);
    expect(usages.calls).toHaveLength(2);
    expect(usages.calls.every((total) => total > 0)).toBe(true);
    // Every change starts where the previous one ended, and is a change. The first turn ends
    // awaiting its tool's result, committed only when the result came after it (else the same
    // transaction starts the next turn, and the thread stays streaming).
    const chain = statuses.calls;
    expect(chain[0]).toEqual(["completed", "streaming"]);
    expect(chain.at(-1)?.[1]).toBe("completed");
    for (let index = 1; index < chain.length; index += 1) {
      expect(chain[index]?.[0]).toBe(chain[index - 1]?.[1]);
    }
    expect(chain.every(([from, to]) => from !== to)).toBe(true);
  });

  it("B9 onRetry is called with the retry's facts before the retried turn succeeds", async () => {
    fake = await startFakeOpenAI();
    fake.plan({ status: 429, headers: { "retry-after-ms": "50" } }, { stream: ["fine"] });
    const retries = recorder<{ kind: string; attempt: number; nextRetryAt: number }>();
    test = await startTestServer({
      config: {
        providers: {
          demo: { type: "demo", chunkDelayMs: 0 },
          fake: { type: "openai-compatible", baseURL: fake.baseURL, apiKey: "k" },
        },
        agents: [{ name: "faulty", model: "fake:m", retry: { maxAttempts: 3 } }],
      },
      hooks: {
        onRetry: ({ kind, attempt, retryState }) =>
          retries.record({ kind, attempt, nextRetryAt: retryState.nextRetryAt }),
      },
    });
    const { thread } = await test.threads.createThread({ agent: "faulty", prompt: "go" });
    const done = await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    await within(
      retries.until((calls) => calls.length === 1),
      5_000,
      "onRetry",
    );
    expect(retries.calls).toEqual([
      { kind: "rate_limited", attempt: 1, nextRetryAt: expect.any(Number) },
    ]);
  });

  it("authorize refuses a call with PERMISSION_DENIED and sees the thread it names", async () => {
    const asked = recorder<{ method: string; threadId: string | undefined }>();
    test = await startTestServer({
      hooks: {
        authorize: ({ method, threadId }) => {
          asked.record({ method, threadId });
          return method !== "DeleteThread";
        },
      },
    });
    const { thread } = await test.threads.createThread({ agent: "demo" });
    const threadId = thread?.threadId ?? "";
    const refused = await test.threads.deleteThread({ threadId }).catch((error: unknown) => error);
    expect(ConnectError.from(refused).code).toBe(Code.PermissionDenied);
    const { thread: still } = await test.threads.getThread({ threadId });
    expect(still?.threadId).toBe(threadId);
    expect(asked.calls).toEqual([
      { method: "CreateThread", threadId: undefined },
      { method: "DeleteThread", threadId },
      { method: "GetThread", threadId },
    ]);
  });

  it("maxSteps bounds the turns of one loop: one more fails the thread with MAX_STEPS_EXCEEDED", async () => {
    test = await startTestServer({
      config: {
        agents: [{ name: "short", model: "demo:echo", tools: ["get_weather"], maxSteps: 1 }],
      },
    });
    const { thread } = await test.threads.createThread({
      agent: "short",
      prompt: "weather in Paris",
    });
    const failed = await waitForThread(test.streams, thread?.threadId ?? "", isIdle);
    expect(failed.status).toBe(ThreadStatus.FAILED);
    expect(failed.failure?.kind).toBe(ErrorKind.MAX_STEPS_EXCEEDED);
    expect(failed.failure?.error).toContain("maxSteps (1 turns)");
    // The next user message starts a new loop with a fresh count.
    await test.threads.sendMessage({
      threadId: thread?.threadId ?? "",
      content: { case: "prompt", value: "hi" },
    });
    const answered = await waitForThread(
      test.streams,
      thread?.threadId ?? "",
      (current) => current.status === ThreadStatus.COMPLETED,
    );
    expect(answered.failure).toBeUndefined();
  });
});

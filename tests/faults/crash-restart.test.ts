// Crash tests (issue #3, DESIGN §9): the server process is SIGKILLed mid-stream, while a sync tool
// runs, while a retry timer is pending, while an async tool result is awaited and during the turn
// that answers a tool result; a new process on the same SQLite file brings every thread to its
// correct final state, with no duplicated message, part or tool execution beyond the one
// interrupted attempt.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@connectrpc/connect";
import {
  type StreamService,
  ThreadStatus,
  ToolCallStatus,
  type WatchThreadResponse,
} from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { killAllChildServers, startChildServer } from "./support/child-server.js";
import { faultCase } from "./support/fault-case.js";
import { readLines } from "./support/file-lines.js";
import {
  fakeAgentConfig,
  startStepperInsideTool,
  stepperConfig,
  stepperReplies,
  words,
} from "./support/stepper-agent.js";
import { waitForStreamedText } from "./support/streamed-text.js";

const DEADLINE_MS = 20_000;

/** What a client that starts watching now is sent before any live event, in order. */
async function watchHistory(
  streams: Client<typeof StreamService>,
  threadId: string,
): Promise<WatchThreadResponse["event"][]> {
  const events: WatchThreadResponse["event"][] = [];
  for await (const response of streams.watchThread({ threadId, historyOnly: true })) {
    events.push(response.event);
  }
  return events;
}

/** The fault cases of this file, as `pnpm test:faults` lists them. */
const CASES = {
  killedMidStream: faultCase(
    1,
    "embedded",
    "SIGKILL mid-stream",
    "B2 B3 B20 the turn restarts and commits the whole answer once",
  ),
  killedInSyncTool: faultCase(
    2,
    "embedded",
    "SIGKILL while a sync tool runs",
    "B15 B20 the call is re-dispatched exactly once",
  ),
  killedWithRetryPending: faultCase(
    3,
    "embedded",
    "SIGKILL with a retry timer pending",
    "B9 B20 the retry fires after the restart",
  ),
  killedAwaitingAsyncResult: faultCase(
    4,
    "embedded",
    "SIGKILL while awaiting an async tool result",
    "B16 B20 AddToolResult completes it after the restart",
  ),
  killedInSecondTurn: faultCase(
    5,
    "embedded",
    "SIGKILL during the second turn, after the tool result",
    "B4 B7 B20 the answer is written once and the tool does not run again",
  ),
};

describe("crash and restart on the same SQLite file (B2, B3, B20)", { timeout: 90_000 }, () => {
  let dataDir: string;
  let store: string;
  let fake: FakeOpenAI | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "durable-agents-crash-"));
    store = `sqlite:${join(dataDir, "agents.db")}`;
    fake = undefined;
  });
  afterEach(async () => {
    await killAllChildServers();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(CASES.killedMidStream, async () => {
    // The demo model pauses 50 ms between words, so the answer streams for seconds.
    const config = { providers: { demo: { type: "demo", chunkDelayMs: 50 } } };
    const prompt = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");
    const answer = `You said: ${prompt}`;

    const first = await startChildServer({ store, config });
    const { thread } = await first.threads.createThread({ agent: "demo", prompt });
    const threadId = thread?.threadId ?? "";
    const { text: seen } = await waitForStreamedText(first.streams, threadId);
    await first.kill();
    // The kill landed mid-answer: only the start of it had been streamed.
    expect(answer.startsWith(seen)).toBe(true);
    expect(seen.length).toBeLessThan(answer.length);

    const second = await startChildServer({ store, config });
    const done = await waitForThread(second.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(second.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", `text:${prompt}`],
      ["assistant", `text:${answer}`],
    ]);
    expect(messages[1]?.parts.filter((part) => part.type === "step-start")).toHaveLength(1);
    // A client that starts watching now sees the committed answer alone: no delta of the
    // interrupted attempt is replayed next to it.
    const history = await watchHistory(second.streams, threadId);
    expect(history.map((event) => event.case)).toEqual(["snapshot", "caughtUp"]);
    const snapshot = history[0]?.case === "snapshot" ? history[0].value : undefined;
    expect(snapshot?.messages).toHaveLength(2);
  });

  it(CASES.killedInSyncTool, async () => {
    const openai = await startFakeOpenAI({ respond: stepperReplies("Step one is recorded.") });
    fake = openai;
    const config = stepperConfig(openai);
    const toolLog = join(dataDir, "tool-starts.log");

    // The turn has ended (awaiting the tool) and the tool's handler has started.
    const { server: first, threadId } = await startStepperInsideTool({
      store,
      config,
      toolLog,
      deadlineMs: DEADLINE_MS,
    });
    await first.kill();

    const second = await startChildServer({ store, config, env: { CRASH_TOOL_LOG: toolLog } });
    const done = await waitForThread(second.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(second.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:record step one"],
      ["assistant", "tool-record_step:output-available", "text:Step one is recorded."],
    ]);
    expect(messages[1]?.parts.find((part) => part.type === "tool-record_step")).toMatchObject({
      toolCallId: "call_1",
      input: { step: "one" },
      output: { recorded: "one" },
    });
    // The interrupted execution and one more, of the same attempt.
    expect(readLines(toolLog)).toEqual(["call_1 1", "call_1 1"]);
    const { toolCalls } = await second.toolCalls.listToolCalls({ threadId });
    expect(toolCalls.map((call) => [call.toolCallId, call.toolName])).toEqual([
      ["call_1", "record_step"],
    ]);
    // One turn made the call, one answered with its result: no turn ran twice.
    expect(openai.requests).toHaveLength(2);
  });

  it(CASES.killedWithRetryPending, async () => {
    const openai = await startFakeOpenAI({
      respond: ({ index }) =>
        index === 0
          ? {
              status: 429,
              headers: { "retry-after-ms": "3000" },
              body: { error: { message: "Rate limit reached", type: "rate_limit_exceeded" } },
            }
          : { stream: words("Answered after the rate limit.") },
    });
    fake = openai;
    const config = fakeAgentConfig(openai, { name: "flaky", retry: { maxAttempts: 3 } });

    const first = await startChildServer({ store, config });
    const { thread } = await first.threads.createThread({ agent: "flaky", prompt: "hello" });
    const threadId = thread?.threadId ?? "";
    const retrying = await waitForThread(
      first.streams,
      threadId,
      (current) => current.retryState !== undefined,
      DEADLINE_MS,
    );
    await first.kill();
    expect(retrying.retryState?.attempt).toBe(1);
    // The retry had not fired yet when the process died.
    expect(openai.requests).toHaveLength(1);

    const second = await startChildServer({ store, config });
    const done = await waitForThread(second.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(done.retryState).toBeUndefined();
    expect(outline(await listAllMessages(second.threads, threadId))).toEqual([
      ["user", "text:hello"],
      ["assistant", "text:Answered after the rate limit."],
    ]);
    expect(openai.requests).toHaveLength(2);
  });

  it(CASES.killedAwaitingAsyncResult, async () => {
    const first = await startChildServer({ store });
    const { thread } = await first.threads.createThread({
      agent: "demo",
      prompt: "please approve",
    });
    const threadId = thread?.threadId ?? "";
    await waitForThread(
      first.streams,
      threadId,
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
      DEADLINE_MS,
    );
    await first.kill();

    const second = await startChildServer({ store });
    const { thread: restarted } = await second.threads.getThread({ threadId });
    expect(restarted?.status).toBe(ThreadStatus.AWAITING_TOOL_RESULTS);
    const { toolCalls } = await second.toolCalls.listToolCalls({ threadId });
    expect(toolCalls.map((call) => call.toolName)).toEqual(["request_approval"]);
    const result = await second.toolCalls.addToolResult({
      threadId,
      toolCallId: toolCalls[0]?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "approved" } },
    });
    expect(result.applied).toBe(true);
    const done = await waitForThread(second.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(second.threads, threadId))).toEqual([
      ["user", "text:please approve"],
      ["assistant", "tool-request_approval:output-available", 'text:Approval result: "approved"'],
    ]);
  });
  it(CASES.killedInSecondTurn, async () => {
    // The demo model pauses 500 ms between the words of its answer to the tool result.
    const config = { providers: { demo: { type: "demo", chunkDelayMs: 500 } } };
    const weatherLog = join(dataDir, "weather.log");
    const env = { CRASH_WEATHER_LOG: weatherLog };
    const answer = "The weather in Paris is sunny, 22°C.";

    const first = await startChildServer({ store, config, env });
    const { thread } = await first.threads.createThread({
      agent: "demo",
      prompt: "weather in Paris",
    });
    const threadId = thread?.threadId ?? "";
    // The first turn streams only the tool call; the first text is the second turn's answer.
    const streamed = await waitForStreamedText(first.streams, threadId);
    await first.kill();
    // Streams 1 and 2 are the first turn and the tool's outcome: the kill hit stream 3, mid-answer.
    expect(streamed.streamSeq).toBe(3n);
    expect(answer.startsWith(streamed.text)).toBe(true);
    expect(streamed.text.length).toBeLessThan(answer.length);
    expect(readLines(weatherLog)).toEqual(["demo_call_1 1"]);

    const second = await startChildServer({ store, config, env });
    const done = await waitForThread(second.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(second.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      ["assistant", "tool-get_weather:output-available", `text:${answer}`],
    ]);
    expect(messages[1]?.parts.find((part) => part.type === "tool-get_weather")).toMatchObject({
      toolCallId: "demo_call_1",
      input: { location: "Paris" },
      output: { weather: "sunny", temperature: 22 },
    });
    // One step made the call, one answered it: the interrupted answer was not kept beside the
    // new one.
    expect(messages[1]?.parts.filter((part) => part.type === "step-start")).toHaveLength(2);
    // The finished call was not run again by the restarted server.
    expect(readLines(weatherLog)).toEqual(["demo_call_1 1"]);
    const { toolCalls } = await second.toolCalls.listToolCalls({ threadId });
    expect(toolCalls.map((call) => [call.toolCallId, call.status, call.attempt])).toEqual([
      ["demo_call_1", ToolCallStatus.COMPLETED, 1],
    ]);
  });
});

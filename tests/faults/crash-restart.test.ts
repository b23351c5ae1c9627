// Crash tests (issue #3, DESIGN §9): the server process is SIGKILLed mid-stream, while a sync tool
// runs, while a retry timer is pending and while an async tool result is awaited; a new process on
// the same SQLite file brings every thread to its correct final state, with no duplicated message,
// part or tool execution beyond the one interrupted attempt.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@connectrpc/connect";
import {
  type StreamService,
  ThreadStatus,
  type WatchThreadResponse,
} from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { killAllChildServers, startChildServer } from "./support/child-server.js";
import { readLines, waitForLines } from "./support/file-lines.js";

const DEADLINE_MS = 20_000;

/** Reads a thread's deltas until one holds text, and returns the text streamed so far. */
async function waitForFirstText(
  streams: Client<typeof StreamService>,
  threadId: string,
): Promise<string> {
  const done = new AbortController();
  const deadline = AbortSignal.timeout(DEADLINE_MS);
  try {
    for await (const response of streams.streamUpdates(
      { threadId },
      { signal: AbortSignal.any([done.signal, deadline]) },
    )) {
      if (response.update.case !== "delta") continue;
      const text = response.update.value.chunks
        .flatMap((chunk) => (chunk.chunk.case === "textDelta" ? [chunk.chunk.value.delta] : []))
        .join("");
      if (text !== "") return text;
    }
  } catch (error: unknown) {
    if (!deadline.aborted) throw error;
  } finally {
    done.abort();
  }
  throw new Error(`thread ${threadId} streamed no text within ${DEADLINE_MS} ms`);
}

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

/** The role of the last message a chat completions request sends. */
function lastMessageRole(body: unknown): unknown {
  if (typeof body !== "object" || body === null || !("messages" in body)) return undefined;
  const { messages } = body;
  if (!Array.isArray(messages)) return undefined;
  const last: unknown = messages.at(-1);
  return typeof last === "object" && last !== null && "role" in last ? last.role : undefined;
}

/** Text streamed word by word, like a real model. */
const words = (text: string): string[] => text.match(/\s+|\S+\s*/gu) ?? [];

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

  /** A config with one agent on the scripted OpenAI-compatible server. */
  const fakeAgentConfig = (
    openai: FakeOpenAI,
    agent: Record<string, unknown>,
  ): Record<string, unknown> => ({
    providers: { fake: { type: "openai-compatible", baseURL: openai.baseURL, apiKey: "k" } },
    agents: [{ model: "fake:scripted", ...agent }],
  });

  it("B2 B3 B20 killed mid-stream: the turn restarts and commits the whole answer once", async () => {
    // The demo model pauses 50 ms between words, so the answer streams for seconds.
    const config = { providers: { demo: { type: "demo", chunkDelayMs: 50 } } };
    const prompt = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");
    const answer = `You said: ${prompt}`;

    const first = await startChildServer({ store, config });
    const { thread } = await first.threads.createThread({ agent: "demo", prompt });
    const threadId = thread?.threadId ?? "";
    const seen = await waitForFirstText(first.streams, threadId);
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

  it("B15 B20 killed while a sync tool runs: the call is re-dispatched exactly once", async () => {
    const openai = await startFakeOpenAI({
      respond: ({ body }) =>
        lastMessageRole(body) === "tool"
          ? { stream: words("Step one is recorded.") }
          : {
              stream: [],
              toolCalls: [
                { id: "call_1", name: "record_step", arguments: JSON.stringify({ step: "one" }) },
              ],
            },
    });
    fake = openai;
    const config = fakeAgentConfig(openai, { name: "stepper", tools: ["record_step"] });
    const toolLog = join(dataDir, "tool-starts.log");

    const first = await startChildServer({
      store,
      config,
      env: { CRASH_TOOL_LOG: toolLog, CRASH_TOOL_BLOCK: "1" },
    });
    const { thread } = await first.threads.createThread({
      agent: "stepper",
      prompt: "record step one",
    });
    const threadId = thread?.threadId ?? "";
    // The turn has ended (awaiting the tool) and the tool's handler has started.
    await waitForThread(
      first.streams,
      threadId,
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
      DEADLINE_MS,
    );
    await waitForLines(toolLog, (lines) => lines.length > 0, DEADLINE_MS);
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

  it("B9 B20 killed while a retry timer is pending: the retry fires after the restart", async () => {
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

  it("B16 B20 killed while awaiting an async tool result: AddToolResult completes it after the restart", async () => {
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
});

// Crash sequences on the embedded deployment (issue #7, DESIGN §9): a server SIGKILLed again while
// it recovers the first crash, SIGKILLed right after a StopThread, SIGKILLed while an ENQUEUE'd
// message waits (X3), and a sync tool that SIGKILLs the server it runs in at every execution.
// Each restart is a new process on the same SQLite file; each case compares the final
// conversation exactly and counts the tool executions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BusyPolicy, ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.js";
import { isIdle, waitForThread } from "../support/wait.js";
import {
  killAllChildServers,
  runChildServerUntilExit,
  startChildServer,
} from "./support/child-server.js";
import { faultCase } from "./support/fault-case.js";
import { readLines } from "./support/file-lines.js";
import { startStepperInsideTool, stepperConfig, stepperReplies } from "./support/stepper-agent.js";
import { waitForStreamedText } from "./support/streamed-text.js";

const DEADLINE_MS = 20_000;
/** The text of a sync call failed by StopThread (B11). */
const CANCELLED_BY_STOP = "Tool execution cancelled because the thread was stopped";

/** The fault cases of this file, as `pnpm test:faults` lists them. */
const CASES = {
  killedTwice: faultCase(
    6,
    "embedded",
    "SIGKILL mid-stream, then SIGKILL again while the restarted turn streams",
    "B2 B3 B20 the third process commits the whole answer once",
  ),
  killedAfterStop: faultCase(
    7,
    "embedded",
    "StopThread while a sync tool runs, then SIGKILL before the stop finished",
    "B11 B20 the thread stays stopped, the cancelled call is not run again, and a resume continues once",
  ),
  killedWithQueuedMessage: faultCase(
    8,
    "embedded",
    "SIGKILL while an ENQUEUE'd message waits",
    "X3 B20 the interrupted turn reruns, then the queued message runs once",
  ),
  toolKillsItsServer: faultCase(
    9,
    "embedded",
    "a sync tool that SIGKILLs its own server at every execution (3 restarts)",
    "B15 B20 known problem: re-run at every restart with the same attempt, unbounded; completes once it stops crashing",
  ),
};

describe("crash sequences on the same SQLite file (B2, B11, B20, X3)", { timeout: 90_000 }, () => {
  let dataDir: string;
  let store: string;
  let toolLog: string;
  let fake: FakeOpenAI | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "durable-agents-crash-seq-"));
    store = `sqlite:${join(dataDir, "agents.db")}`;
    toolLog = join(dataDir, "tool-starts.log");
    fake = undefined;
  });
  afterEach(async () => {
    await killAllChildServers();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(CASES.killedTwice, async () => {
    const config = { providers: { demo: { type: "demo", chunkDelayMs: 50 } } };
    const prompt = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");
    const answer = `You said: ${prompt}`;

    const first = await startChildServer({ store, config });
    const { thread } = await first.threads.createThread({ agent: "demo", prompt });
    const threadId = thread?.threadId ?? "";
    const firstAttempt = await waitForStreamedText(first.streams, threadId);
    await first.kill();

    // Start-up recovery restarts the turn in a new stream; it is killed while it streams too.
    const second = await startChildServer({ store, config });
    const secondAttempt = await waitForStreamedText(second.streams, threadId, {
      fromSeq: firstAttempt.streamSeq + 1n,
    });
    await second.kill();
    for (const attempt of [firstAttempt, secondAttempt]) {
      expect(answer.startsWith(attempt.text)).toBe(true);
      expect(attempt.text.length).toBeLessThan(answer.length);
    }

    const third = await startChildServer({ store, config });
    const done = await waitForThread(third.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(third.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", `text:${prompt}`],
      ["assistant", `text:${answer}`],
    ]);
    expect(messages[1]?.parts.filter((part) => part.type === "step-start")).toHaveLength(1);
    // Three turns ran, each in its own stream; the answer is the third's alone.
    expect(done.seq).toBe(secondAttempt.streamSeq + 1n);
  });

  it(CASES.killedAfterStop, async () => {
    const openai = await startFakeOpenAI({ respond: stepperReplies("Carrying on.") });
    fake = openai;
    const config = stepperConfig(openai);

    const { server: first, threadId } = await startStepperInsideTool({
      store,
      config,
      toolLog,
      deadlineMs: DEADLINE_MS,
    });
    // The stop commits; its after-commit work (cancelling the running handler) dies with the
    // process.
    const { thread: stopped } = await first.threads.stopThread({ threadId });
    await first.kill();
    expect(stopped?.status).toBe(ThreadStatus.STOPPED);

    const second = await startChildServer({ store, config, env: { CRASH_TOOL_LOG: toolLog } });
    const { thread: restarted } = await second.threads.getThread({ threadId });
    expect(restarted?.status).toBe(ThreadStatus.STOPPED);
    const { toolCalls } = await second.toolCalls.listToolCalls({ threadId });
    expect(
      toolCalls.map((call) => [call.toolCallId, call.status, call.error, call.attempt]),
    ).toEqual([["call_1", ToolCallStatus.FAILED, CANCELLED_BY_STOP, 1]]);

    await second.threads.resumeThread({ threadId, prompt: "carry on" });
    const done = await waitForThread(second.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(second.threads, threadId))).toEqual([
      ["user", "text:record step one"],
      ["assistant", "tool-record_step:output-error"],
      ["user", "text:carry on"],
      ["assistant", "text:Carrying on."],
    ]);
    // The model read the cancellation as the tool's outcome.
    expect(JSON.stringify(openai.requests[1]?.body)).toContain(CANCELLED_BY_STOP);
    expect(openai.requests).toHaveLength(2);
    // The handler ran once: neither recovery nor the resume ran the cancelled call again.
    expect(readLines(toolLog)).toEqual(["call_1 1"]);
  });

  it(CASES.killedWithQueuedMessage, async () => {
    const config = { providers: { demo: { type: "demo", chunkDelayMs: 50 } } };
    const prompt = Array.from({ length: 60 }, (_, index) => `word${index + 1}`).join(" ");

    const first = await startChildServer({ store, config });
    const { thread } = await first.threads.createThread({ agent: "demo", prompt });
    const threadId = thread?.threadId ?? "";
    await waitForStreamedText(first.streams, threadId);
    const queued = await first.threads.sendMessage({
      threadId,
      content: { case: "prompt", value: "and then this" },
      onBusy: BusyPolicy.ENQUEUE,
    });
    expect(queued.enqueued).toBe(true);
    await first.kill();

    const second = await startChildServer({ store, config });
    // Stream 1 died with the first process, stream 2 reran the first turn, stream 3 answers
    // the queued message. (Watchers see each change inside one commit, so "idle" alone could
    // match the moment between the two turns.)
    const done = await waitForThread(
      second.streams,
      threadId,
      (current) => isIdle(current) && current.seq === 3n,
      DEADLINE_MS,
    );
    expect(done.queuedMessageCount).toBe(0);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(second.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", `text:${prompt}`],
      ["assistant", `text:You said: ${prompt}`],
      ["user", "text:and then this"],
      ["assistant", "text:You said: and then this"],
    ]);
    for (const answer of [messages[1], messages[3]]) {
      expect(answer?.parts.filter((part) => part.type === "step-start")).toHaveLength(1);
    }
  });

  it(CASES.toolKillsItsServer, async () => {
    const openai = await startFakeOpenAI({ respond: stepperReplies("Step one is recorded.") });
    fake = openai;
    const config = stepperConfig(openai);
    const crashing = { CRASH_TOOL_LOG: toolLog, CRASH_TOOL_KILL: "1" };

    // The first execution is held until the turn that made the call has ended, and the process
    // is killed in it; had the tool killed it sooner, the turn itself would run again.
    const { server: first, threadId } = await startStepperInsideTool({
      store,
      config,
      toolLog,
      deadlineMs: DEADLINE_MS,
    });
    await first.kill();
    // Every restart's recovery runs the call again, and the tool takes the process down: an
    // execution that never reported back does not count as a failed attempt (B15), so nothing
    // ends the loop.
    for (const executions of [2, 3, 4]) {
      expect(
        await runChildServerUntilExit({ store, config, env: crashing, timeoutMs: DEADLINE_MS }),
      ).toBe("SIGKILL");
      expect(readLines(toolLog)).toHaveLength(executions);
    }

    const healed = await startChildServer({ store, config, env: { CRASH_TOOL_LOG: toolLog } });
    const done = await waitForThread(healed.streams, threadId, isIdle, DEADLINE_MS);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(healed.threads, threadId))).toEqual([
      ["user", "text:record step one"],
      ["assistant", "tool-record_step:output-available", "text:Step one is recorded."],
    ]);
    const { toolCalls } = await healed.toolCalls.listToolCalls({ threadId });
    expect(toolCalls.map((call) => [call.toolCallId, call.status, call.attempt])).toEqual([
      ["call_1", ToolCallStatus.COMPLETED, 1],
    ]);
    expect(readLines(toolLog)).toEqual(Array.from({ length: 5 }, () => "call_1 1"));
    // One turn made the call and one answered it: the crashes never re-ran a turn.
    expect(openai.requests).toHaveLength(2);
  });
});

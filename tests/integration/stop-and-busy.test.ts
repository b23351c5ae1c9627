// Stopping a thread and talking to a busy one (DESIGN §6 B11–B13, B19; §7 X2, X3) through real
// HTTP/2 gRPC on port 0. Turns are held open by a scripted model (or slowed by the demo model's
// pause between deltas) so each test acts while a turn is really streaming.
import { BusyPolicy, StreamStatus, ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { defineTool } from "@durable-agents/tool-runner";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { aborted, within } from "../support/deadline.js";
import { failureOf } from "../support/rpc-errors.js";
import {
  createGate,
  createScriptedModel,
  lastUserText,
  type ModelCallOptions,
  type ScriptedReply,
  textReply,
  toolCallReply,
  toolResultsSeen,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import {
  deltaEvents,
  recordWatch,
  streamedText,
  streamStateEvents,
  type WatchRecording,
} from "../support/watch-recorder.js";

const prompt = (text: string) => ({ case: "prompt" as const, value: text });

/** A reply that streams `text` and then holds the turn open until `release` (or an abort). */
const heldReply = (text: string, release: Promise<unknown>): ScriptedReply => ({
  ...textReply(text),
  holdUntil: release,
});

const echo = (call: ModelCallOptions) => textReply(`echo: ${lastUserText(call)}`);

/** The cancellation text of B11. */
const CANCELLED_BY_STOP = "Tool execution cancelled because the thread was stopped";
/** The cancellation text of an interrupted loop's pending calls (X3). */
const CANCELLED_BY_INTERRUPT = "Tool call cancelled because a new message interrupted the thread";

describe("stopping and busy threads", () => {
  let test: TestServer | undefined;
  const recordings: WatchRecording[] = [];

  afterEach(async () => {
    await Promise.all(recordings.splice(0).map((recording) => recording.stop()));
    await test?.close();
    test = undefined;
  });

  async function watch(threadId: string): Promise<WatchRecording> {
    if (test === undefined) throw new Error("no server");
    const recording = await recordWatch(test.streams, threadId);
    recordings.push(recording);
    return recording;
  }

  /** The slow tool's calls: each resolves `started` and reports its AbortSignal. */
  const slowToolCalls: { signal: AbortSignal }[] = [];
  const slowToolStarted = createGate();
  const slowTool = defineTool({
    name: "slow_tool",
    description: "Runs until its call is cancelled.",
    args: z.object({}),
    handler: (_args, context) => {
      slowToolCalls.push({ signal: context.signal });
      slowToolStarted.open();
      return new Promise((_resolve, reject) => {
        context.signal.addEventListener("abort", () => reject(context.signal.reason), {
          once: true,
        });
      });
    },
  });

  /** A server whose agent "scripted" answers call `index` with `reply`, plus the demo agent. */
  async function startScripted(reply: (index: number, call: ModelCallOptions) => ScriptedReply) {
    const scripted = createScriptedModel(reply);
    test = await startTestServer({
      agents: [{ name: "scripted", model: scripted.model, tools: ["get_weather", "slow_tool"] }],
      tools: [slowTool],
    });
    return { server: test, scripted };
  }

  it("X2 B11 StopThread aborts the model call within 1 s and keeps the partial answer", async () => {
    test = await startTestServer({
      config: { providers: { demo: { type: "demo", chunkDelayMs: 100 } } },
    });
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(" ");
    const fullAnswer = `You said: ${words}`;
    const { thread } = await test.threads.createThread({ agent: "demo" });
    const threadId = thread?.threadId ?? "";
    const recording = await watch(threadId);
    await test.threads.sendMessage({ threadId, content: prompt(words) });
    await recording.until(
      (events) => streamedText(deltaEvents(events)).split(" ").length > 3,
      "a few streamed words",
    );

    const stopAt = performance.now();
    const stopped = await test.threads.stopThread({ threadId });
    expect(stopped.thread).toMatchObject({ status: ThreadStatus.STOPPED, stopSignal: true });
    const events = await recording.until(
      (seen) =>
        seen.some(({ response: { event } }) => event.case === "message" && event.value.role === 3),
      "the partial assistant message",
      5_000,
    );
    const saved = events.find(
      ({ response: { event } }) => event.case === "message" && event.value.role === 3,
    );
    expect((saved?.receivedAt ?? Number.POSITIVE_INFINITY) - stopAt).toBeLessThan(1_000);
    expect(
      streamStateEvents(events)
        .filter((state) => state.status === StreamStatus.ABORTED)
        .map((state) => state.abortReason),
    ).toEqual(["stopSignal"]);

    const done = await waitForThread(test.streams, threadId, isIdle);
    expect(done).toMatchObject({ status: ThreadStatus.STOPPED, stopSignal: true });
    const messages = await listAllMessages(test.threads, threadId);
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    const partial = textOf(messages[1]);
    expect(partial.length).toBeGreaterThan("You said: ".length);
    expect(partial.length).toBeLessThan(fullAnswer.length);
    expect(fullAnswer.startsWith(partial)).toBe(true);
  });

  it("B12 X2 a thread resumed before its stopped turn saved the partial answers once, without that partial", async () => {
    const release = createGate();
    const { server } = await startScripted((index) =>
      index === 0
        ? {
            parts: [
              { type: "text-start", id: "t1" },
              { type: "text-delta", id: "t1", delta: "partial " },
            ],
            ignoreAbortUntil: release.promise,
          }
        : textReply("the whole answer"),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = thread?.threadId ?? "";
    const recording = await watch(threadId);
    await server.threads.sendMessage({ threadId, content: prompt("question") });
    await recording.until((events) => deltaEvents(events).length > 0, "the first delta");

    // The stop lands while the model keeps streaming: the stopped turn has not saved its partial,
    // so the user's message is still the last one and ResumeThread restarts the thread (B12).
    await server.threads.stopThread({ threadId });
    const resumed = await server.threads.resumeThread({ threadId });
    expect(resumed.thread?.status).toBe(ThreadStatus.STREAMING);
    await waitForThread(server.streams, threadId, isIdle);
    release.open();
    const stoppedTurnEnded = await recording.until(
      (events) =>
        streamStateEvents(events).some(
          (state) => state.streamSeq === 1n && state.status === StreamStatus.ABORTED,
        ),
      "the stopped turn's end",
    );
    expect(stoppedTurnEnded.length).toBeGreaterThan(0);
    // The stopped turn's late partial must not follow (or be continued by) the new answer.
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:question"],
      ["assistant", "text:the whole answer"],
    ]);
  });

  it("B11 B19 an async tool completing on a stopped thread keeps it stopped", async () => {
    test = await startTestServer();
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "please approve" });
    const threadId = thread?.threadId ?? "";
    const awaiting = await waitForThread(
      test.streams,
      threadId,
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
    );

    const stopped = await test.threads.stopThread({ threadId });
    expect(stopped.thread).toMatchObject({ status: ThreadStatus.STOPPED, stopSignal: true });
    // B11: an async call stays pending; its answer may still come.
    const [call] = (await test.toolCalls.listToolCalls({ threadId })).toolCalls;
    expect(call).toMatchObject({ toolName: "request_approval", status: ToolCallStatus.PENDING });

    const added = await test.toolCalls.addToolResult({
      threadId,
      toolCallId: call?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "approved" } },
    });
    expect(added.applied).toBe(true);
    expect(added.toolCall?.status).toBe(ToolCallStatus.COMPLETED);
    // B19: no turn starts; only the outcome's own stream took a seq.
    const after = await test.threads.getThread({ threadId });
    expect(after.thread).toMatchObject({
      status: ThreadStatus.STOPPED,
      stopSignal: true,
      seq: awaiting.seq + 1n,
    });
    expect(after.thread?.activeStreamId).toBeUndefined();
    expect((await listAllMessages(test.threads, threadId)).map((message) => message.role)).toEqual([
      "user",
      "assistant",
    ]);
  });

  it("B11 X9 StopThread fails a running sync tool call and fires its handler's AbortSignal", async () => {
    const { server, scripted } = await startScripted((index, call) =>
      index === 0 ? toolCallReply("call_slow", "slow_tool", {}) : echo(call),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted", prompt: "go" });
    const threadId = thread?.threadId ?? "";
    await within(slowToolStarted.promise, 5_000, "the slow tool's start");

    const stopped = await server.threads.stopThread({ threadId });
    expect(stopped.thread).toMatchObject({ status: ThreadStatus.STOPPED, stopSignal: true });
    const { toolCall } = await server.toolCalls.getToolCall({ threadId, toolCallId: "call_slow" });
    expect(toolCall).toMatchObject({ status: ToolCallStatus.FAILED, error: CANCELLED_BY_STOP });
    await within(aborted(slowToolCalls[0]?.signal), 5_000, "the tool handler's abort");
    expect((await server.threads.getThread({ threadId })).thread?.status).toBe(
      ThreadStatus.STOPPED,
    );

    // Resuming lets the model see the cancellation as the call's outcome (B4, B12).
    await server.threads.resumeThread({ threadId, prompt: "what happened?" });
    await waitForThread(server.streams, threadId, isIdle);
    expect(scripted.calls.map(toolResultsSeen)).toEqual([
      [],
      [`call_slow: ${JSON.stringify({ type: "error-text", value: CANCELLED_BY_STOP })}`],
    ]);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:go"],
      ["assistant", "tool-slow_tool:output-error"],
      ["user", "text:what happened?"],
      ["assistant", "text:echo: what happened?"],
    ]);
  });

  it("B12 after StopThread, ResumeThread needs a prompt or a user message, then runs a new turn", async () => {
    const release = createGate();
    const { server, scripted } = await startScripted((index, call) =>
      index === 0 ? heldReply("partial answer", release.promise) : echo(call),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = thread?.threadId ?? "";
    const recording = await watch(threadId);
    await server.threads.sendMessage({ threadId, content: prompt("first") });
    await recording.until(
      (events) => streamedText(deltaEvents(events)) === "partial answer",
      "the partial answer's delta",
    );
    await server.threads.stopThread({ threadId });
    await waitForThread(
      server.streams,
      threadId,
      (current) => isIdle(current) && current.status === ThreadStatus.STOPPED,
    );
    await recording.until(
      (events) => events.some(({ response: { event } }) => event.case === "message"),
      "the partial message",
    );

    // The stopped thread's last message is the model's partial answer: nothing to resume.
    expect(await failureOf(server.threads.resumeThread({ threadId }))).toMatchObject({
      code: "FailedPrecondition",
      reason: "NOTHING_TO_RESUME",
    });
    const resumed = await server.threads.resumeThread({ threadId, prompt: "second" });
    expect(resumed.thread).toMatchObject({ status: ThreadStatus.STREAMING, stopSignal: false });
    await waitForThread(server.streams, threadId, isIdle);

    // Stopped again with the user's message last: ResumeThread without a prompt answers it.
    await server.threads.stopThread({ threadId });
    await server.threads.addMessage({
      threadId,
      message: { role: 2, parts: [{ part: { case: "text", value: { text: "third" } } }] },
    });
    await server.threads.resumeThread({ threadId });
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done).toMatchObject({ status: ThreadStatus.COMPLETED, stopSignal: false });
    expect(scripted.calls).toHaveLength(3);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:first"],
      ["assistant", "text:partial answer"],
      ["user", "text:second"],
      ["assistant", "text:echo: second"],
      ["user", "text:third"],
      ["assistant", "text:echo: third"],
    ]);
  });

  it("B13 SendMessage on a busy thread is refused by default (REJECT) and stores nothing", async () => {
    const release = createGate();
    const { server } = await startScripted(() => heldReply("busy", release.promise));
    const { thread: streaming } = await server.threads.createThread({
      agent: "scripted",
      prompt: "hold on",
    });
    const { thread: awaiting } = await server.threads.createThread({
      agent: "demo",
      prompt: "please approve",
    });
    await waitForThread(
      server.streams,
      awaiting?.threadId ?? "",
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
    );
    for (const threadId of [streaming?.threadId ?? "", awaiting?.threadId ?? ""]) {
      for (const onBusy of [BusyPolicy.UNSPECIFIED, BusyPolicy.REJECT]) {
        expect(
          await failureOf(server.threads.sendMessage({ threadId, content: prompt("x"), onBusy })),
        ).toMatchObject({ code: "FailedPrecondition", reason: "THREAD_BUSY" });
      }
    }
    release.open();
    await waitForThread(server.streams, streaming?.threadId ?? "", isIdle);
    expect(outline(await listAllMessages(server.threads, streaming?.threadId ?? ""))).toEqual([
      ["user", "text:hold on"],
      ["assistant", "text:busy"],
    ]);
    expect(outline(await listAllMessages(server.threads, awaiting?.threadId ?? ""))).toEqual([
      ["user", "text:please approve"],
      ["assistant", "tool-request_approval:input-available"],
    ]);
  });

  it("B13 SendMessage on a stopped thread is accepted and clears the stop signal", async () => {
    const release = createGate();
    const { server } = await startScripted((index, call) =>
      index === 0 ? heldReply("", release.promise) : echo(call),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted", prompt: "first" });
    const threadId = thread?.threadId ?? "";
    await server.threads.stopThread({ threadId });
    await waitForThread(server.streams, threadId, isIdle);
    const sent = await server.threads.sendMessage({ threadId, content: prompt("second") });
    expect(sent.enqueued).toBe(false);
    expect(sent.thread).toMatchObject({ status: ThreadStatus.STREAMING, stopSignal: false });
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages).filter(([role]) => role === "user")).toEqual([
      ["user", "text:first"],
      ["user", "text:second"],
    ]);
    expect(textOf(messages.at(-1))).toBe("echo: second");
  });

  it("X3 ENQUEUE keeps messages until the loop ends, through its tool calls, then runs them in order", async () => {
    const release = createGate();
    const { server, scripted } = await startScripted((index, call) => {
      if (index === 0)
        return toolCallReply("call_1", "get_weather", { location: "Oslo" }, release.promise);
      if (index === 1) return textReply("Sunny in Oslo.");
      return echo(call);
    });
    const { thread } = await server.threads.createThread({ agent: "scripted", prompt: "weather?" });
    const threadId = thread?.threadId ?? "";

    const second = await server.threads.sendMessage({
      threadId,
      content: prompt("second"),
      onBusy: BusyPolicy.ENQUEUE,
    });
    expect(second.enqueued).toBe(true);
    expect(second.thread?.queuedMessageCount).toBe(1);
    const third = await server.threads.sendMessage({
      threadId,
      content: prompt("third"),
      onBusy: BusyPolicy.ENQUEUE,
    });
    expect(third.enqueued).toBe(true);
    expect(third.thread?.queuedMessageCount).toBe(2);
    expect(await listAllMessages(server.threads, threadId)).toHaveLength(1);

    release.open();
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done).toMatchObject({ status: ThreadStatus.COMPLETED, queuedMessageCount: 0 });
    expect(scripted.calls).toHaveLength(3);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather?"],
      ["assistant", "tool-get_weather:output-available", "text:Sunny in Oslo."],
      ["user", "text:second"],
      ["user", "text:third"],
      ["assistant", "text:echo: third"],
    ]);
  });

  it("X3 ENQUEUE messages stay queued through StopThread and go first with the next SendMessage", async () => {
    const release = createGate();
    const { server } = await startScripted((index, call) =>
      index === 0 ? heldReply("partial", release.promise) : echo(call),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = thread?.threadId ?? "";
    const recording = await watch(threadId);
    await server.threads.sendMessage({ threadId, content: prompt("first") });
    await recording.until(
      (events) => streamedText(deltaEvents(events)) === "partial",
      "the partial answer's delta",
    );
    await server.threads.sendMessage({
      threadId,
      content: prompt("queued"),
      onBusy: BusyPolicy.ENQUEUE,
    });
    await server.threads.stopThread({ threadId });
    const stopped = await waitForThread(server.streams, threadId, isIdle);
    expect(stopped).toMatchObject({ status: ThreadStatus.STOPPED, queuedMessageCount: 1 });

    await server.threads.sendMessage({ threadId, content: prompt("after the stop") });
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done).toMatchObject({ status: ThreadStatus.COMPLETED, queuedMessageCount: 0 });
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:first"],
      ["assistant", "text:partial"],
      ["user", "text:queued"],
      ["user", "text:after the stop"],
      ["assistant", "text:echo: after the stop"],
    ]);
  });

  it("X3 INTERRUPT stops the running turn, keeps its partial answer, then runs the message", async () => {
    const never = createGate();
    const { server, scripted } = await startScripted((index, call) =>
      index === 0 ? heldReply("partial answer", never.promise) : echo(call),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = thread?.threadId ?? "";
    const recording = await watch(threadId);
    await server.threads.sendMessage({ threadId, content: prompt("first") });
    await recording.until(
      (events) => streamedText(deltaEvents(events)) === "partial answer",
      "the partial answer's delta",
    );

    await server.threads.sendMessage({
      threadId,
      content: prompt("new question"),
      onBusy: BusyPolicy.INTERRUPT,
    });
    await within(aborted(scripted.calls[0]?.abortSignal), 1_000, "the first model call's abort");
    const done = await waitForThread(
      server.streams,
      threadId,
      (current) => isIdle(current) && current.status === ThreadStatus.COMPLETED,
    );
    expect(done).toMatchObject({ stopSignal: false, queuedMessageCount: 0 });
    expect(scripted.calls).toHaveLength(2);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:first"],
      ["assistant", "text:partial answer"],
      ["user", "text:new question"],
      ["assistant", "text:echo: new question"],
    ]);
  });

  it("X3 INTERRUPT while an async tool result is awaited runs the message at once", async () => {
    test = await startTestServer();
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "please approve" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));

    await test.threads.sendMessage({
      threadId,
      content: prompt("never mind"),
      onBusy: BusyPolicy.INTERRUPT,
    });
    const done = await waitForThread(
      test.streams,
      threadId,
      (current) => isIdle(current) && current.status === ThreadStatus.COMPLETED,
    );
    expect(done.stopSignal).toBe(false);
    // The interrupted loop's approval is abandoned: a late answer is ignored (B17).
    const [call] = (await test.toolCalls.listToolCalls({ threadId })).toolCalls;
    expect(call).toMatchObject({ status: ToolCallStatus.FAILED, error: CANCELLED_BY_INTERRUPT });
    const late = await test.toolCalls.addToolResult({
      threadId,
      toolCallId: call?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "approved" } },
    });
    expect(late.applied).toBe(false);
    expect(outline(await listAllMessages(test.threads, threadId))).toEqual([
      ["user", "text:please approve"],
      ["assistant", "tool-request_approval:output-error"],
      ["user", "text:never mind"],
      ["assistant", "text:You said: never mind"],
    ]);
    expect((await test.threads.getThread({ threadId })).thread?.status).toBe(
      ThreadStatus.COMPLETED,
    );
  });

  it("B11 B12 B19 a message sent after StopThread waits for a still pending async call, then runs", async () => {
    test = await startTestServer();
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "please approve" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    await test.threads.stopThread({ threadId });

    const sent = await test.threads.sendMessage({ threadId, content: prompt("still there?") });
    // B2: no turn while a call is pending; the thread says what it waits for.
    expect(sent.thread).toMatchObject({
      status: ThreadStatus.AWAITING_TOOL_RESULTS,
      stopSignal: false,
    });
    expect(sent.thread?.activeStreamId).toBeUndefined();
    const [call] = (await test.toolCalls.listToolCalls({ threadId })).toolCalls;
    await test.toolCalls.addToolResult({
      threadId,
      toolCallId: call?.toolCallId ?? "",
      result: { kind: { case: "stringValue", value: "approved" } },
    });
    const done = await waitForThread(test.streams, threadId, isIdle);
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(test.threads, threadId))).toEqual([
      ["user", "text:please approve"],
      ["assistant", "tool-request_approval:output-available"],
      ["user", "text:still there?"],
      ["assistant", "text:You said: still there?"],
    ]);
  });
});

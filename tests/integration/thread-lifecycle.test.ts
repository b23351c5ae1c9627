// The thread lifecycle (DESIGN §6 B1–B4, B7, B8, B12, B14, B21, B24) through real HTTP/2 gRPC on
// port 0: each test acts like a client and asserts what a client sees — the final conversation,
// the thread's status and seq, the streams' lifecycle and the error codes.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { protoToUIMessage as toUI, uiMessageToProto } from "@durable-agents/core";
import {
  StreamStatus,
  type Thread,
  ThreadStatus,
  ToolCallStatus,
} from "@durable-agents/core/proto";
import { defineTool } from "@durable-agents/tool-runner";
import type { UIMessage } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { aborted, within } from "../support/deadline.js";
import { failureOf } from "../support/rpc-errors.js";
import {
  createGate,
  createScriptedModel,
  type ScriptedReply,
  textReply,
  toolCallReply,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import {
  latestThread,
  recordWatch,
  streamStateEvents,
  type WatchRecording,
} from "../support/watch-recorder.js";

const userMessage = (text: string, role: UIMessage["role"] = "user") =>
  uiMessageToProto({ id: "", role, parts: [{ type: "text", text }] });

/** The most streams of the thread that were open (pending or streaming) at the same time. */
function mostOpenStreams(recording: WatchRecording): number {
  const open = new Set<string>();
  let most = 0;
  for (const state of streamStateEvents(recording.events)) {
    if (state.status === StreamStatus.PENDING || state.status === StreamStatus.STREAMING) {
      open.add(state.streamId);
    } else {
      open.delete(state.streamId);
    }
    most = Math.max(most, open.size);
  }
  return most;
}

/** SendMessage's content: a prompt. */
const prompt = (text: string) => ({ case: "prompt" as const, value: text });

const idOf = (thread: Thread | undefined) => thread?.threadId ?? "";

describe("thread lifecycle", () => {
  let test: TestServer | undefined;
  const recordings: WatchRecording[] = [];

  async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
    test = await startTestServer(options);
    return test;
  }

  /** A server with the demo agent and an agent "scripted" answering with `reply`. */
  async function startScripted(reply: (index: number) => ScriptedReply) {
    const scripted = createScriptedModel((index) => reply(index));
    // slow_tool runs until its call is cancelled; the test sees it start and its signal.
    const slowToolStarted = createGate();
    const slowToolSignals: AbortSignal[] = [];
    const server = await start({
      agents: [{ name: "scripted", model: scripted.model, tools: ["get_weather", "slow_tool"] }],
      tools: [
        defineTool({
          name: "slow_tool",
          description: "Waits until the call is cancelled.",
          args: z.object({}),
          handler: (_args, context) => {
            slowToolSignals.push(context.signal);
            slowToolStarted.open();
            return new Promise((_resolve, reject) => {
              context.signal.addEventListener("abort", () => reject(context.signal.reason), {
                once: true,
              });
            });
          },
        }),
      ],
    });
    return { server, scripted, slowToolStarted: slowToolStarted.promise, slowToolSignals };
  }

  async function watch(server: TestServer, threadId: string): Promise<WatchRecording> {
    const recording = await recordWatch(server.streams, threadId);
    recordings.push(recording);
    return recording;
  }

  afterEach(async () => {
    await Promise.all(recordings.splice(0).map((recording) => recording.stop()));
    await test?.close();
    test = undefined;
  });

  it("B1 a new thread without a prompt is idle: completed, seq 0, no turn", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({
      agent: "demo",
      messages: [userMessage("earlier question")],
    });
    expect(thread).toMatchObject({ agent: "demo", status: ThreadStatus.COMPLETED, seq: 0n });
    expect(thread?.activeStreamId).toBeUndefined();
    const threadId = idOf(thread);
    // The turn would have been created in CreateThread's own transaction; none was.
    const { thread: read } = await server.threads.getThread({ threadId });
    expect(read).toMatchObject({ status: ThreadStatus.COMPLETED, seq: 0n, stopSignal: false });
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:earlier question"],
    ]);
    const history = [];
    for await (const update of server.streams.streamUpdates({ threadId, historyOnly: true })) {
      history.push(update.update.case);
    }
    expect(history).toEqual(["caughtUp"]);
  });

  it("B1 a new thread with a prompt starts its first turn at once", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({ agent: "demo", prompt: "hello there" });
    expect(thread).toMatchObject({ status: ThreadStatus.STREAMING, seq: 1n });
    expect(thread?.activeStreamId).toBeDefined();
    const done = await waitForThread(server.streams, idOf(thread), isIdle);
    expect(done).toMatchObject({ status: ThreadStatus.COMPLETED, seq: 1n });
    expect(outline(await listAllMessages(server.threads, idOf(thread)))).toEqual([
      ["user", "text:hello there"],
      ["assistant", "text:You said: hello there"],
    ]);
  });

  it("B1 auto_start answers the last user message of `messages` at once", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({
      agent: "demo",
      messages: [
        userMessage("first"),
        userMessage("You said: first", "assistant"),
        userMessage("second"),
      ],
      autoStart: true,
    });
    expect(thread).toMatchObject({ status: ThreadStatus.STREAMING, seq: 1n });
    await waitForThread(server.streams, idOf(thread), isIdle);
    expect(outline(await listAllMessages(server.threads, idOf(thread)))).toEqual([
      ["user", "text:first"],
      ["assistant", "text:You said: first"],
      ["user", "text:second"],
      ["assistant", "text:You said: second"],
    ]);
  });

  it("B2 B3 B7 B8 each message gets exactly one turn: stream seq = thread.seq = committed_seq", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({ agent: "demo" });
    const threadId = idOf(thread);
    const recording = await watch(server, threadId);

    for (const [index, text] of ["one", "two", "three"].entries()) {
      const sent = await server.threads.sendMessage({ threadId, content: prompt(text) });
      const seq = BigInt(index + 1);
      expect(sent.thread).toMatchObject({ status: ThreadStatus.STREAMING, seq });
      const streamId = sent.thread?.activeStreamId ?? "";
      // B3, B7: the turn's stream goes pending → streaming (locked) → finished, in order.
      await recording.until((events) => {
        const latest = latestThread(events);
        const finished = streamStateEvents(events).some(
          (state) => state.streamId === streamId && state.status === StreamStatus.FINISHED,
        );
        return finished && latest !== undefined && isIdle(latest);
      }, `finished stream ${seq}`);
      const lifecycle = streamStateEvents(recording.events)
        .filter((state) => state.streamId === streamId)
        .map((state) => [StreamStatus[state.status], state.streamSeq]);
      expect(lifecycle).toEqual([
        ["PENDING", seq],
        ["STREAMING", seq],
        ["FINISHED", seq],
      ]);
      // B8: finalizing cleared the active stream; the thread's seq is the stream's.
      const after = latestThread(recording.events);
      expect(after).toMatchObject({ status: ThreadStatus.COMPLETED, seq });
      expect(after?.activeStreamId).toBeUndefined();
    }

    expect(mostOpenStreams(recording)).toBe(1);
    const { messages } = await server.threads.listMessages({ threadId });
    expect(
      messages.map((message) => [message.role, message.committedSeq, textOf(toUI(message))]),
    ).toEqual([
      [2, 0n, "one"],
      [3, 1n, "You said: one"],
      [2, 0n, "two"],
      [3, 2n, "You said: two"],
      [2, 0n, "three"],
      [3, 3n, "You said: three"],
    ]);
  });

  it("B2 B8 B19 a tool finishing while its turn still streams sets the continue flag: one next turn, after finalize", async () => {
    const toolDone = createGate();
    const { server, scripted } = await startScripted((index) =>
      index === 0
        ? toolCallReply("call_1", "get_weather", { location: "Oslo" }, toolDone.promise)
        : textReply("It is sunny in Oslo."),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = idOf(thread);
    const recording = await watch(server, threadId);
    await server.threads.sendMessage({ threadId, content: prompt("weather?") });

    // The tool finished while the turn that called it is still streaming (held open).
    await recording.until(
      (events) =>
        events.some(
          ({ response: { event } }) =>
            event.case === "toolCall" && event.value.status === ToolCallStatus.COMPLETED,
        ),
      "completed tool call",
    );
    const during = latestThread(recording.events);
    expect(during?.status).toBe(ThreadStatus.STREAMING);
    expect(scripted.calls).toHaveLength(1);
    // B2: a turn is running, so resuming or sending is refused rather than starting a second one.
    expect(await failureOf(server.threads.resumeThread({ threadId }))).toMatchObject({
      code: "FailedPrecondition",
      reason: "THREAD_BUSY",
    });
    expect(
      await failureOf(server.threads.sendMessage({ threadId, content: prompt("again") })),
    ).toMatchObject({
      code: "FailedPrecondition",
      reason: "THREAD_BUSY",
    });

    toolDone.open();
    const done = await waitForThread(server.streams, threadId, isIdle);
    // Streams: the first turn (1), the tool outcome (2), the turn that answers (3).
    expect(done).toMatchObject({ status: ThreadStatus.COMPLETED, seq: 3n });
    expect(scripted.calls).toHaveLength(2);
    expect(mostOpenStreams(recording)).toBe(1);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather?"],
      ["assistant", "tool-get_weather:output-available", "text:It is sunny in Oslo."],
    ]);
  });

  it("B4 the model sees tool outcomes, including a tool error", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({
      agent: "demo",
      prompt: "please approve",
    });
    const threadId = idOf(thread);
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const { toolCalls } = await server.toolCalls.listToolCalls({ threadId });
    const added = await server.toolCalls.addToolError({
      threadId,
      toolCallId: toolCalls[0]?.toolCallId ?? "",
      error: "the approver is on holiday",
    });
    expect(added.applied).toBe(true);
    await waitForThread(server.streams, threadId, isIdle);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:please approve"],
      [
        "assistant",
        "tool-request_approval:output-error",
        "text:Approval failed: the approver is on holiday",
      ],
    ]);
    expect(messages[1]?.parts.find((part) => part.type === "tool-request_approval")).toMatchObject({
      errorText: "the approver is on holiday",
    });
  });

  it("B4 a transformMessages hook rewrites what the model sees, not what is stored", async () => {
    const server = await start({
      hooks: {
        transformMessages: ({ messages }) =>
          messages.map((message, index) =>
            index === messages.length - 1 && message.role === "user"
              ? { role: "user", content: [{ type: "text", text: "rewritten by the hook" }] }
              : message,
          ),
      },
    });
    const { thread } = await server.threads.createThread({ agent: "demo", prompt: "original" });
    await waitForThread(server.streams, idOf(thread), isIdle);
    expect(outline(await listAllMessages(server.threads, idOf(thread)))).toEqual([
      ["user", "text:original"],
      ["assistant", "text:You said: rewritten by the hook"],
    ]);
  });

  it("B12 ResumeThread without a prompt needs the user's message last", async () => {
    const server = await start();
    const { thread: empty } = await server.threads.createThread({ agent: "demo" });
    expect(await failureOf(server.threads.resumeThread({ threadId: idOf(empty) }))).toMatchObject({
      code: "FailedPrecondition",
      reason: "NOTHING_TO_RESUME",
    });

    const { thread } = await server.threads.createThread({ agent: "demo", prompt: "hi" });
    const threadId = idOf(thread);
    await waitForThread(server.streams, threadId, isIdle);
    expect(await failureOf(server.threads.resumeThread({ threadId }))).toMatchObject({
      code: "FailedPrecondition",
      reason: "NOTHING_TO_RESUME",
    });
    const unchanged = await server.threads.getThread({ threadId });
    expect(unchanged.thread).toMatchObject({ status: ThreadStatus.COMPLETED, seq: 1n });

    // B14 then B12: a user message added without a turn is answered by ResumeThread.
    await server.threads.addMessage({ threadId, message: userMessage("added later") });
    const resumed = await server.threads.resumeThread({ threadId });
    expect(resumed.thread).toMatchObject({ status: ThreadStatus.STREAMING, seq: 2n });
    await waitForThread(server.streams, threadId, isIdle);

    // With a prompt, an idle thread resumes whatever its last message.
    await server.threads.resumeThread({ threadId, prompt: "and now?" });
    const done = await waitForThread(server.streams, threadId, isIdle);
    expect(done).toMatchObject({ status: ThreadStatus.COMPLETED, seq: 3n });
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:You said: hi"],
      ["user", "text:added later"],
      ["assistant", "text:You said: added later"],
      ["user", "text:and now?"],
      ["assistant", "text:You said: and now?"],
    ]);
  });

  it("B14 AddMessage adds any role without starting a turn", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({ agent: "demo" });
    const threadId = idOf(thread);
    const first = await server.threads.addMessage({ threadId, message: userMessage("question") });
    expect(first.message).toMatchObject({ threadId, role: 2 });
    expect(first.message?.messageId).not.toBe("");
    const second = await server.threads.addMessage({
      threadId,
      message: userMessage("an answer written by hand", "assistant"),
    });
    expect(second.thread).toMatchObject({ status: ThreadStatus.COMPLETED, seq: 0n });
    expect(second.thread?.activeStreamId).toBeUndefined();
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:question"],
      ["assistant", "text:an answer written by hand"],
    ]);
  });

  it("B14 AddMessage is refused while a turn streams and while tool results are awaited", async () => {
    const release = createGate();
    const { server } = await startScripted(() => ({
      ...textReply("held"),
      holdUntil: release.promise,
    }));
    const { thread: streaming } = await server.threads.createThread({
      agent: "scripted",
      prompt: "hold on",
    });
    expect(
      await failureOf(
        server.threads.addMessage({ threadId: idOf(streaming), message: userMessage("x") }),
      ),
    ).toMatchObject({ code: "FailedPrecondition", reason: "THREAD_BUSY" });

    const { thread: awaiting } = await server.threads.createThread({
      agent: "demo",
      prompt: "please approve",
    });
    await waitForThread(
      server.streams,
      idOf(awaiting),
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
    );
    expect(
      await failureOf(
        server.threads.addMessage({ threadId: idOf(awaiting), message: userMessage("x") }),
      ),
    ).toMatchObject({ code: "FailedPrecondition", reason: "THREAD_BUSY" });

    release.open();
    await waitForThread(server.streams, idOf(streaming), isIdle);
    expect(outline(await listAllMessages(server.threads, idOf(streaming)))).toEqual([
      ["user", "text:hold on"],
      ["assistant", "text:held"],
    ]);
    expect(outline(await listAllMessages(server.threads, idOf(awaiting)))).toEqual([
      ["user", "text:please approve"],
      ["assistant", "tool-request_approval:input-available"],
    ]);
  });

  it("B21 DeleteThread removes the thread, its messages and tool calls", async () => {
    const server = await start();
    const { thread: kept } = await server.threads.createThread({
      agent: "demo",
      prompt: "keep me",
    });
    const { thread } = await server.threads.createThread({
      agent: "demo",
      prompt: "weather in Rome",
    });
    const threadId = idOf(thread);
    await waitForThread(server.streams, threadId, isIdle);
    await waitForThread(server.streams, idOf(kept), isIdle);
    expect((await server.toolCalls.listToolCalls({ threadId })).toolCalls).toHaveLength(1);

    await server.threads.deleteThread({ threadId });

    const notFound = { code: "NotFound", reason: "THREAD_NOT_FOUND" };
    expect(await failureOf(server.threads.getThread({ threadId }))).toMatchObject(notFound);
    expect(await failureOf(server.threads.listMessages({ threadId }))).toMatchObject(notFound);
    expect(await failureOf(server.toolCalls.listToolCalls({ threadId }))).toMatchObject(notFound);
    expect(await failureOf(server.threads.deleteThread({ threadId }))).toMatchObject(notFound);
    const { threads } = await server.threads.listThreads({});
    expect(threads.map((listed) => listed.threadId)).toEqual([idOf(kept)]);
    expect(outline(await listAllMessages(server.threads, idOf(kept)))).toEqual([
      ["user", "text:keep me"],
      ["assistant", "text:You said: keep me"],
    ]);
  });

  it("B21 DeleteThread while a turn streams aborts the turn and ends watchers", async () => {
    const never = createGate();
    const { server, scripted } = await startScripted(() => ({
      ...textReply("never finished"),
      holdUntil: never.promise,
    }));
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = idOf(thread);
    const recording = await watch(server, threadId);
    await server.threads.sendMessage({ threadId, content: prompt("hold on") });
    await recording.until(
      (events) =>
        streamStateEvents(events).some((state) => state.status === StreamStatus.STREAMING),
      "streaming turn",
    );

    await server.threads.deleteThread({ threadId });

    // The watch ends (the thread is gone) and the model call in flight is aborted.
    await expect(recording.until(() => false, "end of the watch", 5_000)).rejects.toThrow(
      /ended before/,
    );
    await within(aborted(scripted.calls[0]?.abortSignal), 5_000, "the model call's abort");
    expect(await failureOf(server.threads.getThread({ threadId }))).toMatchObject({
      code: "NotFound",
    });
    expect(await failureOf(server.threads.listMessages({ threadId }))).toMatchObject({
      code: "NotFound",
    });
    expect((await server.threads.listThreads({})).threads).toEqual([]);
  });

  it("B21 X9 DeleteThread cancels a running tool execution (its handler's AbortSignal fires)", async () => {
    const { server, slowToolStarted, slowToolSignals } = await startScripted(() =>
      toolCallReply("call_slow", "slow_tool", {}),
    );
    const { thread } = await server.threads.createThread({ agent: "scripted", prompt: "go" });
    const threadId = idOf(thread);
    await within(slowToolStarted, 5_000, "the slow tool's start");
    await server.threads.deleteThread({ threadId });
    await within(aborted(slowToolSignals[0]), 5_000, "the tool handler's abort");
    expect(await failureOf(server.toolCalls.listToolCalls({ threadId }))).toMatchObject({
      code: "NotFound",
    });
    expect((await server.threads.listThreads({})).threads).toEqual([]);
  });

  it("B24 ListThreads is newest first, 100 a page by default, and pages with tokens", async () => {
    const server = await start();
    const created: { id: string; createdAtMs: number }[] = [];
    for (let index = 0; index < 101; index++) {
      const { thread } = await server.threads.createThread({ agent: "demo" });
      const time = thread?.createTime;
      created.push({
        id: idOf(thread),
        createdAtMs: time === undefined ? 0 : timestampMs(time),
      });
    }
    // Newest first; threads created within the same millisecond are ordered by id, descending.
    const newestFirst = [...created]
      .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((thread) => thread.id);

    const first = await server.threads.listThreads({});
    expect(first.threads).toHaveLength(100);
    expect(first.nextPageToken).not.toBe("");
    const second = await server.threads.listThreads({ pageToken: first.nextPageToken });
    expect(second.nextPageToken).toBe("");
    expect([...first.threads, ...second.threads].map((listed) => listed.threadId)).toEqual(
      newestFirst,
    );

    const paged: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await server.threads.listThreads({ pageSize: 7, pageToken });
      expect(page.threads.length).toBeLessThanOrEqual(7);
      paged.push(...page.threads.map((listed) => listed.threadId));
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken !== "");
    expect(pages).toBe(15);
    expect(paged).toEqual(newestFirst);
  });

  it("B24 ListMessages omits system messages unless include_system, and pages oldest first", async () => {
    const server = await start();
    const { thread } = await server.threads.createThread({
      agent: "demo",
      messages: [userMessage("be brief", "system"), userMessage("hi")],
      autoStart: true,
    });
    const threadId = idOf(thread);
    await waitForThread(server.streams, threadId, isIdle);

    const { messages } = await server.threads.listMessages({ threadId });
    expect(messages.map((message) => textOf(toUI(message)))).toEqual(["hi", "You said: hi"]);
    const withSystem = await server.threads.listMessages({ threadId, includeSystem: true });
    expect(withSystem.messages.map((message) => textOf(toUI(message)))).toEqual([
      "be brief",
      "hi",
      "You said: hi",
    ]);

    const texts: string[] = [];
    let pageToken = "";
    do {
      const page = await server.threads.listMessages({
        threadId,
        pageSize: 1,
        pageToken,
        includeSystem: true,
      });
      expect(page.messages).toHaveLength(1);
      texts.push(...page.messages.map((message) => textOf(toUI(message))));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(texts).toEqual(["be brief", "hi", "You said: hi"]);
  });
});

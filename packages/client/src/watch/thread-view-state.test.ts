import { readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import type {
  Delta,
  MessageDetails,
  StreamStatus,
  Thread,
  ThreadStatus,
  ThreadView,
  WatchCursor,
  WatchEvent,
} from "../types.js";
import { ThreadViewState } from "./thread-view-state.js";

const cursor: WatchCursor = { stream: { streamSeq: 0, deltaSeq: 0 }, threadVersion: 1 };

function thread(seq: number, status: ThreadStatus = "streaming"): Thread {
  return {
    threadId: "t1",
    agent: "demo",
    status,
    stopSignal: false,
    activeStreamId: status === "streaming" ? `s${seq}` : undefined,
    retryState: undefined,
    failure: undefined,
    seq,
    version: seq + 1,
    queuedMessageCount: 0,
    usage: {
      inputTokens: undefined,
      inputTokenDetails: {
        noCacheTokens: undefined,
        cacheReadTokens: undefined,
        cacheWriteTokens: undefined,
      },
      outputTokens: undefined,
      outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
      totalTokens: undefined,
    },
    createTime: undefined,
    updateTime: undefined,
    metadata: {},
  };
}

const details = (messageId: string, committedSeq: number): MessageDetails => ({
  messageId,
  threadId: "t1",
  committedSeq,
  createTime: undefined,
  usage: undefined,
});

const user: UIMessage = { id: "u1", role: "user", parts: [{ type: "text", text: "hi" }] };

function snapshot(seq: number, messages: [UIMessage, number][], status?: ThreadStatus): WatchEvent {
  return {
    type: "snapshot",
    snapshot: {
      thread: thread(seq, status),
      messages: messages.map(([message]) => message),
      details: messages.map(([message, committedSeq]) => details(message.id, committedSeq)),
      toolCalls: [],
    },
    cursor,
  };
}

function delta(
  streamSeq: number,
  deltaSeq: number,
  messageId: string,
  chunks: UIMessageChunk[],
): WatchEvent {
  const value: Delta = {
    streamId: `s${streamSeq}`,
    streamSeq,
    deltaSeq,
    messageId,
    messageSeq: deltaSeq,
    chunks,
    createTime: undefined,
  };
  return { type: "delta", delta: value, cursor: { ...cursor, stream: { streamSeq, deltaSeq } } };
}

const commit = (message: UIMessage, committedSeq: number): WatchEvent => ({
  type: "message",
  message,
  details: details(message.id, committedSeq),
  cursor,
});

const streamState = (streamSeq: number, status: StreamStatus): WatchEvent => ({
  type: "stream_state",
  streamState: { streamId: `s${streamSeq}`, streamSeq, status, abortReason: undefined },
  cursor,
});

const threadEvent = (seq: number, status: ThreadStatus): WatchEvent => ({
  type: "thread",
  thread: thread(seq, status),
  cursor,
});

async function viewAfter(state: ThreadViewState, ...events: WatchEvent[]): Promise<ThreadView> {
  for (const event of events) state.apply(event);
  const view = await state.view("connected");
  if (view === undefined) throw new Error("no view");
  return view;
}

/**
 * What the AI SDK builds from the chunks in one go: the reference for every split. The message it
 * is given is its working state (it continues it in place), so after the stream that object is the
 * message as the chunks left it — including changes it did not emit (a trailing `start-step`).
 */
async function builtInOneGo(
  messageId: string,
  chunks: UIMessageChunk[],
  base?: UIMessage,
): Promise<UIMessage> {
  const working: UIMessage = structuredClone(base) ?? {
    id: messageId,
    role: "assistant",
    parts: [],
  };
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  for await (const _message of readUIMessageStream({ message: working, stream })) {
    // Consumed for its effect on `working`.
  }
  // JSON drops undefined keys, as the committed message did.
  return JSON.parse(JSON.stringify(working));
}

const answerChunks: UIMessageChunk[] = [
  { type: "start", messageId: "a1" },
  { type: "start-step" },
  { type: "reasoning-start", id: "r1" },
  { type: "reasoning-delta", id: "r1", delta: "Think" },
  { type: "reasoning-delta", id: "r1", delta: "ing." },
  { type: "reasoning-end", id: "r1" },
  { type: "text-start", id: "t1" },
  { type: "text-delta", id: "t1", delta: "Hello" },
  { type: "text-delta", id: "t1", delta: ", " },
  { type: "text-delta", id: "t1", delta: "world" },
  { type: "text-end", id: "t1" },
  { type: "finish-step" },
  { type: "finish", finishReason: "stop" },
];

describe("ThreadViewState", () => {
  it("shows the snapshot's committed messages and the thread's state", async () => {
    const view = await viewAfter(new ThreadViewState(), snapshot(0, [[user, 0]], "completed"));
    expect(view.messages).toEqual([user]);
    expect(view.status).toBe("completed");
    expect(view.isRunning).toBe(false);
    expect(view.streamingMessageIds).toEqual([]);
  });

  it("yields no view before the thread is known", async () => {
    expect(await new ThreadViewState().view("connecting")).toBeUndefined();
  });

  it("X1 B7 a message split into deltas anywhere streams to what the AI SDK builds, then the commit replaces it", async () => {
    const expected = await builtInOneGo("a1", answerChunks);
    for (let split = 1; split < answerChunks.length; split += 1) {
      const state = new ThreadViewState();
      state.apply(snapshot(1, [[user, 0]]));
      const first = await viewAfter(state, delta(1, 0, "a1", answerChunks.slice(0, split)));
      expect(first.streamingMessageIds).toEqual(["a1"]);
      expect(first.messages).toEqual([
        user,
        await builtInOneGo("a1", answerChunks.slice(0, split)),
      ]);
      const whole = await viewAfter(state, delta(1, 1, "a1", answerChunks.slice(split)));
      expect(whole.messages).toStrictEqual([user, expected]);
      const committed = await viewAfter(state, commit(expected, 1), threadEvent(1, "completed"));
      expect(committed.messages).toStrictEqual([user, expected]);
      expect(committed.streamingMessageIds).toEqual([]);
    }
  });

  it("shows a step-start at the end of a delta at once (the AI SDK adds it without emitting)", async () => {
    const state = new ThreadViewState();
    state.apply(snapshot(1, [[user, 0]]));
    const view = await viewAfter(
      state,
      delta(1, 0, "a1", [{ type: "start", messageId: "a1" }, { type: "start-step" }]),
    );
    expect(view.messages[1]?.parts).toEqual([{ type: "step-start" }]);
  });

  it("B4 B15 B7 a tool loop continues the committed message: outcome stream, then the next turn", async () => {
    const withCall: UIMessage = {
      id: "a1",
      role: "assistant",
      parts: [
        { type: "step-start" },
        {
          type: "tool-get_weather",
          toolCallId: "c1",
          state: "input-available",
          input: { location: "Oslo" },
        },
      ],
    };
    const state = new ThreadViewState();
    state.apply(
      snapshot(
        1,
        [
          [user, 0],
          [withCall, 1],
        ],
        "awaiting_tool_results",
      ),
    );
    const outcome = await viewAfter(
      state,
      delta(2, 0, "a1", [{ type: "tool-output-available", toolCallId: "c1", output: "sunny" }]),
      streamState(2, "finished"),
    );
    expect(outcome.messages[1]?.parts[1]).toMatchObject({
      state: "output-available",
      output: "sunny",
    });
    const nextTurn: UIMessageChunk[] = [
      { type: "start", messageId: "a1" },
      { type: "start-step" },
      { type: "text-start", id: "t1" },
      { type: "text-delta", id: "t1", delta: "It is sunny." },
      { type: "text-end", id: "t1" },
    ];
    const answered = await viewAfter(state, delta(3, 0, "a1", nextTurn));
    const expected = await builtInOneGo(
      "a1",
      [
        { type: "tool-output-available", toolCallId: "c1", output: "sunny" },
        { type: "start", messageId: "a1" },
        ...nextTurn.slice(1),
      ],
      withCall,
    );
    expect(answered.messages).toStrictEqual([user, expected]);
    expect(answered.streamingMessageIds).toEqual(["a1"]);
    // The commit of the next turn covers both streams: the committed message alone is shown.
    const committed = await viewAfter(state, commit(expected, 3));
    expect(committed.streamingMessageIds).toEqual([]);
    expect(committed.messages).toStrictEqual([user, expected]);
  });

  it("X1 ignores a delta it already applied, and hides a stream with a missing delta until its commit", async () => {
    const state = new ThreadViewState();
    state.apply(snapshot(1, [[user, 0]]));
    const head = answerChunks.slice(0, 8);
    await viewAfter(state, delta(1, 0, "a1", head));
    const again = await viewAfter(state, delta(1, 0, "a1", head));
    expect(again.messages[1]).toEqual(await builtInOneGo("a1", head));

    const gapped = new ThreadViewState();
    gapped.apply(snapshot(1, [[user, 0]]));
    const view = await viewAfter(gapped, delta(1, 3, "a1", answerChunks.slice(9)));
    expect(view.messages).toEqual([user]);
    const expected = await builtInOneGo("a1", answerChunks);
    expect((await viewAfter(gapped, commit(expected, 1))).messages).toEqual([user, expected]);
  });

  it("B9 an aborted stream's output stays while it is the latest and goes once a later stream starts", async () => {
    const state = new ThreadViewState();
    state.apply(snapshot(1, [[user, 0]]));
    const partial = answerChunks.slice(0, 8);
    const aborted = await viewAfter(
      state,
      delta(1, 0, "a1", partial),
      streamState(1, "aborted"),
      threadEvent(1, "failed"),
    );
    expect(aborted.messages).toHaveLength(2);
    const retried = await viewAfter(state, threadEvent(2, "streaming"));
    expect(retried.messages).toEqual([user]);
    expect(retried.streamingMessageIds).toEqual([]);
  });

  it("X1 a snapshot after a reconnect replaces the committed state and keeps the stream in progress", async () => {
    const state = new ThreadViewState();
    state.apply(snapshot(1, [[user, 0]]));
    await viewAfter(state, delta(1, 0, "a1", answerChunks.slice(0, 8)));
    const renamed: UIMessage = { ...user, parts: [{ type: "text", text: "hi!" }] };
    const view = await viewAfter(
      state,
      snapshot(1, [[renamed, 0]]),
      delta(1, 1, "a1", answerChunks.slice(8)),
    );
    expect(view.messages).toStrictEqual([renamed, await builtInOneGo("a1", answerChunks)]);
  });

  it("keeps tool calls by id, in the order they appeared", async () => {
    const state = new ThreadViewState();
    state.apply(snapshot(1, [[user, 0]]));
    const call = (id: string, status: "pending" | "completed"): WatchEvent => ({
      type: "tool_call",
      toolCall: {
        threadId: "t1",
        toolCallId: id,
        toolName: "get_weather",
        kind: "sync",
        args: {},
        status,
        result: undefined,
        error: undefined,
        attempt: 1,
        maxAttempts: 3,
        lastError: undefined,
        nextRetryTime: undefined,
        deadline: undefined,
        runnerId: undefined,
        lastHeartbeatTime: undefined,
        createTime: undefined,
        updateTime: undefined,
        executionState: status === "pending" ? "running" : "done",
        messageId: "a1",
      },
      cursor,
    });
    const view = await viewAfter(
      state,
      call("c1", "pending"),
      call("c2", "pending"),
      call("c1", "completed"),
    );
    expect(view.toolCalls.map((c) => [c.toolCallId, c.status])).toEqual([
      ["c1", "completed"],
      ["c2", "pending"],
    ]);
  });
});

// @vitest-environment happy-dom
// The React hooks over the real client, with the server played by an in-memory Connect router:
// the test decides what WatchThread sends and sees every call the hooks make.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { uiChunkToProto, uiMessageToProto } from "@durable-agents/core";
import {
  type Message,
  StreamService,
  type Thread,
  ThreadSchema,
  ThreadService,
  ThreadStatus,
  type WatchThreadResponse,
  WatchThreadResponseSchema,
} from "@durable-agents/core/proto";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { UIMessage, UIMessageChunk } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentClient, createAgentClientOnTransport } from "../agent-client.js";
import { useAgentChat } from "./use-agent-chat.js";
import { useThreadMessages } from "./use-thread-messages.js";

type WatchEventInit = MessageInitShape<typeof WatchThreadResponseSchema>["event"];

/** A thread the test drives: what WatchThread sends next, and the calls received. */
class FakeThread {
  seq = 0;
  version = 1;
  status = ThreadStatus.COMPLETED;
  messages: Message[] = [];
  readonly calls: string[] = [];
  /** Open watches: each gets every event pushed from now on. */
  readonly watches = new Set<(response: WatchThreadResponse) => void>();
  cancelledWatches = 0;
  failNextSend: ConnectError | undefined;

  constructor(readonly threadId: string) {}

  thread(): Thread {
    return create(ThreadSchema, {
      threadId: this.threadId,
      agent: "demo",
      status: this.status,
      seq: BigInt(this.seq),
      version: BigInt(this.version),
      activeStreamId: this.status === ThreadStatus.STREAMING ? `s${this.seq}` : undefined,
    });
  }

  private cursor(streamSeq = this.seq, deltaSeq = Number.MAX_SAFE_INTEGER) {
    return {
      stream: { streamSeq: BigInt(streamSeq), deltaSeq: BigInt(deltaSeq) },
      threadVersion: BigInt(this.version),
    };
  }

  private push(event: WatchEventInit, cursor = this.cursor()) {
    const response = create(WatchThreadResponseSchema, { event, cursor });
    for (const watch of this.watches) watch(response);
  }

  snapshot(): WatchThreadResponse {
    return create(WatchThreadResponseSchema, {
      event: {
        case: "snapshot",
        value: { thread: this.thread(), messages: this.messages, toolCalls: [] },
      },
      cursor: this.cursor(),
    });
  }

  setStatus(status: ThreadStatus, seq = this.seq) {
    this.status = status;
    this.seq = seq;
    this.version += 1;
    this.push({ case: "thread", value: this.thread() });
  }

  commit(message: UIMessage, committedSeq = this.seq) {
    const proto = uiMessageToProto(message, { threadId: this.threadId, committedSeq });
    this.messages.push(proto);
    this.version += 1;
    this.push({ case: "message", value: proto });
  }

  delta(deltaSeq: number, messageId: string, chunks: UIMessageChunk[]) {
    this.push(
      {
        case: "delta",
        value: {
          streamId: `s${this.seq}`,
          streamSeq: BigInt(this.seq),
          deltaSeq: BigInt(deltaSeq),
          messageId,
          messageSeq: BigInt(deltaSeq),
          chunks: chunks.map(uiChunkToProto),
        },
      },
      this.cursor(this.seq, deltaSeq),
    );
  }
}

function fakeServer(...threads: FakeThread[]): AgentClient {
  const byId = new Map(threads.map((thread) => [thread.threadId, thread]));
  const find = (threadId: string) => {
    const thread = byId.get(threadId);
    if (thread === undefined) throw new ConnectError(`no thread ${threadId}`, Code.NotFound);
    return thread;
  };
  const transport = createRouterTransport((router) => {
    router.service(StreamService, {
      async *watchThread(request, context) {
        const thread = find(request.threadId);
        const queue: WatchThreadResponse[] = [thread.snapshot()];
        let wake: (() => void) | undefined;
        const listener = (response: WatchThreadResponse) => {
          queue.push(response);
          wake?.();
        };
        thread.watches.add(listener);
        const onAbort = () => wake?.();
        context.signal.addEventListener("abort", onAbort);
        try {
          while (!context.signal.aborted) {
            const next = queue.shift();
            if (next !== undefined) {
              yield next;
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          thread.watches.delete(listener);
          context.signal.removeEventListener("abort", onAbort);
          thread.cancelledWatches += 1;
        }
      },
      async *streamUpdates() {},
    });
    router.service(ThreadService, {
      sendMessage(request) {
        const thread = find(request.threadId);
        thread.calls.push(`send:${request.content.case === "prompt" ? request.content.value : ""}`);
        const failure = thread.failNextSend;
        if (failure !== undefined) {
          thread.failNextSend = undefined;
          throw failure;
        }
        const stored: UIMessage = {
          id: `m${thread.messages.length + 1}`,
          role: "user",
          parts: [{ type: "text", text: request.content.value?.toString() ?? "" }],
        };
        return {
          thread: thread.thread(),
          message: uiMessageToProto(stored, { threadId: thread.threadId }),
          enqueued: false,
        };
      },
      stopThread(request) {
        const thread = find(request.threadId);
        thread.calls.push("stop");
        return { thread: thread.thread() };
      },
      resumeThread(request) {
        const thread = find(request.threadId);
        thread.calls.push(`resume:${request.prompt ?? ""}`);
        return { thread: thread.thread() };
      },
    });
  });
  return createAgentClientOnTransport(transport);
}

const userMessage = (id: string, text: string): UIMessage => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});

const texts = (messages: UIMessage[]) =>
  messages.map((message) =>
    message.parts.map((part) => (part.type === "text" ? part.text : part.type)).join(""),
  );

describe("useThreadMessages", () => {
  let unmount: (() => void) | undefined;
  afterEach(() => {
    unmount?.();
    unmount = undefined;
  });

  it("loads the thread, then follows streamed text and status live", async () => {
    const thread = new FakeThread("t1");
    thread.commit(userMessage("m1", "hi"));
    const client = fakeServer(thread);
    const hook = renderHook(() => useThreadMessages({ client, threadId: "t1" }));
    unmount = hook.unmount;
    expect(hook.result.current.isLoading).toBe(true);
    expect(hook.result.current.messages).toEqual([]);
    await waitFor(() => expect(hook.result.current.isLoading).toBe(false));
    expect(hook.result.current.isComplete).toBe(true);
    expect(texts(hook.result.current.messages)).toEqual(["hi"]);

    act(() => thread.setStatus(ThreadStatus.STREAMING, 1));
    await waitFor(() => expect(hook.result.current.isRunning).toBe(true));
    act(() =>
      thread.delta(0, "a1", [
        { type: "start", messageId: "a1" },
        { type: "text-start", id: "x" },
        { type: "text-delta", id: "x", delta: "You said" },
      ]),
    );
    await waitFor(() => expect(texts(hook.result.current.messages)).toEqual(["hi", "You said"]));
    expect(hook.result.current.streamingMessageIds).toEqual(["a1"]);
    act(() => thread.delta(1, "a1", [{ type: "text-delta", id: "x", delta: ": hi" }]));
    await waitFor(() =>
      expect(texts(hook.result.current.messages)).toEqual(["hi", "You said: hi"]),
    );
    act(() => {
      thread.commit({
        id: "a1",
        role: "assistant",
        parts: [{ type: "text", text: "You said: hi", state: "done" }],
      });
      thread.setStatus(ThreadStatus.COMPLETED);
    });
    await waitFor(() => expect(hook.result.current.isComplete).toBe(true));
    expect(hook.result.current.streamingMessageIds).toEqual([]);
    expect(texts(hook.result.current.messages)).toEqual(["hi", "You said: hi"]);
  });

  it("cancels the watch on unmount and on a new thread id, never mixing threads", async () => {
    const first = new FakeThread("t1");
    first.commit(userMessage("m1", "first"));
    const second = new FakeThread("t2");
    second.commit(userMessage("m2", "second"));
    const client = fakeServer(first, second);
    const hook = renderHook(({ threadId }) => useThreadMessages({ client, threadId }), {
      initialProps: { threadId: "t1" },
    });
    await waitFor(() => expect(texts(hook.result.current.messages)).toEqual(["first"]));
    hook.rerender({ threadId: "t2" });
    // The old thread's view is gone at once, before the new one loads.
    expect(hook.result.current.messages).toEqual([]);
    expect(hook.result.current.isLoading).toBe(true);
    await waitFor(() => expect(texts(hook.result.current.messages)).toEqual(["second"]));
    await waitFor(() => expect(first.cancelledWatches).toBe(1));
    hook.unmount();
    await waitFor(() => expect(second.cancelledWatches).toBe(1));
  });

  it("watches nothing without a thread id or with skip", async () => {
    const thread = new FakeThread("t1");
    const client = fakeServer(thread);
    const hook = renderHook(() => useThreadMessages({ client, threadId: undefined }));
    unmount = hook.unmount;
    expect(hook.result.current).toMatchObject({ isLoading: false, connection: undefined });
    const skipped = renderHook(() => useThreadMessages({ client, threadId: "t1", skip: true }));
    expect(skipped.result.current.isLoading).toBe(false);
    expect(thread.watches.size).toBe(0);
    skipped.unmount();
  });

  it("B21 reports a watch that ended for good as a typed error", async () => {
    const client = fakeServer();
    const hook = renderHook(() => useThreadMessages({ client, threadId: "missing" }));
    unmount = hook.unmount;
    await waitFor(() => expect(hook.result.current.error?.name).toBe("NotFoundError"));
    expect(hook.result.current.isLoading).toBe(false);
  });
});

describe("useAgentChat", () => {
  it("B13 shows a sent prompt at once, then the stored message in its place", async () => {
    const thread = new FakeThread("t1");
    const client = fakeServer(thread);
    const hook = renderHook(() => useAgentChat({ client, threadId: "t1" }));
    await waitFor(() => expect(hook.result.current.isLoading).toBe(false));
    let sending: Promise<unknown> = Promise.resolve();
    act(() => {
      sending = hook.result.current.sendMessage("hello");
    });
    expect(texts(hook.result.current.messages)).toEqual(["hello"]);
    expect(hook.result.current.messages[0]?.id).toMatch(/^optimistic-/);
    await act(() => sending);
    // Sent, not yet delivered by the watch: still the optimistic message, once.
    expect(texts(hook.result.current.messages)).toEqual(["hello"]);
    act(() => thread.commit(userMessage("m1", "hello")));
    await waitFor(() => expect(hook.result.current.messages[0]?.id).toBe("m1"));
    expect(texts(hook.result.current.messages)).toEqual(["hello"]);
    expect(thread.calls).toEqual(["send:hello"]);
    hook.unmount();
  });

  it("drops the optimistic message and rejects with the typed error when the send is refused", async () => {
    const thread = new FakeThread("t1");
    thread.failNextSend = new ConnectError("thread t1 is busy", Code.FailedPrecondition);
    const client = fakeServer(thread);
    const hook = renderHook(() => useAgentChat({ client, threadId: "t1" }));
    await waitFor(() => expect(hook.result.current.isLoading).toBe(false));
    await act(async () => {
      await expect(hook.result.current.sendMessage("hello")).rejects.toMatchObject({
        name: "FailedPreconditionError",
      });
    });
    expect(hook.result.current.messages).toEqual([]);
    hook.unmount();
  });

  it("B11 B12 stop and resume act on the hook's thread", async () => {
    const thread = new FakeThread("t1");
    const client = fakeServer(thread);
    const hook = renderHook(() => useAgentChat({ client, threadId: "t1" }));
    await waitFor(() => expect(hook.result.current.isLoading).toBe(false));
    await act(async () => {
      await hook.result.current.stop();
      await hook.result.current.resume();
      await hook.result.current.resume("go on");
    });
    expect(thread.calls).toEqual(["stop", "resume:", "resume:go on"]);
    hook.unmount();
  });
});

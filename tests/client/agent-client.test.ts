// The typed client of @durable-agents/client against a real server (issue #6): every RPC through a
// typed method, over each protocol the server speaks, with plain TypeScript values in and out and
// typed errors carrying the server's reasons (DESIGN §3).
import {
  type AgentClient,
  type AgentClientOptions,
  createAgentClient,
  isFailedPreconditionError,
  isInvalidArgumentError,
  isNotFoundError,
  type StreamUpdate,
  type ThreadView,
} from "@durable-agents/client";
import type { UIMessage } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { within } from "../support/deadline.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");

/** The first view `accept` holds for (the watch ends then), within a deadline. */
async function waitForView(
  client: AgentClient,
  threadId: string,
  accept: (view: ThreadView) => boolean,
): Promise<ThreadView> {
  const stop = new AbortController();
  return within(
    (async () => {
      for await (const view of client.watchThread(threadId, { signal: stop.signal })) {
        if (accept(view)) return view;
      }
      throw new Error("the watch ended");
    })(),
    10_000,
    "the thread to reach the expected view",
  ).finally(() => stop.abort());
}

const idleWith = (count: number) => (view: ThreadView) =>
  !view.isRunning && view.thread.activeStreamId === undefined && view.messages.length === count;

/** The error a call rejects with. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error: unknown) {
    return error;
  }
  throw new Error("the call succeeded; an error was expected");
}

describe("createAgentClient (issue #6)", () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startTestServer();
  });
  afterAll(async () => {
    await test.close();
  });

  const protocols: [string, Omit<AgentClientOptions, "baseUrl">][] = [
    ["connect over HTTP/2 (the default)", {}],
    ["connect over HTTP/1.1", { httpVersion: "1.1" }],
    ["connect over fetch", { fetch: globalThis.fetch }],
    ["grpc", { protocol: "grpc" }],
    ["grpc-web over HTTP/2", { protocol: "grpc-web" }],
    ["grpc-web over fetch", { protocol: "grpc-web", fetch: globalThis.fetch }],
  ];

  it.each(protocols)(
    "B1 %s: creates a thread, watches it answer and reads it back",
    async (_name, options) => {
      const client = createAgentClient({ baseUrl: test.server.url, ...options });
      try {
        const thread = await client.createThread({ agent: "demo", prompt: "hi" });
        expect(thread).toMatchObject({ agent: "demo", status: "streaming", seq: 1 });
        const view = await waitForView(client, thread.threadId, idleWith(2));
        expect(view.status).toBe("completed");
        const { messages, details } = await client.listMessages(thread.threadId);
        expect(messages.map(textOf)).toEqual(["hi", "You said: hi"]);
        expect(view.messages).toStrictEqual(messages);
        expect(details.map((d) => [d.messageId, d.committedSeq])).toEqual([
          [messages[0]?.id, 0],
          [messages[1]?.id, 1],
        ]);
        const missing = await failure(client.getThread("00000000-0000-4000-8000-000000000000"));
        expect(isNotFoundError(missing) && missing.reason).toBe("THREAD_NOT_FOUND");
      } finally {
        client.close();
      }
    },
  );

  it("refuses the grpc protocol over fetch, which cannot read HTTP/2 trailers", () => {
    expect(() =>
      createAgentClient({ baseUrl: test.server.url, protocol: "grpc", fetch: globalThis.fetch }),
    ).toThrow(TypeError);
  });

  describe("every RPC", () => {
    let client: AgentClient;
    beforeAll(() => {
      client = createAgentClient({ baseUrl: test.server.url });
    });
    afterAll(() => {
      client.close();
    });

    it("B1 B24 ThreadService: create, get, list with filters and pages, delete (B21)", async () => {
      const history: UIMessage[] = [
        { id: "", role: "user", parts: [{ type: "text", text: "earlier" }] },
      ];
      const created = await client.createThread({
        agent: "demo",
        messages: history,
        metadata: { project: "p1" },
      });
      expect(created).toMatchObject({
        status: "completed",
        seq: 0,
        stopSignal: false,
        metadata: { project: "p1" },
        activeStreamId: undefined,
      });
      expect(created.createTime).toBeInstanceOf(Date);
      expect(await client.getThread(created.threadId)).toMatchObject({
        threadId: created.threadId,
        version: created.version,
      });
      const { messages } = await client.listMessages(created.threadId);
      expect(messages.map(textOf)).toEqual(["earlier"]);

      const second = await client.createThread({ agent: "demo" });
      const firstPage = await client.listThreads({ pageSize: 1, agent: "demo" });
      expect(firstPage.threads.map((t) => t.threadId)).toEqual([second.threadId]);
      expect(firstPage.nextPageToken).toEqual(expect.any(String));
      const nextPage = await client.listThreads({
        pageSize: 1,
        agent: "demo",
        pageToken: firstPage.nextPageToken,
      });
      expect(nextPage.threads.map((t) => t.threadId)).toEqual([created.threadId]);
      const none = await client.listThreads({ statuses: ["failed"] });
      expect(none).toEqual({ threads: [], nextPageToken: undefined });

      await client.deleteThread(second.threadId);
      expect(await failure(client.getThread(second.threadId))).toMatchObject({
        name: "NotFoundError",
        code: "not_found",
        metadata: { thread_id: second.threadId },
      });
    });

    it("B13 B14 B11 B12 sendMessage, addMessage, stopThread, resumeThread", async () => {
      const thread = await client.createThread({ agent: "demo" });
      const added = await client.addMessage(thread.threadId, {
        id: "",
        role: "system",
        parts: [{ type: "text", text: "Be brief." }],
      });
      expect(added.message).toMatchObject({ role: "system", parts: [{ text: "Be brief." }] });
      expect(added.message.id).not.toBe("");
      const sent = await client.sendMessage(thread.threadId, {
        id: "",
        role: "user",
        parts: [{ type: "text", text: "one" }],
      });
      expect(sent).toMatchObject({ enqueued: false, thread: { status: "streaming" } });
      expect(textOf(sent.message)).toBe("one");
      await waitForView(client, thread.threadId, idleWith(3));
      const stopped = await client.stopThread(thread.threadId);
      expect(stopped.stopSignal).toBe(true);
      const resumed = await client.resumeThread(thread.threadId, { prompt: "two" });
      expect(resumed.stopSignal).toBe(false);
      await waitForView(client, thread.threadId, idleWith(5));
      const withoutSystem = await client.listMessages(thread.threadId);
      expect(withoutSystem.messages.map(textOf)).toEqual([
        "one",
        "You said: one",
        "two",
        "You said: two",
      ]);
      const all = await client.listMessages(thread.threadId, { includeSystem: true, pageSize: 2 });
      expect(all.messages.map(textOf)).toEqual(["Be brief.", "one"]);
      expect(all.nextPageToken).toEqual(expect.any(String));
      // B12: nothing to resume without a prompt once the last message is the assistant's.
      const refused = await failure(client.resumeThread(thread.threadId));
      expect(isFailedPreconditionError(refused) && refused.reason).toBe("NOTHING_TO_RESUME");
    });

    it("B16 B17 B18 ToolCallService: an async call answered, timed, listed; a second answer ignored", async () => {
      const thread = await client.createThread({ agent: "demo", prompt: "please approve" });
      const waiting = await waitForView(
        client,
        thread.threadId,
        (view) => view.status === "awaiting_tool_results",
      );
      const [call] = waiting.toolCalls;
      expect(call).toMatchObject({
        toolName: "request_approval",
        kind: "async",
        status: "pending",
        args: { request: "please approve" },
        result: undefined,
      });
      const toolCallId = call?.toolCallId ?? "";
      // B13: the thread is busy while the call is pending.
      const busy = await failure(client.sendMessage(thread.threadId, "hello?"));
      expect(isFailedPreconditionError(busy) && busy.reason).toBe("THREAD_BUSY");
      const timed = await client.setToolCallTimeout(thread.threadId, toolCallId, 60_000);
      expect(timed.deadline).toBeInstanceOf(Date);
      const untimed = await client.setToolCallTimeout(thread.threadId, toolCallId, undefined);
      expect(untimed.deadline).toBeUndefined();
      const nonPositive = await failure(client.setToolCallTimeout(thread.threadId, toolCallId, 0));
      expect(isInvalidArgumentError(nonPositive) && nonPositive.fieldViolations.length).toBe(1);
      expect(await client.getToolCall(thread.threadId, toolCallId)).toMatchObject({
        status: "pending",
      });

      const first = await client.addToolResult(thread.threadId, toolCallId, { ok: true });
      expect(first).toMatchObject({
        applied: true,
        toolCall: { status: "completed", result: { ok: true } },
      });
      const second = await client.addToolError(thread.threadId, toolCallId, "too late");
      expect(second).toMatchObject({ applied: false, toolCall: { status: "completed" } });
      const done = await waitForView(client, thread.threadId, idleWith(2));
      expect(textOf(done.messages[1])).toBe('Approval result: {"ok":true}');
      const listed = await client.listToolCalls(thread.threadId, { statuses: ["completed"] });
      expect(listed.toolCalls.map((c) => c.toolCallId)).toEqual([toolCallId]);
      expect(await client.listToolCalls(thread.threadId, { statuses: ["pending"] })).toEqual({
        toolCalls: [],
        nextPageToken: undefined,
      });
    });

    it("RegisterTools and ListTools keep a runner's definitions", async () => {
      const registered = await client.registerTools(
        [
          {
            name: "lookup_order",
            description: "Finds an order by id.",
            inputSchema: { type: "object", properties: { id: { type: "string" } } },
            retry: {
              enabled: true,
              maxAttempts: 4,
              backoff: { initialDelayMs: 200, multiplier: 2, maxDelayMs: 5_000, jitter: true },
            },
            timeoutMs: 90_000,
          },
        ],
        { runnerId: "runner-1" },
      );
      expect(registered).toMatchObject([
        {
          name: "lookup_order",
          kind: "sync",
          runnerId: "runner-1",
          timeoutMs: 90_000,
          retry: { enabled: true, maxAttempts: 4, backoff: { initialDelayMs: 200 } },
        },
      ]);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain("lookup_order");
    });

    it("AgentService lists the demo agent and refuses an unknown one", async () => {
      const { agents } = await client.listAgents();
      expect(agents.map((agent) => agent.name)).toContain("demo");
      const demo = await client.getAgent("demo");
      expect(demo).toMatchObject({
        model: "demo:echo",
        tools: expect.arrayContaining(["get_weather", "request_approval"]),
        streaming: { saveDeltas: true },
      });
      const unknown = await failure(client.getAgent("nobody"));
      expect(isNotFoundError(unknown) && unknown.reason).toBe("AGENT_NOT_FOUND");
      const badAgent = await failure(client.createThread({ agent: "nobody" }));
      expect(
        isInvalidArgumentError(badAgent) && badAgent.fieldViolations.map((v) => v.field),
      ).toEqual(["agent"]);
    });

    it("B20 AdminService: recovery reports how many threads and tool calls it continued", async () => {
      expect(await client.recoverThreads()).toBe(0);
      expect(await client.resumePendingToolExecutions()).toBe(0);
    });

    it("X1 StreamUpdates: a thread's deltas as AI SDK chunks, each with its cursor", async () => {
      const thread = await client.createThread({ agent: "demo", prompt: "stream me" });
      await waitForView(client, thread.threadId, idleWith(2));
      const updates: StreamUpdate[] = [];
      for await (const update of client.streamUpdates(thread.threadId, { historyOnly: true })) {
        updates.push(update);
      }
      const text = updates
        .flatMap((update) => (update.type === "delta" ? update.delta.chunks : []))
        .flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : []))
        .join("");
      expect(text).toBe("You said: stream me");
      expect(updates.at(-1)).toMatchObject({ type: "caught_up" });
      // Resuming after the first delta yields the rest, and nothing before it.
      const firstIndex = updates.findIndex((update) => update.type === "delta");
      const first = updates[firstIndex];
      expect(first).toBeDefined();
      const rest: StreamUpdate[] = [];
      for await (const update of client.streamUpdates(thread.threadId, {
        after: first?.cursor,
        historyOnly: true,
      })) {
        rest.push(update);
      }
      expect(rest).toEqual(updates.slice(firstIndex + 1));
    });
  });
});

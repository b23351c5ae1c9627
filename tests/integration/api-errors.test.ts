// User mistakes get the gRPC code of DESIGN §3 with google.rpc details, through real HTTP/2 gRPC on
// port 0: an unknown thread is NOT_FOUND on every thread-scoped RPC, bad input INVALID_ARGUMENT
// with BadRequest field violations — never UNKNOWN or INTERNAL.
import { googleRpc, Role } from "@durable-agents/core/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRpcError, failureOf, rpcError } from "../support/rpc-errors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";

/** Reads a server stream to its end, so its error (sent on the open stream) surfaces. */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // Only the error matters.
  }
}

const text = (value: string) => [{ part: { case: "text" as const, value: { text: value } } }];

describe("API errors (DESIGN §3)", () => {
  let test: TestServer;
  let threadId: string;
  beforeAll(async () => {
    test = await startTestServer();
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "hi" });
    threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, isIdle);
  });
  afterAll(async () => {
    await test.close();
  });

  /** Every RPC scoped to one thread, called for `id`. */
  function threadScopedCalls(id: string): Record<string, () => Promise<unknown>> {
    const { threads, streams, toolCalls } = test;
    return {
      GetThread: () => threads.getThread({ threadId: id }),
      DeleteThread: () => threads.deleteThread({ threadId: id }),
      SendMessage: () =>
        threads.sendMessage({ threadId: id, content: { case: "prompt", value: "x" } }),
      AddMessage: () =>
        threads.addMessage({ threadId: id, message: { role: Role.USER, parts: text("x") } }),
      ResumeThread: () => threads.resumeThread({ threadId: id, prompt: "x" }),
      StopThread: () => threads.stopThread({ threadId: id }),
      ListMessages: () => threads.listMessages({ threadId: id }),
      StreamUpdates: () => drain(streams.streamUpdates({ threadId: id, historyOnly: true })),
      WatchThread: () => drain(streams.watchThread({ threadId: id, historyOnly: true })),
      AddToolResult: () => toolCalls.addToolResult({ threadId: id, toolCallId: "call_1" }),
      AddToolError: () =>
        toolCalls.addToolError({ threadId: id, toolCallId: "call_1", error: "e" }),
      SetToolCallTimeout: () =>
        toolCalls.setToolCallTimeout({ threadId: id, toolCallId: "call_1" }),
      GetToolCall: () => toolCalls.getToolCall({ threadId: id, toolCallId: "call_1" }),
      ListToolCalls: () => toolCalls.listToolCalls({ threadId: id }),
    };
  }

  it("§3 an unknown thread is NOT_FOUND (THREAD_NOT_FOUND, naming it) on every thread-scoped RPC", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    const seen: Record<string, unknown> = {};
    for (const [name, call] of Object.entries(threadScopedCalls(missing))) {
      const error = await rpcError(call());
      const [info] = error.findDetails(googleRpc.ErrorInfoSchema);
      seen[name] = {
        ...describeRpcError(error),
        namesThread: error.rawMessage.includes(missing),
        metadata: info?.metadata,
      };
    }
    const expected = {
      code: "NotFound",
      reason: "THREAD_NOT_FOUND",
      fields: [],
      namesThread: true,
      metadata: { thread_id: missing },
    };
    expect(seen).toEqual(
      Object.fromEntries(Object.keys(threadScopedCalls(missing)).map((name) => [name, expected])),
    );
  });

  it("§3 an empty thread_id is INVALID_ARGUMENT with a BadRequest violation of field thread_id", async () => {
    const seen: Record<string, unknown> = {};
    for (const [name, call] of Object.entries(threadScopedCalls(""))) {
      seen[name] = await failureOf(call());
    }
    const expected = { code: "InvalidArgument", reason: "INVALID_ARGUMENT", fields: ["thread_id"] };
    expect(seen).toEqual(
      Object.fromEntries(Object.keys(threadScopedCalls("")).map((name) => [name, expected])),
    );
  });

  it("§3 B1 B12 B13 B14 missing or malformed input is INVALID_ARGUMENT naming the field", async () => {
    const { threads, toolCalls, agents } = test;
    const cases: Record<string, [Promise<unknown>, string]> = {
      "CreateThread without agent": [threads.createThread({}), "agent"],
      "CreateThread of an unknown agent": [threads.createThread({ agent: "nobody" }), "agent"],
      "CreateThread with a blank prompt": [
        threads.createThread({ agent: "demo", prompt: "  " }),
        "prompt",
      ],
      "CreateThread with a message without role": [
        threads.createThread({ agent: "demo", messages: [{ parts: text("x") }] }),
        "messages[0].role",
      ],
      "SendMessage without content": [threads.sendMessage({ threadId }), "content"],
      "SendMessage with an empty prompt": [
        threads.sendMessage({ threadId, content: { case: "prompt", value: "" } }),
        "prompt",
      ],
      "SendMessage with an assistant message": [
        threads.sendMessage({
          threadId,
          content: { case: "message", value: { role: Role.ASSISTANT, parts: text("x") } },
        }),
        "message.role",
      ],
      "AddMessage without message": [threads.addMessage({ threadId }), "message"],
      "AddMessage without parts": [
        threads.addMessage({ threadId, message: { role: Role.USER } }),
        "message.parts",
      ],
      "ResumeThread with an empty prompt": [
        threads.resumeThread({ threadId, prompt: "" }),
        "prompt",
      ],
      "ListThreads with a foreign page token": [
        threads.listThreads({ pageToken: "not-a-token" }),
        "page_token",
      ],
      "ListMessages with a negative page size": [
        threads.listMessages({ threadId, pageSize: -1 }),
        "page_size",
      ],
      "AddToolError without error": [
        toolCalls.addToolError({ threadId, toolCallId: "call_1", error: "" }),
        "error",
      ],
      "GetToolCall without tool_call_id": [
        toolCalls.getToolCall({ threadId, toolCallId: "" }),
        "tool_call_id",
      ],
      "RegisterTools with a bad name": [
        toolCalls.registerTools({ tools: [{ name: "no spaces allowed" }] }),
        "tools[0].name",
      ],
      "GetAgent without name": [agents.getAgent({ name: "" }), "name"],
    };
    const seen: Record<string, unknown> = {};
    for (const [name, [call]] of Object.entries(cases)) seen[name] = await failureOf(call);
    expect(seen).toEqual(
      Object.fromEntries(
        Object.entries(cases).map(([name, [, field]]) => [
          name,
          { code: "InvalidArgument", reason: "INVALID_ARGUMENT", fields: [field] },
        ]),
      ),
    );
    // Nothing was stored by the refused calls.
    expect((await threads.listMessages({ threadId })).messages).toHaveLength(2);
    expect((await threads.listThreads({})).threads).toHaveLength(1);
  });

  it("§3 B17 an unknown agent or tool call is NOT_FOUND with its own reason", async () => {
    expect(await failureOf(test.agents.getAgent({ name: "nobody" }))).toEqual({
      code: "NotFound",
      reason: "AGENT_NOT_FOUND",
      fields: [],
    });
    expect(
      await failureOf(test.toolCalls.getToolCall({ threadId, toolCallId: "no_such_call" })),
    ).toEqual({ code: "NotFound", reason: "TOOL_CALL_NOT_FOUND", fields: [] });
    expect(
      await failureOf(test.toolCalls.addToolResult({ threadId, toolCallId: "no_such_call" })),
    ).toEqual({ code: "NotFound", reason: "TOOL_CALL_NOT_FOUND", fields: [] });
  });
});

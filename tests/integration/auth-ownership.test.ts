// X5 acceptance: a thread belongs to the principal that created it. Every thread-scoped RPC of
// another principal answers NOT_FOUND (never revealing that the thread exists) and leaves the
// thread exactly as it was; ListThreads lists only the caller's threads; AdminService needs the
// admin role and RegisterTools the runner (or admin) role.
import { Code, ConnectError } from "@connectrpc/connect";
import { Role, ThreadStatus, ToolCallStatus, ToolKind } from "@durable-agents/core/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SERVICES, type AuthClients, clientsWithToken } from "../support/auth-clients.js";
import { listAllMessages } from "../support/conversation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, waitForThread } from "../support/wait.js";

const KEYS = {
  alice: "dak_alice_91c3",
  bob: "dak_bob_27fe",
  ops: "dak_ops_5d10",
  runner: "dak_runner_e6a2",
} as const;

/** Resolves with the status code a call (unary, or a stream read to its end) fails with. */
async function codeOf(call: Promise<unknown> | AsyncIterable<unknown>): Promise<string> {
  try {
    if (Symbol.asyncIterator in call) {
      for await (const _message of call) {
        // A stream of another principal's thread must fail before it yields anything.
        return "yielded a message";
      }
    } else {
      await call;
    }
  } catch (error: unknown) {
    return Code[ConnectError.from(error).code];
  }
  return "succeeded";
}

describe("thread ownership and roles (X5)", { timeout: 60_000 }, () => {
  let test: TestServer;
  let alice: AuthClients;
  let bob: AuthClients;
  let threadId: string;
  let toolCallId: string;

  beforeAll(async () => {
    test = await startTestServer({
      config: {
        auth: {
          apiKeys: [
            { key: KEYS.alice, principal: "alice" },
            { key: KEYS.bob, principal: "bob" },
            { key: KEYS.ops, principal: "ops", roles: ["admin"] },
            { key: KEYS.runner, principal: "runner-1", roles: ["runner"] },
          ],
        },
      },
    });
    alice = clientsWithToken(test.server.url, KEYS.alice);
    bob = clientsWithToken(test.server.url, KEYS.bob);
    // Alice's thread waits on an async tool call (B16), so the tool-call RPCs have a target.
    const { thread } = await alice.threads.createThread({
      agent: "demo",
      prompt: "please approve my trip",
    });
    threadId = thread?.threadId ?? "";
    await waitForThread(alice.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const { toolCalls } = await alice.toolCalls.listToolCalls({ threadId });
    toolCallId = toolCalls[0]?.toolCallId ?? "";
  });
  afterAll(async () => {
    await test.close();
  });

  /** Bob's attempt at each thread-scoped RPC, with a request that would be valid for Alice. */
  const attempts: Record<string, () => Promise<unknown> | AsyncIterable<unknown>> = {
    "ThreadService/GetThread": () => bob.threads.getThread({ threadId }),
    "ThreadService/DeleteThread": () => bob.threads.deleteThread({ threadId }),
    "ThreadService/SendMessage": () =>
      bob.threads.sendMessage({ threadId, content: { case: "prompt", value: "hello" } }),
    "ThreadService/AddMessage": () =>
      bob.threads.addMessage({
        threadId,
        message: { role: Role.USER, parts: [{ part: { case: "text", value: { text: "x" } } }] },
      }),
    "ThreadService/ResumeThread": () => bob.threads.resumeThread({ threadId, prompt: "go on" }),
    "ThreadService/StopThread": () => bob.threads.stopThread({ threadId }),
    "ThreadService/ListMessages": () => bob.threads.listMessages({ threadId }),
    "StreamService/StreamUpdates": () =>
      bob.streams.streamUpdates({ threadId, historyOnly: true }, { timeoutMs: 5_000 }),
    "StreamService/WatchThread": () =>
      bob.streams.watchThread({ threadId, historyOnly: true }, { timeoutMs: 5_000 }),
    "ToolCallService/AddToolResult": () =>
      bob.toolCalls.addToolResult({
        threadId,
        toolCallId,
        result: { kind: { case: "stringValue", value: "approved" } },
      }),
    "ToolCallService/AddToolError": () =>
      bob.toolCalls.addToolError({ threadId, toolCallId, error: "denied" }),
    "ToolCallService/SetToolCallTimeout": () =>
      bob.toolCalls.setToolCallTimeout({ threadId, toolCallId, timeout: { seconds: 60n } }),
    "ToolCallService/GetToolCall": () => bob.toolCalls.getToolCall({ threadId, toolCallId }),
    "ToolCallService/ListToolCalls": () => bob.toolCalls.listToolCalls({ threadId }),
  };

  it("has an attempt for every RPC of a principal's API that names a thread", () => {
    const threadScoped = API_SERVICES.filter(
      // Admin RPCs act on any thread: they need the admin role instead (tested below).
      (service) => service.typeName !== "durable_agents.v1.AdminService",
    ).flatMap((service) =>
      service.methods
        .filter((method) => method.input.fields.some((field) => field.name === "thread_id"))
        .map((method) => `${service.name}/${method.name}`),
    );
    expect(Object.keys(attempts).sort()).toEqual(threadScoped.sort());
  });

  it("answers NOT_FOUND to every thread-scoped RPC of another principal and changes nothing", async () => {
    const before = await alice.threads.getThread({ threadId });
    const messagesBefore = await listAllMessages(alice.threads, threadId);
    const callsBefore = await alice.toolCalls.listToolCalls({ threadId });

    for (const [name, attempt] of Object.entries(attempts)) {
      expect(await codeOf(attempt()), name).toBe("NotFound");
    }

    const after = await alice.threads.getThread({ threadId });
    expect(after.thread?.version).toBe(before.thread?.version);
    expect(after.thread?.status).toBe(ThreadStatus.AWAITING_TOOL_RESULTS);
    expect(after.thread?.stopSignal).toBe(false);
    expect(await listAllMessages(alice.threads, threadId)).toEqual(messagesBefore);
    const callsAfter = await alice.toolCalls.listToolCalls({ threadId });
    expect(callsAfter.toolCalls.map((call) => [call.toolCallId, call.status])).toEqual([
      [toolCallId, ToolCallStatus.PENDING],
    ]);
    expect(callsAfter).toEqual(callsBefore);
  });

  it("answers the same NOT_FOUND for a thread that does not exist", async () => {
    const missing = "01900000-0000-7000-8000-000000000000";
    const other = await bob.threads
      .getThread({ threadId })
      .catch((e: unknown) => ConnectError.from(e));
    const none = await bob.threads
      .getThread({ threadId: missing })
      .catch((e: unknown) => ConnectError.from(e));
    expect(other instanceof ConnectError && none instanceof ConnectError).toBe(true);
    expect((other as ConnectError).rawMessage.replace(threadId, "<id>")).toBe(
      (none as ConnectError).rawMessage.replace(missing, "<id>"),
    );
  });

  it("lists only the caller's own threads", async () => {
    const { thread: bobs } = await bob.threads.createThread({ agent: "demo" });
    const bobThreadId = bobs?.threadId ?? "";
    expect((await bob.threads.listThreads({})).threads.map((t) => t.threadId)).toEqual([
      bobThreadId,
    ]);
    expect((await alice.threads.listThreads({})).threads.map((t) => t.threadId)).toEqual([
      threadId,
    ]);
    // The thread Bob created is his: Alice cannot see it either.
    expect(await codeOf(alice.threads.getThread({ threadId: bobThreadId }))).toBe("NotFound");
    const ops = clientsWithToken(test.server.url, KEYS.ops);
    expect((await ops.threads.listThreads({})).threads).toEqual([]);
  });

  it("refuses every AdminService RPC without the admin role, and serves it with", async () => {
    const adminService = API_SERVICES.find(
      (service) => service.typeName === "durable_agents.v1.AdminService",
    );
    const names = adminService?.methods.map((method) => method.localName) ?? [];
    expect(names).toEqual(
      expect.arrayContaining(["recoverThreads", "resumePendingToolExecutions"]),
    );
    for (const caller of [alice, clientsWithToken(test.server.url, KEYS.runner)]) {
      for (const method of adminService?.methods ?? []) {
        const call = (
          caller.admin as unknown as Record<string, (request: object) => Promise<unknown>>
        )[method.localName];
        expect(await codeOf(call?.({}) ?? Promise.resolve()), method.name).toBe("PermissionDenied");
      }
    }
    const ops = clientsWithToken(test.server.url, KEYS.ops);
    const recovered = await ops.admin.recoverThreads({});
    expect(recovered.continuedCount).toBeGreaterThanOrEqual(0);
    const resumed = await ops.admin.resumePendingToolExecutions({});
    expect(resumed.redispatchedCount).toBeGreaterThanOrEqual(0);
  });

  it("lets runners and admins register tools, and any principal list tools and agents", async () => {
    const tool = {
      name: "lookup_order",
      description: "Looks an order up",
      kind: ToolKind.SYNC,
      inputSchema: { type: "object" },
    };
    expect(await codeOf(alice.toolCalls.registerTools({ tools: [tool] }))).toBe("PermissionDenied");
    expect((await alice.toolCalls.listTools({})).tools.map((t) => t.name)).not.toContain(
      "lookup_order",
    );
    const runner = clientsWithToken(test.server.url, KEYS.runner);
    const registered = await runner.toolCalls.registerTools({ runnerId: "r-1", tools: [tool] });
    expect(registered.tools.map((t) => t.name)).toEqual(["lookup_order"]);
    const ops = clientsWithToken(test.server.url, KEYS.ops);
    await ops.toolCalls.registerTools({ tools: [{ ...tool, description: "Looks orders up" }] });
    const { tools } = await alice.toolCalls.listTools({});
    expect(tools.find((t) => t.name === "lookup_order")?.description).toBe("Looks orders up");
    expect((await bob.agents.listAgents({})).agents.map((agent) => agent.name)).toContain("demo");
    expect((await bob.agents.getAgent({ name: "demo" })).agent?.name).toBe("demo");
  });
});

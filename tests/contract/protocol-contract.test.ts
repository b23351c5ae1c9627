// The names of DESIGN §3 are a contract: black-box tests and clients in other languages call
// them. This test fails when a service, RPC, message, field or enum value of that contract is
// renamed or removed from proto/.
import { createRegistry } from "@bufbuild/protobuf";
import { durableAgentsProtoFiles } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";

const registry = createRegistry(...durableAgentsProtoFiles);
const fullName = (name: string) => `durable_agents.v1.${name}`;

const services: Record<string, string[]> = {
  ThreadService: [
    "CreateThread",
    "GetThread",
    "ListThreads",
    "DeleteThread",
    "SendMessage",
    "AddMessage",
    "ResumeThread",
    "StopThread",
    "ListMessages",
  ],
  StreamService: ["StreamUpdates", "WatchThread"],
  ToolCallService: [
    "AddToolResult",
    "AddToolError",
    "SetToolCallTimeout",
    "GetToolCall",
    "ListToolCalls",
    "RegisterTools",
    "ListTools",
  ],
  AgentService: ["ListAgents", "GetAgent"],
  AdminService: [
    "RecoverThreads",
    "ResumePendingToolExecutions",
    "ForceFailThread",
    "RequeueToolCall",
    "ListStuck",
  ],
};

const messageFields: Record<string, string[]> = {
  CreateThreadRequest: ["agent", "prompt", "messages", "auto_start", "metadata"],
  Thread: [
    "thread_id",
    "agent",
    "status",
    "stop_signal",
    "active_stream_id",
    "retry_state",
    "seq",
    "usage",
    "create_time",
    "update_time",
    "metadata",
  ],
  RetryState: [
    "attempt",
    "max_attempts",
    "next_retry_time",
    "error",
    "kind",
    "retryable",
    "requires_explicit_handling",
  ],
  Message: [
    "message_id",
    "thread_id",
    "role",
    "parts",
    "committed_seq",
    "usage",
    "create_time",
    "metadata",
  ],
  MessagePart: ["text", "reasoning", "tool", "step_start", "source_url", "file", "data", "other"],
  SendMessageRequest: ["thread_id", "prompt", "message", "on_busy"],
  StreamUpdatesRequest: ["thread_id", "from_seq", "after", "history_only"],
  AddToolResultRequest: ["thread_id", "tool_call_id", "result"],
  AddToolErrorRequest: ["thread_id", "tool_call_id", "error"],
  SetToolCallTimeoutRequest: ["thread_id", "tool_call_id", "timeout"],
  ToolCall: [
    "thread_id",
    "tool_call_id",
    "tool_name",
    "kind",
    "args",
    "status",
    "result",
    "error",
    "attempt",
    "max_attempts",
    "last_error",
    "next_retry_time",
    "deadline",
    "runner_id",
    "last_heartbeat_time",
    "create_time",
    "update_time",
  ],
  ToolTask: [
    "thread_id",
    "tool_call_id",
    "tool_name",
    "args",
    "kind",
    "attempt",
    "max_attempts",
    "deadline",
    "trace_context",
  ],
  ToolOutcome: ["thread_id", "tool_call_id", "attempt", "result", "error", "runner_id", "duration"],
  ToolError: ["message", "name", "code", "status", "retryable_hint"],
  ListThreadsResponse: ["threads"],
  ListMessagesResponse: ["messages"],
  ListToolCallsResponse: ["tool_calls"],
  ListToolsResponse: ["tools"],
  ListAgentsResponse: ["agents"],
};

const enumValues: Record<string, string[]> = {
  ThreadStatus: [
    "THREAD_STATUS_UNSPECIFIED",
    "THREAD_STATUS_STREAMING",
    "THREAD_STATUS_AWAITING_TOOL_RESULTS",
    "THREAD_STATUS_COMPLETED",
    "THREAD_STATUS_FAILED",
    "THREAD_STATUS_STOPPED",
  ],
  Role: ["ROLE_UNSPECIFIED", "ROLE_SYSTEM", "ROLE_USER", "ROLE_ASSISTANT"],
  BusyPolicy: [
    "BUSY_POLICY_UNSPECIFIED",
    "BUSY_POLICY_REJECT",
    "BUSY_POLICY_ENQUEUE",
    "BUSY_POLICY_INTERRUPT",
  ],
  ToolKind: ["TOOL_KIND_UNSPECIFIED", "TOOL_KIND_SYNC", "TOOL_KIND_ASYNC"],
  ToolCallStatus: [
    "TOOL_CALL_STATUS_UNSPECIFIED",
    "TOOL_CALL_STATUS_PENDING",
    "TOOL_CALL_STATUS_COMPLETED",
    "TOOL_CALL_STATUS_FAILED",
  ],
};

describe("DESIGN §3 protocol contract", () => {
  describe.each(Object.entries(services))("service %s", (service, methods) => {
    it.each(methods)("has RPC %s with its own request and response", (method) => {
      const descriptor = registry.getService(fullName(service));
      const rpc = descriptor?.methods.find((candidate) => candidate.name === method);
      expect(rpc, `${service}.${method}`).toBeDefined();
      expect(rpc?.input.typeName).toBe(fullName(`${method}Request`));
      expect(rpc?.output.typeName).toBe(fullName(`${method}Response`));
    });
  });

  it("streams StreamUpdates and WatchThread from the server", () => {
    const stream = registry.getService(fullName("StreamService"));
    expect(stream?.methods.map((method) => [method.name, method.methodKind])).toEqual([
      ["StreamUpdates", "server_streaming"],
      ["WatchThread", "server_streaming"],
    ]);
  });

  it.each(Object.entries(messageFields))("message %s has the contract's fields", (name, fields) => {
    const message = registry.getMessage(fullName(name));
    expect(message, name).toBeDefined();
    const present = message?.fields.map((field) => field.name) ?? [];
    expect(present).toEqual(expect.arrayContaining(fields));
  });

  it.each(Object.entries(enumValues))("enum %s has the contract's values", (name, values) => {
    const descriptor = registry.getEnum(fullName(name));
    expect(descriptor?.values.map((value) => value.name)).toEqual(expect.arrayContaining(values));
    expect(descriptor?.values.find((value) => value.number === 0)?.name).toBe(values[0]);
  });

  it("offers a prompt or a whole message in SendMessage, never both", () => {
    const request = registry.getMessage(fullName("SendMessageRequest"));
    const content = request?.oneofs.find((oneof) => oneof.name === "content");
    expect(content?.fields.map((field) => field.name)).toEqual(["prompt", "message"]);
  });
});

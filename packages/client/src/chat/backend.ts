// The RPCs the chat makes, behind one small interface with plain inputs. It is built on the
// generated Connect clients; moving the chat onto the typed client (createAgentClient) replaces
// this file and the event source of thread-view.ts, nothing else.
import type { JsonValue } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { jsonToProtoValue } from "@durable-agents/core";
import {
  AgentService,
  StreamService,
  type Thread,
  ThreadService,
  ToolCallService,
  type WatchCursor,
  type WatchThreadResponse,
} from "@durable-agents/core/proto";

export interface ChatBackend {
  /** Checks that the agent exists (NOT_FOUND otherwise). */
  getAgent(name: string): Promise<void>;
  getThread(threadId: string): Promise<Thread>;
  /** Creates an idle thread and returns its id. */
  createThread(agent: string): Promise<string>;
  /** Sends a user message (B13); resolves with the thread right after. */
  sendMessage(threadId: string, text: string): Promise<Thread>;
  stopThread(threadId: string): Promise<void>;
  addToolResult(threadId: string, toolCallId: string, result: JsonValue): Promise<void>;
  addToolError(threadId: string, toolCallId: string, error: string): Promise<void>;
  /**
   * WatchThread from `after` (a snapshot first when unset). The call ends when `signal` aborts:
   * connect-es response iterators have no return(), so leaving the loop alone would not end it.
   */
  watch(
    threadId: string,
    options: { after: WatchCursor | undefined; signal: AbortSignal },
  ): AsyncIterable<WatchThreadResponse>;
}

export interface ChatBackendOptions {
  /** The server's base URL, e.g. http://127.0.0.1:7700. */
  baseUrl: string;
  /** A bearer token sent with every call (X5). */
  token?: string | undefined;
}

function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the server's answer has no ${what}`);
  return value;
}

export function createChatBackend(options: ChatBackendOptions): ChatBackend {
  const transport: Transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    interceptors: options.token === undefined ? [] : [bearer(options.token)],
  });
  const threads: Client<typeof ThreadService> = createClient(ThreadService, transport);
  const streams: Client<typeof StreamService> = createClient(StreamService, transport);
  const toolCalls: Client<typeof ToolCallService> = createClient(ToolCallService, transport);
  const agents: Client<typeof AgentService> = createClient(AgentService, transport);
  return {
    async getAgent(name) {
      await agents.getAgent({ name });
    },
    async getThread(threadId) {
      return required((await threads.getThread({ threadId })).thread, "thread");
    },
    async createThread(agent) {
      return required((await threads.createThread({ agent })).thread, "thread").threadId;
    },
    async sendMessage(threadId, text) {
      const response = await threads.sendMessage({
        threadId,
        content: { case: "prompt", value: text },
      });
      return required(response.thread, "thread");
    },
    async stopThread(threadId) {
      await threads.stopThread({ threadId });
    },
    async addToolResult(threadId, toolCallId, result) {
      await toolCalls.addToolResult({ threadId, toolCallId, result: jsonToProtoValue(result) });
    },
    async addToolError(threadId, toolCallId, error) {
      await toolCalls.addToolError({ threadId, toolCallId, error });
    },
    watch(threadId, { after, signal }) {
      return streams.watchThread({ threadId, after }, { signal });
    },
  };
}

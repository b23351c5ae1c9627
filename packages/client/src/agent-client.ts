// The typed client: one method per RPC of proto/durable_agents/v1/*_service.proto, taking and
// returning the plain shapes of types.ts, rejecting with the typed errors of errors.ts. Built on
// any Connect transport, so the Node and the browser entry points share it.
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { isConversionError, jsonToProtoValue } from "@durable-agents/core";
import {
  AdminService,
  AgentService,
  StreamService,
  type StreamUpdatesResponse,
  ThreadService,
  ToolCallService,
  type WatchThreadResponse,
} from "@durable-agents/core/proto";
import type { UIMessage } from "ai";
import { busyPolicyToProto, threadStatusToProto, toolCallStatusToProto } from "./convert/enums.js";
import {
  agentFromProto,
  deltaFromProto,
  messageDetailsFromProto,
  messageFromProto,
  retryStateFromProto,
  snapshotFromProto,
  streamCursorFromProto,
  streamStateFromProto,
  stuckThreadFromProto,
  stuckToolCallFromProto,
  threadFromProto,
  toolCallFromProto,
  toolDefinitionFromProto,
  watchCursorFromProto,
} from "./convert/from-proto.js";
import {
  messageToProto,
  streamCursorToProto,
  toolDefinitionToProto,
  watchCursorToProto,
} from "./convert/to-proto.js";
import {
  InvalidArgumentError,
  isProtocolError,
  ProtocolError,
  toAgentClientError,
} from "./errors.js";
import type { CallOptions, HeadersInit } from "./options.js";
import type {
  Agent,
  BusyPolicy,
  MessageDetails,
  StreamCursor,
  StreamUpdate,
  StuckThread,
  StuckToolCall,
  Thread,
  ThreadStatus,
  ThreadView,
  ToolCall,
  ToolCallStatus,
  ToolDefinition,
  ToolDefinitionInput,
  WatchCursor,
  WatchEvent,
} from "./types.js";
import { type WatchThreadOptions, watchThreadViews } from "./watch/watch-thread.js";

/** Paging of a list call. */
export interface PageOptions extends CallOptions {
  /** pageSize is the maximum number of items; 0 or unset means 100, at most 1000. */
  pageSize?: number;
  /** pageToken is the `nextPageToken` of the previous page. */
  pageToken?: string;
}

export interface CreateThreadInput {
  /** agent is the name of the agent that runs the thread. */
  agent: string;
  /** prompt, when set, is the first user message and starts a turn at once (B1). */
  prompt?: string;
  /** messages are added before the prompt, in order (earlier history). */
  messages?: UIMessage[];
  /** autoStart starts a turn at once even without a prompt. @default false */
  autoStart?: boolean;
  metadata?: JsonObject;
  /** Reserved for idempotent retries; the server refuses it (UNIMPLEMENTED) until it supports it. */
  requestId?: string;
}

export interface ListThreadsOptions extends PageOptions {
  /** agent lists only this agent's threads. */
  agent?: string;
  /** statuses lists only threads in one of these statuses. */
  statuses?: ThreadStatus[];
}

export interface SendMessageOptions extends CallOptions {
  /** onBusy says what happens while the tool loop runs (X3). @default "reject" */
  onBusy?: BusyPolicy;
  /** Reserved for idempotent retries; the server refuses it (UNIMPLEMENTED) until it supports it. */
  requestId?: string;
}

export interface SendMessageResult {
  thread: Thread;
  /** message is the stored user message; undefined while an enqueued message waits (X3). */
  message: UIMessage | undefined;
  /** enqueued is true when the message waits for the current loop (ENQUEUE, INTERRUPT). */
  enqueued: boolean;
}

export interface ListMessagesOptions extends PageOptions {
  /** includeSystem includes system messages, omitted by default (B24). */
  includeSystem?: boolean;
}

export interface ListMessagesResult {
  /** messages are oldest first, as the AI SDK holds them. */
  messages: UIMessage[];
  /** details are the stored fields of `messages`, in the same order. */
  details: MessageDetails[];
  nextPageToken: string | undefined;
}

export interface StreamUpdatesOptions {
  /** signal ends the call; the iteration then finishes quietly. */
  signal?: AbortSignal;
  /** fromSeq starts at the first stream whose seq is at least this; ignored with `after`. */
  fromSeq?: number;
  /** after resumes after this cursor. */
  after?: StreamCursor;
  /** historyOnly ends the call after the stored updates. */
  historyOnly?: boolean;
  headers?: HeadersInit;
}

export interface WatchThreadEventsOptions {
  /** signal ends the call; the iteration then finishes quietly. */
  signal?: AbortSignal;
  /** after resumes after this cursor; unset starts with a snapshot. */
  after?: WatchCursor;
  /** historyOnly ends the call after the stored updates. */
  historyOnly?: boolean;
  headers?: HeadersInit;
}

export interface ToolCallResult {
  toolCall: ToolCall;
  /** applied is false when the call was already finished and the request ignored (B17). */
  applied: boolean;
}

export interface ListToolCallsOptions extends PageOptions {
  statuses?: ToolCallStatus[];
}

/** The generated Connect clients, for what the typed methods do not cover (errors unmapped). */
export interface AgentServices {
  threads: Client<typeof ThreadService>;
  streams: Client<typeof StreamService>;
  toolCalls: Client<typeof ToolCallService>;
  agents: Client<typeof AgentService>;
  admin: Client<typeof AdminService>;
}

/** AgentClient has one method per RPC of the durable-agents API, plus `watchThread`. */
export interface AgentClient {
  // ThreadService
  /** CreateThread; with a prompt (or autoStart) the first turn starts at once (B1). */
  createThread(input: CreateThreadInput, options?: CallOptions): Promise<Thread>;
  getThread(threadId: string, options?: CallOptions): Promise<Thread>;
  /** ListThreads, newest first (B24). */
  listThreads(
    options?: ListThreadsOptions,
  ): Promise<{ threads: Thread[]; nextPageToken: string | undefined }>;
  /** DeleteThread removes the thread and everything of it (B21). */
  deleteThread(threadId: string, options?: CallOptions): Promise<void>;
  /** SendMessage adds a user message (text or a whole message) and runs the loop (B13, X3). */
  sendMessage(
    threadId: string,
    content: string | UIMessage,
    options?: SendMessageOptions,
  ): Promise<SendMessageResult>;
  /** AddMessage adds a message without starting a turn (B14). */
  addMessage(
    threadId: string,
    message: UIMessage,
    options?: CallOptions,
  ): Promise<{ thread: Thread; message: UIMessage }>;
  /** ResumeThread clears the stop signal and continues, optionally with a prompt (B12). */
  resumeThread(threadId: string, options?: CallOptions & { prompt?: string }): Promise<Thread>;
  /** StopThread stops the loop; the turn in flight ends within a second (B11, X2). */
  stopThread(threadId: string, options?: CallOptions): Promise<Thread>;
  /** ListMessages, oldest first; system messages only with `includeSystem` (B24). */
  listMessages(threadId: string, options?: ListMessagesOptions): Promise<ListMessagesResult>;
  // StreamService
  /** StreamUpdates: a thread's deltas from a cursor, stored then live (X1). */
  streamUpdates(threadId: string, options?: StreamUpdatesOptions): AsyncIterable<StreamUpdate>;
  /** WatchThread's events as they arrive, converted; one call, no reconnect. */
  watchThreadEvents(
    threadId: string,
    options?: WatchThreadEventsOptions,
  ): AsyncIterable<WatchEvent>;
  /**
   * watchThread: the thread as a user interface shows it, a new view after every event —
   * committed messages merged with the output streaming — reconnecting after network drops and
   * resuming exactly where it stopped (X1).
   */
  watchThread(threadId: string, options?: WatchThreadOptions): AsyncIterable<ThreadView>;
  // ToolCallService
  /** AddToolResult completes a pending (async) tool call (B16, B17, B19). */
  addToolResult(
    threadId: string,
    toolCallId: string,
    result: JsonValue,
    options?: CallOptions,
  ): Promise<ToolCallResult>;
  /** AddToolError fails a pending tool call with an error the model will see (B17, B19). */
  addToolError(
    threadId: string,
    toolCallId: string,
    error: string,
    options?: CallOptions,
  ): Promise<ToolCallResult>;
  /** SetToolCallTimeout re-arms the deadline from now; undefined removes it (B18). */
  setToolCallTimeout(
    threadId: string,
    toolCallId: string,
    timeoutMs: number | undefined,
    options?: CallOptions,
  ): Promise<ToolCall>;
  getToolCall(threadId: string, toolCallId: string, options?: CallOptions): Promise<ToolCall>;
  /** ListToolCalls, oldest first. */
  listToolCalls(
    threadId: string,
    options?: ListToolCallsOptions,
  ): Promise<{ toolCalls: ToolCall[]; nextPageToken: string | undefined }>;
  /** RegisterTools announces a runner's tools; returns the stored definitions. */
  registerTools(
    tools: ToolDefinitionInput[],
    options?: CallOptions & { runnerId?: string },
  ): Promise<ToolDefinition[]>;
  listTools(
    options?: PageOptions,
  ): Promise<{ tools: ToolDefinition[]; nextPageToken: string | undefined }>;
  // AgentService
  listAgents(
    options?: PageOptions,
  ): Promise<{ agents: Agent[]; nextPageToken: string | undefined }>;
  getAgent(name: string, options?: CallOptions): Promise<Agent>;
  // AdminService (admin role when authentication is configured)
  /** RecoverThreads continues every streaming or awaiting thread; returns how many (B20). */
  recoverThreads(options?: CallOptions): Promise<number>;
  /** ResumePendingToolExecutions re-dispatches pending sync calls; returns how many (B20). */
  resumePendingToolExecutions(options?: CallOptions): Promise<number>;
  /** ForceFailThread fails a thread now (X10). */
  forceFailThread(threadId: string, reason: string, options?: CallOptions): Promise<Thread>;
  /** RequeueToolCall dispatches a pending sync call again as a new attempt (X10). */
  requeueToolCall(threadId: string, toolCallId: string, options?: CallOptions): Promise<ToolCall>;
  /** ListStuck lists threads and tool calls whose owner or heartbeat is gone (X10). */
  listStuck(options?: PageOptions): Promise<{
    threads: StuckThread[];
    toolCalls: StuckToolCall[];
    nextPageToken: string | undefined;
  }>;
  /** services are the generated Connect clients on the same transport. */
  readonly services: AgentServices;
  /** close ends the client's connections; calls still open fail. */
  close(): void;
}

const pageToken = (token: string) => (token === "" ? undefined : token);

function callOptions(options: CallOptions | undefined) {
  return {
    signal: options?.signal,
    timeoutMs: options?.timeoutMs,
    headers: options?.headers,
  };
}

/**
 * Runs a call, turning its failure into the typed error. A message the AI SDK conversion refuses
 * (an unknown role, a malformed part) is the caller's mistake, as the server would say.
 */
async function typed<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    if (isConversionError(error)) {
      throw new InvalidArgumentError({
        code: "invalid_argument",
        rawMessage: error.message,
        fieldViolations: [{ field: "message", description: error.message }],
        cause: error,
      });
    }
    throw toAgentClientError(error);
  }
}

/** A response the client cannot read is the server's fault, and retrying will not help. */
function convertResponse<Response, Item>(
  response: Response,
  convert: (response: Response) => Item | undefined,
): Item | undefined {
  try {
    return convert(response);
  } catch (error: unknown) {
    if (isProtocolError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProtocolError(`the server sent an update the client cannot read: ${reason}`, {
      cause: error,
    });
  }
}

/**
 * Streams a server-streaming call. Leaving the loop, or the caller's signal, cancels the call
 * (Connect iterators have no return() that would); a cancel by the caller ends it quietly.
 */
async function* streamed<Response, Item>(
  signal: AbortSignal | undefined,
  open: (signal: AbortSignal) => AsyncIterable<Response>,
  convert: (response: Response) => Item | undefined,
): AsyncGenerator<Item, void, undefined> {
  const call = new AbortController();
  const onAbort = () => call.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) call.abort();
  try {
    for await (const response of open(call.signal)) {
      const item = convertResponse(response, convert);
      if (item !== undefined) yield item;
    }
  } catch (error: unknown) {
    if (signal?.aborted) return;
    throw toAgentClientError(error);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    call.abort();
  }
}

function streamUpdateFromProto(response: StreamUpdatesResponse): StreamUpdate | undefined {
  const cursor = streamCursorFromProto(response.cursor);
  const { update } = response;
  switch (update.case) {
    case "delta":
      return { type: "delta", delta: deltaFromProto(update.value), cursor };
    case "streamState":
      return { type: "stream_state", streamState: streamStateFromProto(update.value), cursor };
    case "snapshot":
      return { type: "snapshot", snapshot: snapshotFromProto(update.value), cursor };
    case "caughtUp":
      return { type: "caught_up", cursor };
    default:
      // An update a newer server added.
      return undefined;
  }
}

export function watchEventFromProto(response: WatchThreadResponse): WatchEvent | undefined {
  const cursor = watchCursorFromProto(response.cursor);
  const { event } = response;
  switch (event.case) {
    case "snapshot":
      return { type: "snapshot", snapshot: snapshotFromProto(event.value), cursor };
    case "thread":
      return { type: "thread", thread: threadFromProto(event.value), cursor };
    case "message":
      return {
        type: "message",
        message: messageFromProto(event.value),
        details: messageDetailsFromProto(event.value),
        cursor,
      };
    case "delta":
      return { type: "delta", delta: deltaFromProto(event.value), cursor };
    case "streamState":
      return { type: "stream_state", streamState: streamStateFromProto(event.value), cursor };
    case "toolCall":
      return { type: "tool_call", toolCall: toolCallFromProto(event.value), cursor };
    case "retryScheduled": {
      const { retryState } = event.value;
      return {
        type: "retry_scheduled",
        retryState: retryState === undefined ? undefined : retryStateFromProto(retryState),
        cursor,
      };
    }
    case "caughtUp":
      return { type: "caught_up", cursor };
    default:
      return undefined;
  }
}

/** Builds the client on a transport; `close` releases what the transport holds. */
export function createAgentClientOnTransport(
  transport: Transport,
  close: () => void = () => {},
): AgentClient {
  const services: AgentServices = {
    threads: createClient(ThreadService, transport),
    streams: createClient(StreamService, transport),
    toolCalls: createClient(ToolCallService, transport),
    agents: createClient(AgentService, transport),
    admin: createClient(AdminService, transport),
  };
  const { threads, streams, toolCalls, agents, admin } = services;

  const watchThreadEvents = (threadId: string, options: WatchThreadEventsOptions = {}) =>
    streamed(
      options.signal,
      (signal) =>
        streams.watchThread(
          {
            threadId,
            after: options.after === undefined ? undefined : watchCursorToProto(options.after),
            historyOnly: options.historyOnly ?? false,
          },
          { signal, headers: options.headers },
        ),
      watchEventFromProto,
    );

  return {
    services,
    close,

    createThread: (input, options) =>
      typed(async () => {
        const response = await threads.createThread(
          {
            agent: input.agent,
            prompt: input.prompt,
            messages: (input.messages ?? []).map(messageToProto),
            autoStart: input.autoStart,
            metadata: input.metadata,
            requestId: input.requestId ?? "",
          },
          callOptions(options),
        );
        return threadFromProto(response.thread);
      }),

    getThread: (threadId, options) =>
      typed(async () => {
        const response = await threads.getThread({ threadId }, callOptions(options));
        return threadFromProto(response.thread);
      }),

    listThreads: (options = {}) =>
      typed(async () => {
        const response = await threads.listThreads(
          {
            pageSize: options.pageSize ?? 0,
            pageToken: options.pageToken ?? "",
            agent: options.agent ?? "",
            statuses: (options.statuses ?? []).map(threadStatusToProto),
          },
          callOptions(options),
        );
        return {
          threads: response.threads.map(threadFromProto),
          nextPageToken: pageToken(response.nextPageToken),
        };
      }),

    deleteThread: (threadId, options) =>
      typed(async () => {
        await threads.deleteThread({ threadId }, callOptions(options));
      }),

    sendMessage: (threadId, content, options = {}) =>
      typed(async () => {
        const response = await threads.sendMessage(
          {
            threadId,
            content:
              typeof content === "string"
                ? { case: "prompt", value: content }
                : { case: "message", value: messageToProto(content) },
            onBusy: busyPolicyToProto(options.onBusy ?? "reject"),
            requestId: options.requestId ?? "",
          },
          callOptions(options),
        );
        return {
          thread: threadFromProto(response.thread),
          message: response.message === undefined ? undefined : messageFromProto(response.message),
          enqueued: response.enqueued,
        };
      }),

    addMessage: (threadId, message, options) =>
      typed(async () => {
        const response = await threads.addMessage(
          { threadId, message: messageToProto(message) },
          callOptions(options),
        );
        return {
          thread: threadFromProto(response.thread),
          message: messageFromProto(response.message),
        };
      }),

    resumeThread: (threadId, options = {}) =>
      typed(async () => {
        const response = await threads.resumeThread(
          { threadId, prompt: options.prompt },
          callOptions(options),
        );
        return threadFromProto(response.thread);
      }),

    stopThread: (threadId, options) =>
      typed(async () => {
        const response = await threads.stopThread({ threadId }, callOptions(options));
        return threadFromProto(response.thread);
      }),

    listMessages: (threadId, options = {}) =>
      typed(async () => {
        const response = await threads.listMessages(
          {
            threadId,
            pageSize: options.pageSize ?? 0,
            pageToken: options.pageToken ?? "",
            includeSystem: options.includeSystem ?? false,
          },
          callOptions(options),
        );
        return {
          messages: response.messages.map(messageFromProto),
          details: response.messages.map(messageDetailsFromProto),
          nextPageToken: pageToken(response.nextPageToken),
        };
      }),

    streamUpdates: (threadId, options = {}) =>
      streamed(
        options.signal,
        (signal) =>
          streams.streamUpdates(
            {
              threadId,
              fromSeq: BigInt(options.fromSeq ?? 0),
              after: options.after === undefined ? undefined : streamCursorToProto(options.after),
              historyOnly: options.historyOnly ?? false,
            },
            { signal, headers: options.headers },
          ),
        streamUpdateFromProto,
      ),

    watchThreadEvents,

    watchThread: (threadId, options = {}) =>
      watchThreadViews(
        ({ after, historyOnly, signal }) =>
          watchThreadEvents(threadId, { after, historyOnly, signal }),
        options,
      ),

    addToolResult: (threadId, toolCallId, result, options) =>
      typed(async () => {
        const response = await toolCalls.addToolResult(
          { threadId, toolCallId, result: jsonToProtoValue(result) },
          callOptions(options),
        );
        return { toolCall: toolCallFromProto(response.toolCall), applied: response.applied };
      }),

    addToolError: (threadId, toolCallId, error, options) =>
      typed(async () => {
        const response = await toolCalls.addToolError(
          { threadId, toolCallId, error },
          callOptions(options),
        );
        return { toolCall: toolCallFromProto(response.toolCall), applied: response.applied };
      }),

    setToolCallTimeout: (threadId, toolCallId, timeoutMs, options) =>
      typed(async () => {
        const response = await toolCalls.setToolCallTimeout(
          {
            threadId,
            toolCallId,
            timeout: timeoutMs === undefined ? undefined : durationFromMs(timeoutMs),
          },
          callOptions(options),
        );
        return toolCallFromProto(response.toolCall);
      }),

    getToolCall: (threadId, toolCallId, options) =>
      typed(async () => {
        const response = await toolCalls.getToolCall(
          { threadId, toolCallId },
          callOptions(options),
        );
        return toolCallFromProto(response.toolCall);
      }),

    listToolCalls: (threadId, options = {}) =>
      typed(async () => {
        const response = await toolCalls.listToolCalls(
          {
            threadId,
            statuses: (options.statuses ?? []).map(toolCallStatusToProto),
            pageSize: options.pageSize ?? 0,
            pageToken: options.pageToken ?? "",
          },
          callOptions(options),
        );
        return {
          toolCalls: response.toolCalls.map(toolCallFromProto),
          nextPageToken: pageToken(response.nextPageToken),
        };
      }),

    registerTools: (tools, options = {}) =>
      typed(async () => {
        const response = await toolCalls.registerTools(
          { runnerId: options.runnerId ?? "", tools: tools.map(toolDefinitionToProto) },
          callOptions(options),
        );
        return response.tools.map(toolDefinitionFromProto);
      }),

    listTools: (options = {}) =>
      typed(async () => {
        const response = await toolCalls.listTools(
          { pageSize: options.pageSize ?? 0, pageToken: options.pageToken ?? "" },
          callOptions(options),
        );
        return {
          tools: response.tools.map(toolDefinitionFromProto),
          nextPageToken: pageToken(response.nextPageToken),
        };
      }),

    listAgents: (options = {}) =>
      typed(async () => {
        const response = await agents.listAgents(
          { pageSize: options.pageSize ?? 0, pageToken: options.pageToken ?? "" },
          callOptions(options),
        );
        return {
          agents: response.agents.map(agentFromProto),
          nextPageToken: pageToken(response.nextPageToken),
        };
      }),

    getAgent: (name, options) =>
      typed(async () => {
        const response = await agents.getAgent({ name }, callOptions(options));
        return agentFromProto(response.agent);
      }),

    recoverThreads: (options) =>
      typed(async () => {
        const response = await admin.recoverThreads({}, callOptions(options));
        return response.continuedCount;
      }),

    resumePendingToolExecutions: (options) =>
      typed(async () => {
        const response = await admin.resumePendingToolExecutions({}, callOptions(options));
        return response.redispatchedCount;
      }),

    forceFailThread: (threadId, reason, options) =>
      typed(async () => {
        const response = await admin.forceFailThread({ threadId, reason }, callOptions(options));
        return threadFromProto(response.thread);
      }),

    requeueToolCall: (threadId, toolCallId, options) =>
      typed(async () => {
        const response = await admin.requeueToolCall(
          { threadId, toolCallId },
          callOptions(options),
        );
        return toolCallFromProto(response.toolCall);
      }),

    listStuck: (options = {}) =>
      typed(async () => {
        const response = await admin.listStuck(
          { pageSize: options.pageSize ?? 0, pageToken: options.pageToken ?? "" },
          callOptions(options),
        );
        return {
          threads: response.threads.map(stuckThreadFromProto),
          toolCalls: response.toolCalls.map(stuckToolCallFromProto),
          nextPageToken: pageToken(response.nextPageToken),
        };
      }),
  };
}

// The plain TypeScript shapes of the API (DESIGN §3) that the client hands out instead of the
// generated protobuf messages: numbers instead of bigint, Dates instead of Timestamps, durations in
// ms, enums as lower-case string unions, JSON as JSON, and AI SDK types for messages and chunks.
// A value a newer server adds to an enum arrives as its lower-case protobuf name.
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { LanguageModelUsage, UIMessage, UIMessageChunk } from "ai";

/** ThreadStatus is where a thread's tool loop stands (`Thread.status`). */
export type ThreadStatus =
  | "streaming"
  | "awaiting_tool_results"
  | "completed"
  | "failed"
  | "stopped";

/** ErrorKind is the class of a turn error (B22, X8). */
export type ErrorKind =
  | "unknown"
  | "context_overflow"
  | "insufficient_credits"
  | "auth"
  | "rate_limited"
  | "provider_5xx"
  | "network"
  | "invalid_request"
  | "max_steps_exceeded"
  | "forced";

/** BusyPolicy says what SendMessage does while the tool loop runs (X3). */
export type BusyPolicy = "reject" | "enqueue" | "interrupt";

/** ToolKind says how a tool produces its result (B15, B16). */
export type ToolKind = "sync" | "async";

/** ToolCallStatus is the outcome state of a tool call. */
export type ToolCallStatus = "pending" | "completed" | "failed";

/** ToolExecutionState is where the execution of a tool call stands (X9). */
export type ToolExecutionState =
  | "queued"
  | "claimed"
  | "running"
  | "retry_scheduled"
  | "awaiting_result"
  | "done";

/** StreamStatus is the lifecycle state of a stream (one turn, or one tool outcome). */
export type StreamStatus = "pending" | "streaming" | "finished" | "aborted";

/** StuckReason says why a thread or tool call is listed as stuck (X10). */
export type StuckReason =
  | "stream_heartbeat_lost"
  | "stream_never_taken"
  | "no_active_stream"
  | "retry_overdue"
  | "tool_not_dispatched"
  | "tool_heartbeat_lost"
  | "tool_deadline_passed";

/** RetryState describes a pending retry of a failed turn (B9, X8). */
export interface RetryState {
  /** attempt is the attempt that failed, from 1. */
  attempt: number;
  maxAttempts: number;
  /** nextRetryTime is when the turn is retried. */
  nextRetryTime: Date | undefined;
  /** error is the text of the error that caused the retry. */
  error: string;
  kind: ErrorKind;
  retryable: boolean;
  requiresExplicitHandling: boolean;
  /** providerRetryAfterMs is the delay the provider asked for (Retry-After), when it sent one. */
  providerRetryAfterMs: number | undefined;
  /** outputEmitted tells whether the failed attempt had streamed meaningful output. */
  outputEmitted: boolean;
}

/** ThreadFailure describes why a thread failed (X8). */
export interface ThreadFailure {
  error: string;
  kind: ErrorKind;
  retryable: boolean;
  requiresExplicitHandling: boolean;
  attempt: number;
  maxAttempts: number;
  providerRetryAfterMs: number | undefined;
  outputEmitted: boolean;
  failTime: Date | undefined;
}

/** Thread is a conversation with one agent and the state of its tool loop. */
export interface Thread {
  threadId: string;
  agent: string;
  status: ThreadStatus;
  /** stopSignal is true after StopThread until the thread is resumed (B11, B12). */
  stopSignal: boolean;
  /** activeStreamId identifies the stream of the turn in progress; undefined when none runs. */
  activeStreamId: string | undefined;
  /** retryState is set while a failed turn waits to be retried (B9). */
  retryState: RetryState | undefined;
  /** failure is set while the status is `failed` (X8). */
  failure: ThreadFailure | undefined;
  /** seq is the seq of the thread's latest stream; 0 for a new thread (B1). */
  seq: number;
  /** version increases with every change of the thread, its messages or its tool calls. */
  version: number;
  /** queuedMessageCount is how many BUSY_POLICY_ENQUEUE messages wait (X3). */
  queuedMessageCount: number;
  /** usage sums the token usage of every model response in the thread (B24). */
  usage: LanguageModelUsage;
  createTime: Date | undefined;
  updateTime: Date | undefined;
  metadata: JsonObject;
}

/** MessageDetails is what the server stores with a message beyond the AI SDK's `UIMessage`. */
export interface MessageDetails {
  messageId: string;
  threadId: string;
  /** committedSeq is the seq of the stream whose turn committed the message (B7); 0 otherwise. */
  committedSeq: number;
  createTime: Date | undefined;
  /** usage is the tokens spent producing the message (B24); undefined for user messages. */
  usage: LanguageModelUsage | undefined;
}

/** ToolCall is one call of a tool by the model, and its execution (X9). */
export interface ToolCall {
  threadId: string;
  toolCallId: string;
  toolName: string;
  kind: ToolKind;
  /** args are the arguments the model passed. */
  args: JsonValue;
  status: ToolCallStatus;
  /** result is the tool's result; undefined unless the status is `completed`. */
  result: JsonValue | undefined;
  /** error is the final error text; undefined unless the status is `failed`. */
  error: string | undefined;
  /** attempt is the current or last execution attempt, from 1; 0 before the first dispatch. */
  attempt: number;
  maxAttempts: number;
  lastError: string | undefined;
  nextRetryTime: Date | undefined;
  /** deadline is when a still pending call fails with a timeout (B18); undefined for none. */
  deadline: Date | undefined;
  runnerId: string | undefined;
  lastHeartbeatTime: Date | undefined;
  createTime: Date | undefined;
  updateTime: Date | undefined;
  executionState: ToolExecutionState;
  /** messageId identifies the assistant message whose tool part made the call. */
  messageId: string;
}

/** BackoffPolicy: initialDelayMs × multiplier^(attempt − 1), capped, optionally fully jittered. */
export interface BackoffPolicy {
  initialDelayMs: number;
  /** multiplier grows the delay after each attempt; 1 gives a fixed delay. */
  multiplier: number;
  /** maxDelayMs caps the delay; undefined means no cap. */
  maxDelayMs: number | undefined;
  jitter: boolean;
}

/** ToolRetryPolicy says whether and how failed executions of a tool are retried (B15). */
export interface ToolRetryPolicy {
  enabled: boolean;
  maxAttempts: number;
  backoff: BackoffPolicy | undefined;
}

/** TurnRetryPolicy says whether and how failed turns are retried (B9). */
export interface TurnRetryPolicy extends ToolRetryPolicy {
  /** retryAfterToolCalls allows retrying an attempt that had already scheduled tool calls. */
  retryAfterToolCalls: boolean;
}

/** StreamingOptions say how a turn saves its output as deltas (B5). */
export interface StreamingOptions {
  saveDeltas: boolean;
  throttleMs: number;
  includeToolInputDeltas: boolean;
}

/** ToolDefinition describes a tool to the server and to the model. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** inputSchema is the JSON Schema of the tool's arguments. */
  inputSchema: JsonObject;
  kind: ToolKind;
  /** retry is the tool's retry policy; undefined means retries are off. */
  retry: ToolRetryPolicy | undefined;
  /** timeoutMs is the default deadline of a call, from its creation (B18); undefined is 30 min. */
  timeoutMs: number | undefined;
  /** runnerId identifies the runner that registered the tool last; undefined for built-ins. */
  runnerId: string | undefined;
  registerTime: Date | undefined;
}

/** ToolDefinitionInput is a tool definition to register; unset fields take the server defaults. */
export interface ToolDefinitionInput {
  name: string;
  description?: string;
  inputSchema?: JsonObject;
  /** @default "sync" */
  kind?: ToolKind;
  retry?: ToolRetryPolicy;
  timeoutMs?: number;
}

/** Agent is a configured combination of model, instructions, tools and policies. */
export interface Agent {
  name: string;
  /** model is `"<provider>:<model id>"`, e.g. `"demo:echo"`. */
  model: string;
  /** system is the system prompt; empty when the agent has none. */
  system: string;
  tools: string[];
  retry: TurnRetryPolicy | undefined;
  toolRetry: ToolRetryPolicy | undefined;
  streaming: StreamingOptions | undefined;
  maxSteps: number;
}

/** StuckThread is a thread that is not making progress (X10). */
export interface StuckThread {
  thread: Thread;
  reason: StuckReason;
  detail: string;
}

/** StuckToolCall is a tool call that is not making progress (X10). */
export interface StuckToolCall {
  toolCall: ToolCall;
  reason: StuckReason;
  detail: string;
}

/** StreamCursor is a position in a thread's delta history: the last delta seen. */
export interface StreamCursor {
  streamSeq: number;
  deltaSeq: number;
}

/** WatchCursor is a position in everything WatchThread reports about a thread. */
export interface WatchCursor {
  stream: StreamCursor;
  threadVersion: number;
}

/** Delta is a batch of UI message chunks written by a turn (B5). */
export interface Delta {
  streamId: string;
  streamSeq: number;
  /** deltaSeq is the position of the delta within its stream, from 0. */
  deltaSeq: number;
  messageId: string;
  /** messageSeq is the position of the delta within its message; it restarts with each message. */
  messageSeq: number;
  chunks: UIMessageChunk[];
  createTime: Date | undefined;
}

/** StreamState reports a change of a stream's lifecycle. */
export interface StreamState {
  streamId: string;
  streamSeq: number;
  status: StreamStatus;
  /** abortReason says why an aborted stream was abandoned; undefined otherwise. */
  abortReason: string | undefined;
}

/** ThreadSnapshot is the committed state of a thread (X1). */
export interface ThreadSnapshot {
  thread: Thread;
  /** messages are the committed messages, oldest first, including system messages. */
  messages: UIMessage[];
  /** details are the stored fields of `messages`, in the same order. */
  details: MessageDetails[];
  toolCalls: ToolCall[];
}

/** StreamUpdate is one update of StreamUpdates, with the cursor to resume after it. */
export type StreamUpdate =
  | { type: "delta"; delta: Delta; cursor: StreamCursor }
  | { type: "stream_state"; streamState: StreamState; cursor: StreamCursor }
  | { type: "snapshot"; snapshot: ThreadSnapshot; cursor: StreamCursor }
  | { type: "caught_up"; cursor: StreamCursor };

/** WatchEvent is one event of WatchThread, with the cursor to resume after it. */
export type WatchEvent =
  | { type: "snapshot"; snapshot: ThreadSnapshot; cursor: WatchCursor }
  | { type: "thread"; thread: Thread; cursor: WatchCursor }
  | { type: "message"; message: UIMessage; details: MessageDetails; cursor: WatchCursor }
  | { type: "delta"; delta: Delta; cursor: WatchCursor }
  | { type: "stream_state"; streamState: StreamState; cursor: WatchCursor }
  | { type: "tool_call"; toolCall: ToolCall; cursor: WatchCursor }
  | { type: "retry_scheduled"; retryState: RetryState | undefined; cursor: WatchCursor }
  | { type: "caught_up"; cursor: WatchCursor };

/** Connection is where a live watch stands with the server. */
export type Connection = "connecting" | "connected" | "reconnecting";

/**
 * ThreadView is what `watchThread` yields: a thread as a user interface shows it, with the
 * committed messages merged with the output still streaming.
 */
export interface ThreadView {
  thread: Thread;
  /**
   * messages are the committed messages, oldest first (system messages included, unlike
   * ListMessages by default), each brought up to date with the output streamed after its commit,
   * then the messages only streamed so far. Built with the AI SDK's own chunk processing, so a
   * streamed message equals the one that will be committed.
   */
  messages: UIMessage[];
  /** toolCalls are the thread's tool calls, oldest first. */
  toolCalls: ToolCall[];
  status: ThreadStatus;
  /** isRunning is true while the tool loop runs (streaming or awaiting tool results). */
  isRunning: boolean;
  /** streamingMessageIds are the messages whose shown content includes uncommitted output. */
  streamingMessageIds: string[];
  /** cursor is the position this view stands for; resume a watch after it. */
  cursor: WatchCursor;
  /** caughtUp is true once the stored history was applied; what follows is live. */
  caughtUp: boolean;
  connection: Connection;
}

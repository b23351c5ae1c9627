// The rows the engine reads and writes through the Store (DESIGN §4), as plain TypeScript: no
// protobuf, no SQL. Times are milliseconds since the epoch; JSON values are already parsed.
import type { StreamStatus, ThreadStatus } from "@durable-agents/core";
import type { UIMessage, UIMessageChunk } from "ai";

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Token usage of one model response or the sum over a thread (B24). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
}

/** The class of a turn error (B22) plus the kinds the engine adds. */
export type FailureKind =
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

/** Facts about a turn error that clients need (X8), shared by a pending retry and a failure. */
export interface TurnErrorFacts {
  error: string;
  kind: FailureKind;
  retryable: boolean;
  requiresExplicitHandling: boolean;
  /** The number of the attempt that failed, from 1. */
  attempt: number;
  maxAttempts: number;
  /** The delay the provider asked for (Retry-After), when it sent one usable one. */
  providerRetryAfterMs: number | null;
  /** Whether the failed attempt had streamed meaningful output (B9). */
  outputEmitted: boolean;
}

/** A pending turn retry (B9). */
export interface RetryStateRecord extends TurnErrorFacts {
  nextRetryAt: number;
}

/** Why a thread failed (X8). */
export interface FailureRecord extends TurnErrorFacts {
  failedAt: number;
}

export interface ThreadRecord {
  threadId: string;
  agent: string;
  /** The principal that created the thread; null when authentication is off. */
  owner: string | null;
  status: ThreadStatus;
  stopSignal: boolean;
  activeStreamId: string | null;
  /** Set when a continue arrived while the active stream was alive (B2, B8). */
  continueFlag: boolean;
  retryState: RetryStateRecord | null;
  failure: FailureRecord | null;
  /** Seq of the latest stream (B2). */
  seq: number;
  /** Increases with every change of the thread, its messages or tool calls. */
  version: number;
  /** Turns run in the current tool loop, for the agent's maxSteps. */
  loopTurnCount: number;
  usage: Usage;
  metadata: JsonObject;
  createdAt: number;
  updatedAt: number;
  /**
   * How many messages wait in the thread's queue (X3); kept by the store's enqueueMessage and
   * takeQueuedMessages, so it is never patched directly.
   */
  queuedMessageCount: number;
}

export type MessageRole = UIMessage["role"];

export interface MessageRecord {
  threadId: string;
  messageId: string;
  role: MessageRole;
  parts: UIMessage["parts"];
  metadata: JsonValue | undefined;
  /** The seq of the stream that committed the message; 0 for messages added by a caller. */
  committedSeq: number;
  /** The position of the message in its thread, from 0; a replaced message keeps its position. */
  position: number;
  usage: Usage | null;
  createdAt: number;
}

/** A stream is a turn's output, or the one-delta output of a tool outcome (B15). */
export type StreamKind = "turn" | "tool_outcome";

export interface StreamRecord {
  streamId: string;
  threadId: string;
  kind: StreamKind;
  seq: number;
  status: StreamStatus;
  /** Lock id of the turn that took the stream (B3). */
  lockId: string | null;
  heartbeatAt: number | null;
  abortReason: string | null;
  /** Delta rows written so far; the next delta's deltaSeq. */
  deltaCount: number;
  createdAt: number;
  /** When the stream finished or was aborted. */
  endedAt: number | null;
}

export interface DeltaRecord {
  threadId: string;
  streamId: string;
  streamSeq: number;
  /** Position of the delta within its stream, from 0. */
  deltaSeq: number;
  messageId: string;
  /** Position of the delta within its message, restarting per message (B5). */
  messageSeq: number;
  chunks: UIMessageChunk[];
  createdAt: number;
}

export type ToolKind = "sync" | "async";
export type ToolCallStatus = "pending" | "completed" | "failed";
export type ToolExecutionState =
  | "queued"
  | "claimed"
  | "running"
  | "retry_scheduled"
  | "awaiting_result"
  | "done";

export interface ToolCallRecord {
  threadId: string;
  toolCallId: string;
  toolName: string;
  kind: ToolKind;
  args: JsonValue;
  status: ToolCallStatus;
  /** The result (any JSON) of a completed call; undefined otherwise. */
  result: JsonValue | undefined;
  error: string | null;
  attempt: number;
  maxAttempts: number;
  lastError: string | null;
  nextRetryAt: number | null;
  deadlineAt: number | null;
  runnerId: string | null;
  lastHeartbeatAt: number | null;
  executionState: ToolExecutionState;
  /** The assistant message whose tool part made the call. */
  messageId: string;
  createdAt: number;
  updatedAt: number;
}

/** A tool's retry policy (B15); absent means retries are off. */
export interface ToolRetryPolicyRecord {
  maxAttempts: number;
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number | null;
  jitter: boolean;
}

/** A registered tool (RegisterTools). */
export interface ToolDefinitionRecord {
  name: string;
  description: string;
  inputSchema: JsonObject;
  kind: ToolKind;
  retry: ToolRetryPolicyRecord | null;
  timeoutMs: number | null;
  runnerId: string | null;
  registeredAt: number;
}

/** A durable job or timer (DESIGN §4): committed with the state change that implies it. */
export interface JobRecord {
  jobId: string;
  /** What to do, e.g. "turn", "retry_turn", "dispatch_tool", "tool_deadline"; see scheduler/. */
  type: string;
  threadId: string | null;
  /** Identifies the job among its type and thread for cancellation and de-duplication. */
  key: string;
  payload: JsonObject;
  runAt: number;
  /** The owner holding the lease, and until when; null when unclaimed. */
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** How many times a claim of this job ran and did not complete it. */
  failedRuns: number;
  createdAt: number;
}

// What the chat shows of a thread, in plain TypeScript: the printer renders this view and the
// controller decides from it when a turn has settled. Only `thread-view.ts` knows the protobuf
// events it is built from, so another source of thread state (the typed client's watchThread)
// only needs another builder of this view.
import type { JsonValue } from "@bufbuild/protobuf";

export type ChatThreadStatus =
  | "streaming"
  | "awaiting_tool_results"
  | "completed"
  | "failed"
  | "stopped"
  | "unknown";

export interface ChatRetry {
  /** The attempt that failed, from 1. */
  attempt: number;
  maxAttempts: number;
  /** When the turn is retried, in ms since the epoch; undefined when the server did not say. */
  nextRetryAtMs: number | undefined;
  /** The B22 class of the error, lower case (e.g. `rate_limited`). */
  kind: string;
  error: string;
}

export interface ChatFailure {
  error: string;
  kind: string;
}

export interface ChatThread {
  threadId: string;
  agent: string;
  status: ChatThreadStatus;
  /** Thread.version: grows with every change of the thread. */
  version: number;
  /** Whether a turn is running (the thread has an active stream). */
  isRunning: boolean;
  retry: ChatRetry | undefined;
  failure: ChatFailure | undefined;
}

export type ChatPart =
  | { type: "text"; text: string }
  | { type: "tool"; toolCallId: string; toolName: string; input: JsonValue | undefined };

export interface ChatMessage {
  messageId: string;
  role: "user" | "assistant" | "system";
  parts: ChatPart[];
}

export type ChatToolOutcome = { ok: true; output: JsonValue } | { ok: false; error: string };

export interface ChatToolCall {
  toolCallId: string;
  toolName: string;
  /** An async tool waits for AddToolResult/AddToolError (B16); a sync one is run by a runner. */
  isAsync: boolean;
  isPending: boolean;
  input: JsonValue | undefined;
  outcome: ChatToolOutcome | undefined;
  /** Set while a failed attempt waits for its retry (B15). */
  retry:
    | { failedAttempt: number; maxAttempts: number; nextRetryAtMs: number; error: string }
    | undefined;
}

export interface ChatView {
  thread: ChatThread | undefined;
  /** Committed messages merged with what is streaming, oldest first. */
  messages: ChatMessage[];
  /** Every tool call known, in the order they became known. */
  toolCalls: ChatToolCall[];
  /**
   * A turn stopped by StopThread streamed output that is not committed yet: the server saves it
   * as a partial message (X2) after it marked the thread stopped.
   */
  awaitingPartial: boolean;
}

/** The loop ended (completed, failed or stopped) and no turn runs. */
export function isSettled(thread: ChatThread): boolean {
  return (
    !thread.isRunning &&
    (thread.status === "completed" || thread.status === "failed" || thread.status === "stopped")
  );
}

// Builds the chat's view of a thread from StreamService.WatchThread events: committed messages
// merged with the deltas of turns not committed yet (a streamed part is dropped once its
// message's committed_seq covers its stream), and every tool call with its outcome from whichever
// source reports it first (a delta chunk, a tool call change or the committed message).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { protoValueToJson } from "@durable-agents/core";
import {
  type Delta,
  ErrorKind,
  type Message,
  type MessagePart,
  Role,
  StreamStatus,
  type Thread,
  ThreadStatus,
  type ToolCall,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
  ToolPartState,
  type WatchCursor,
  type WatchThreadResponse,
} from "@durable-agents/core/proto";
import type {
  ChatMessage,
  ChatPart,
  ChatThread,
  ChatThreadStatus,
  ChatToolCall,
  ChatView,
} from "./chat-view.js";

/** StreamState.abort_reason of a stream StopThread aborted. */
const STOP_SIGNAL_ABORT = "stopSignal";

const STATUS: Record<ThreadStatus, ChatThreadStatus> = {
  [ThreadStatus.UNSPECIFIED]: "unknown",
  [ThreadStatus.STREAMING]: "streaming",
  [ThreadStatus.AWAITING_TOOL_RESULTS]: "awaiting_tool_results",
  [ThreadStatus.COMPLETED]: "completed",
  [ThreadStatus.FAILED]: "failed",
  [ThreadStatus.STOPPED]: "stopped",
};

const ROLE: Record<Role, ChatMessage["role"] | undefined> = {
  [Role.UNSPECIFIED]: undefined,
  [Role.SYSTEM]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
};

/** `rate_limited` for ErrorKind.RATE_LIMITED. */
export const errorKindName = (kind: ErrorKind): string =>
  (ErrorKind[kind] ?? "unknown").toLowerCase();

export function chatThreadOf(thread: Thread): ChatThread {
  const retry = thread.retryState;
  return {
    threadId: thread.threadId,
    agent: thread.agent,
    status: STATUS[thread.status] ?? "unknown",
    version: Number(thread.version),
    isRunning: thread.activeStreamId !== undefined,
    retry:
      retry === undefined
        ? undefined
        : {
            attempt: retry.attempt,
            maxAttempts: retry.maxAttempts,
            nextRetryAtMs:
              retry.nextRetryTime === undefined ? undefined : timestampMs(retry.nextRetryTime),
            kind: errorKindName(retry.kind),
            error: retry.error,
          },
    failure:
      thread.status === ThreadStatus.FAILED && thread.failure !== undefined
        ? { error: thread.failure.error, kind: errorKindName(thread.failure.kind) }
        : undefined,
  };
}

/** The parts one stream (turn) added to a message, in order. */
interface StreamedParts {
  parts: ChatPart[];
  /** Text part ids of the stream's chunks, to their index in `parts`. */
  textIndex: Map<string, number>;
  /** Tool call ids to their index in `parts`. */
  toolIndex: Map<string, number>;
}

interface MessageState {
  messageId: string;
  role: ChatMessage["role"];
  committedParts: ChatPart[];
  /** The committed_seq of the stored message; 0 while nothing is committed. */
  committedSeq: number;
  streams: Map<number, StreamedParts>;
}

export class ThreadView {
  private thread: ChatThread | undefined;
  private readonly messages = new Map<string, MessageState>();
  private readonly toolCalls = new Map<string, ChatToolCall>();
  /**
   * How streams ended, by seq: "finished", or the abort reason. Only a stream StopThread aborted
   * ("stopSignal") gets its output saved as a partial message (X2).
   */
  private readonly streamEnds = new Map<number, string>();
  private caughtUp = false;
  /** The position to resume the watch after the last event applied. */
  cursor: WatchCursor | undefined;

  /** Whether the stored updates were all applied (CaughtUp received once). */
  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  apply(response: WatchThreadResponse): void {
    const { event } = response;
    switch (event.case) {
      case "snapshot":
        if (event.value.thread !== undefined) this.thread = chatThreadOf(event.value.thread);
        for (const message of event.value.messages) this.commitMessage(message);
        for (const call of event.value.toolCalls) this.applyToolCall(call);
        break;
      case "thread":
        this.thread = chatThreadOf(event.value);
        break;
      case "message":
        this.commitMessage(event.value);
        break;
      case "delta":
        this.applyDelta(event.value);
        break;
      case "toolCall":
        this.applyToolCall(event.value);
        break;
      case "streamState":
        if (event.value.status === StreamStatus.ABORTED) {
          this.streamEnds.set(Number(event.value.streamSeq), event.value.abortReason);
        } else if (event.value.status === StreamStatus.FINISHED) {
          this.streamEnds.set(Number(event.value.streamSeq), "finished");
        }
        break;
      case "caughtUp":
        this.caughtUp = true;
        break;
      // RetryScheduled adds nothing the thread itself does not carry.
      default:
        break;
    }
    if (response.cursor !== undefined) this.cursor = response.cursor;
  }

  view(): ChatView {
    const messages: ChatMessage[] = [];
    let awaitingPartial = false;
    for (const state of this.messages.values()) {
      const parts = [...state.committedParts];
      const streamSeqs = [...state.streams.keys()].sort((a, b) => a - b);
      for (const seq of streamSeqs) {
        // The committed message already holds what this stream wrote.
        if (seq <= state.committedSeq) continue;
        const streamed = state.streams.get(seq)?.parts ?? [];
        // The thread turns stopped before the stopped turn saved its output (X2); the stream's
        // abort may not even be reported yet.
        const end = this.streamEnds.get(seq);
        if (
          streamed.length > 0 &&
          this.thread?.status === "stopped" &&
          (end === undefined || end === STOP_SIGNAL_ABORT)
        ) {
          awaitingPartial = true;
        }
        parts.push(...streamed);
      }
      messages.push({ messageId: state.messageId, role: state.role, parts });
    }
    return {
      thread: this.thread,
      messages,
      toolCalls: [...this.toolCalls.values()],
      awaitingPartial,
    };
  }

  private messageState(messageId: string, role: ChatMessage["role"]): MessageState {
    let state = this.messages.get(messageId);
    if (state === undefined) {
      state = { messageId, role, committedParts: [], committedSeq: 0, streams: new Map() };
      this.messages.set(messageId, state);
    }
    return state;
  }

  private commitMessage(message: Message): void {
    const role = ROLE[message.role];
    if (role === undefined) return;
    const state = this.messageState(message.messageId, role);
    state.committedParts = message.parts.flatMap((part) => this.partOf(part));
    state.committedSeq = Number(message.committedSeq);
    for (const seq of [...state.streams.keys()]) {
      if (seq <= state.committedSeq) state.streams.delete(seq);
    }
  }

  private partOf(part: MessagePart): ChatPart[] {
    switch (part.part.case) {
      case "text":
        return [{ type: "text", text: part.part.value.text }];
      case "tool": {
        const tool = part.part.value;
        const input = protoValueToJson(tool.input);
        const call = this.toolCall(tool.toolCallId, tool.toolName);
        if (input !== undefined) call.input = input;
        if (tool.state === ToolPartState.OUTPUT_AVAILABLE) {
          call.outcome ??= { ok: true, output: protoValueToJson(tool.output) ?? null };
        } else if (
          tool.state === ToolPartState.OUTPUT_ERROR ||
          tool.state === ToolPartState.OUTPUT_DENIED
        ) {
          call.outcome ??= { ok: false, error: tool.errorText ?? "denied" };
        }
        return [{ type: "tool", toolCallId: tool.toolCallId, toolName: tool.toolName, input }];
      }
      default:
        // Reasoning, sources, files and data are not shown in the terminal.
        return [];
    }
  }

  private toolCall(toolCallId: string, toolName: string): ChatToolCall {
    let call = this.toolCalls.get(toolCallId);
    if (call === undefined) {
      call = {
        toolCallId,
        toolName,
        isAsync: false,
        isPending: false,
        input: undefined,
        outcome: undefined,
        retry: undefined,
      };
      this.toolCalls.set(toolCallId, call);
    }
    if (call.toolName === "" && toolName !== "") call.toolName = toolName;
    return call;
  }

  private applyToolCall(record: ToolCall): void {
    const call = this.toolCall(record.toolCallId, record.toolName);
    call.isAsync = record.kind === ToolKind.ASYNC;
    call.isPending = record.status === ToolCallStatus.PENDING;
    call.input = protoValueToJson(record.args) ?? call.input;
    if (record.status === ToolCallStatus.COMPLETED) {
      call.outcome ??= { ok: true, output: protoValueToJson(record.result) ?? null };
    } else if (record.status === ToolCallStatus.FAILED) {
      call.outcome ??= { ok: false, error: record.error };
    }
    // While a retry is scheduled, `attempt` is the next attempt (B15).
    call.retry =
      call.isPending &&
      record.executionState === ToolExecutionState.RETRY_SCHEDULED &&
      record.nextRetryTime !== undefined
        ? {
            failedAttempt: record.attempt - 1,
            maxAttempts: record.maxAttempts,
            nextRetryAtMs: timestampMs(record.nextRetryTime),
            error: record.lastError,
          }
        : undefined;
  }

  private applyDelta(delta: Delta): void {
    const seq = Number(delta.streamSeq);
    const state =
      delta.messageId === "" ? undefined : this.messageState(delta.messageId, "assistant");
    // A delta of a stream the committed message already covers is history: nothing to add.
    const stream =
      state === undefined || seq <= state.committedSeq ? undefined : streamOf(state, seq);
    for (const { chunk } of delta.chunks) {
      switch (chunk.case) {
        case "textStart":
          if (stream !== undefined) textPart(stream, chunk.value.id);
          break;
        case "textDelta":
          if (stream !== undefined) {
            const part = textPart(stream, chunk.value.id);
            part.text += chunk.value.delta;
          }
          break;
        case "toolInputStart":
        case "toolInputAvailable": {
          const { toolCallId, toolName } = chunk.value;
          const call = this.toolCall(toolCallId, toolName);
          const input =
            chunk.case === "toolInputAvailable" ? protoValueToJson(chunk.value.input) : undefined;
          if (input !== undefined) call.input = input;
          if (stream !== undefined) {
            const index = stream.toolIndex.get(toolCallId);
            const part: ChatPart = { type: "tool", toolCallId, toolName, input: call.input };
            if (index === undefined) {
              stream.toolIndex.set(toolCallId, stream.parts.length);
              stream.parts.push(part);
            } else {
              stream.parts[index] = part;
            }
          }
          break;
        }
        case "toolOutputAvailable":
          // A preliminary output is a progress report, not the tool's result.
          if (chunk.value.preliminary === true) break;
          this.toolCall(chunk.value.toolCallId, "").outcome ??= {
            ok: true,
            output: protoValueToJson(chunk.value.output) ?? null,
          };
          break;
        case "toolOutputError":
        case "toolInputError":
          this.toolCall(chunk.value.toolCallId, "").outcome ??= {
            ok: false,
            error: chunk.value.errorText,
          };
          break;
        default:
          break;
      }
    }
  }
}

function streamOf(state: MessageState, seq: number): StreamedParts {
  let stream = state.streams.get(seq);
  if (stream === undefined) {
    stream = { parts: [], textIndex: new Map(), toolIndex: new Map() };
    state.streams.set(seq, stream);
  }
  return stream;
}

function textPart(stream: StreamedParts, id: string): { type: "text"; text: string } {
  const index = stream.textIndex.get(id);
  const existing = index === undefined ? undefined : stream.parts[index];
  if (existing?.type === "text") return existing;
  const part = { type: "text" as const, text: "" };
  stream.textIndex.set(id, stream.parts.length);
  stream.parts.push(part);
  return part;
}

// Records for the conformance suite. Every builder fills every field, so a round-trip compares all
// of them; ids are random so tests never depend on each other's rows.
import { randomUUID } from "node:crypto";
import type {
  DeltaRecord,
  FailureRecord,
  JsonObject,
  MessageRecord,
  RetryStateRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
  ToolDefinitionRecord,
  Usage,
} from "../records.js";
import type { NewJob, QueuedMessageRecord } from "../store.js";

/** The suite's clock starts here; tests pass times derived from it. */
export const T0 = Date.UTC(2026, 0, 15, 9, 30, 0);

export function newId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Text no single-byte encoding holds: accents, CJK, Cyrillic, Arabic (RTL), emoji with modifiers. */
export const UNICODE_TEXT = "héllo wörld — 你好, мир, مرحبا 👋🏽 👩‍👩‍👧 ∑∞";

/** JSON that exercises nesting, every scalar kind, escapes and keys that are not identifiers. */
export const NESTED_JSON: JsonObject = {
  text: UNICODE_TEXT,
  escapes: 'quote " backslash \\ newline \n tab \t nul \u0000 lone surrogate \ud800',
  numbers: [0, -1, 2.5, -3e-7, 1e21, Number.MAX_SAFE_INTEGER],
  flags: [true, false, null],
  nested: { deeper: { deepest: [{ key: "value" }, [], {}] } },
  "key with spaces and ✓": "🔑",
  empty: {},
  emptyList: [],
};

export function usage(seed: number): Usage {
  return {
    inputTokens: seed,
    outputTokens: seed + 1,
    totalTokens: 2 * seed + 1,
    reasoningTokens: seed + 2,
    cachedInputTokens: seed + 3,
    cacheWriteTokens: seed + 4,
  };
}

export const ZERO_USAGE = usage(0);

export function retryState(): RetryStateRecord {
  return {
    error: `429 Too Many Requests ${UNICODE_TEXT}`,
    kind: "rate_limited",
    retryable: true,
    requiresExplicitHandling: false,
    attempt: 2,
    maxAttempts: 3,
    providerRetryAfterMs: 1500,
    outputEmitted: false,
    nextRetryAt: T0 + 1500,
  };
}

export function failure(): FailureRecord {
  return {
    error: "context window exceeded",
    kind: "context_overflow",
    retryable: false,
    requiresExplicitHandling: true,
    attempt: 1,
    maxAttempts: 3,
    providerRetryAfterMs: null,
    outputEmitted: true,
    failedAt: T0 + 42,
  };
}

/** An idle thread with nulls wherever the record allows them. */
export function threadRecord(overrides: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    threadId: newId("thread"),
    agent: "assistant",
    owner: null,
    status: "completed",
    stopSignal: false,
    activeStreamId: null,
    continueFlag: false,
    retryState: null,
    failure: null,
    seq: 0,
    version: 0,
    loopTurnCount: 0,
    usage: ZERO_USAGE,
    metadata: {},
    createdAt: T0,
    updatedAt: T0,
    queuedMessageCount: 0,
    ...overrides,
  };
}

/** A thread with every optional field set and every boolean true. */
export function fullThreadRecord(): ThreadRecord {
  return threadRecord({
    agent: `agent ${UNICODE_TEXT}`,
    owner: `owner ${UNICODE_TEXT}`,
    status: "streaming",
    stopSignal: true,
    activeStreamId: newId("stream"),
    continueFlag: true,
    retryState: retryState(),
    failure: failure(),
    seq: 7,
    version: 12,
    loopTurnCount: 3,
    usage: usage(100),
    metadata: NESTED_JSON,
    createdAt: T0 + 1,
    updatedAt: T0 + 2,
  });
}

export type NewMessage = Omit<MessageRecord, "position">;

export function messageRecord(threadId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    threadId,
    messageId: newId("message"),
    role: "user",
    parts: [{ type: "text", text: UNICODE_TEXT }],
    metadata: undefined,
    committedSeq: 0,
    usage: null,
    createdAt: T0,
    ...overrides,
  };
}

/** An assistant message with parts of every kind, usage and nested metadata. */
export function fullAssistantMessage(threadId: string): NewMessage {
  return messageRecord(threadId, {
    role: "assistant",
    parts: [
      { type: "step-start" },
      { type: "reasoning", text: "thinking…", state: "done" },
      { type: "text", text: UNICODE_TEXT, state: "done" },
      {
        type: "tool-get_weather",
        toolCallId: "call-1",
        state: "output-available",
        input: { location: "Zürich" },
        output: NESTED_JSON,
      },
      {
        type: "dynamic-tool",
        toolName: "request_approval",
        toolCallId: "call-2",
        state: "output-error",
        input: { request: "approve?" },
        errorText: "denied ✗",
      },
      { type: "source-url", sourceId: "s1", url: "https://example.test/ü", title: "Ü" },
      { type: "file", mediaType: "image/png", url: "data:image/png;base64,iVBORw0KGgo=" },
      { type: "data-progress", id: "d1", data: NESTED_JSON },
    ],
    metadata: NESTED_JSON,
    committedSeq: 4,
    usage: usage(7),
    createdAt: T0 + 5,
  });
}

export function streamRecord(
  threadId: string,
  seq: number,
  overrides: Partial<StreamRecord> = {},
): StreamRecord {
  return {
    streamId: newId("stream"),
    threadId,
    kind: "turn",
    seq,
    status: "pending",
    lockId: null,
    heartbeatAt: null,
    abortReason: null,
    deltaCount: 0,
    createdAt: T0,
    endedAt: null,
    ...overrides,
  };
}

export function deltaRecord(
  stream: StreamRecord,
  deltaSeq: number,
  overrides: Partial<DeltaRecord> = {},
): DeltaRecord {
  return {
    threadId: stream.threadId,
    streamId: stream.streamId,
    streamSeq: stream.seq,
    deltaSeq,
    messageId: `message-of-${stream.streamId}`,
    messageSeq: deltaSeq,
    chunks: [
      { type: "text-delta", id: "t1", delta: `${deltaSeq}: ${UNICODE_TEXT}` },
      {
        type: "tool-input-available",
        toolCallId: "call-1",
        toolName: "get_weather",
        input: NESTED_JSON,
      },
    ],
    createdAt: T0 + deltaSeq,
    ...overrides,
  };
}

/** A pending sync call with nulls wherever the record allows them and no result. */
export function toolCallRecord(
  threadId: string,
  overrides: Partial<ToolCallRecord> = {},
): ToolCallRecord {
  return {
    threadId,
    toolCallId: newId("call"),
    toolName: "get_weather",
    kind: "sync",
    args: { location: "Oslo" },
    status: "pending",
    result: undefined,
    error: null,
    attempt: 1,
    maxAttempts: 3,
    lastError: null,
    nextRetryAt: null,
    deadlineAt: null,
    runnerId: null,
    lastHeartbeatAt: null,
    executionState: "queued",
    messageId: newId("message"),
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function queuedMessage(
  threadId: string,
  overrides: Partial<QueuedMessageRecord["message"]> = {},
): Omit<QueuedMessageRecord, "queuePosition"> {
  return {
    threadId,
    message: {
      messageId: newId("message"),
      role: "user",
      parts: [{ type: "text", text: UNICODE_TEXT }],
      metadata: undefined,
      usage: null,
      createdAt: T0,
      ...overrides,
    },
    enqueuedAt: T0 + 3,
    busyPolicy: "enqueue",
  };
}

export function toolDefinition(
  name: string,
  overrides: Partial<ToolDefinitionRecord> = {},
): ToolDefinitionRecord {
  return {
    name,
    description: `Looks up ${UNICODE_TEXT}`,
    inputSchema: {
      type: "object",
      properties: { location: { type: "string", description: "a city" } },
      required: ["location"],
    },
    kind: "sync",
    retry: null,
    timeoutMs: null,
    runnerId: null,
    registeredAt: T0,
    ...overrides,
  };
}

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    type: "turn",
    threadId: null,
    key: newId("job"),
    payload: { attempt: 1, nested: NESTED_JSON },
    runAt: T0,
    ...overrides,
  };
}

// The validator of the race test: what a thread at rest may look like under B1–B19 and the storage
// invariants of DESIGN §4, read back through the API of any replica. Every rule returns a
// sentence naming the thread, so a failure says which rule broke.

import type { JsonValue } from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import {
  type StreamService,
  StreamStatus,
  type Thread,
  type ThreadService,
  ThreadStatus,
  type ToolCall,
  type ToolCallService,
  ToolCallStatus,
} from "@durable-agents/core/proto";
import type { UIMessage } from "ai";
import { listAllMessages, textOf } from "../../support/conversation.js";

export interface Clients {
  threads: Client<typeof ThreadService>;
  streams: Client<typeof StreamService>;
  toolCalls: Client<typeof ToolCallService>;
}

/** What the clients asked of one thread and what the server answered. */
export interface ThreadRequests {
  threadId: string;
  /** The prompt that opened the thread; the model answers it with the async approval tool. */
  firstPrompt: string;
  /** Prompts of SendMessage/ResumeThread calls the server accepted and appended at once. */
  appended: string[];
  /** Prompts accepted but queued (X3 ENQUEUE/INTERRUPT): appended at most once, maybe later. */
  queued: string[];
  /** Prompts of refused calls: never appended. */
  refused: string[];
  /** Results of AddToolResult calls the server applied (B17: a late one is ignored, not applied). */
  appliedResults: JsonValue[];
  /** The reply the demo model gives to a prompt (§8). */
  replyTo(prompt: string): string;
}

/** Everything the API shows of a thread at rest. */
export interface ThreadView {
  thread: Thread;
  messages: UIMessage[];
  toolCalls: ToolCall[];
  /** Per stream seq: its final status and its delta seqs in the order StreamUpdates sent them. */
  streams: Map<bigint, { status: StreamStatus | undefined; deltaSeqs: bigint[] }>;
}

/** At rest: no turn running or queued to run. A pending async call may keep it waiting. */
export function isAtRest(thread: Thread): boolean {
  return thread.activeStreamId === undefined && thread.status !== ThreadStatus.STREAMING;
}

export async function readThreadView(clients: Clients, threadId: string): Promise<ThreadView> {
  const { thread } = await clients.threads.getThread({ threadId });
  if (thread === undefined) throw new Error(`GetThread of ${threadId} returned no thread`);
  const messages = await listAllMessages(clients.threads, threadId);
  const { toolCalls } = await clients.toolCalls.listToolCalls({ threadId, pageSize: 100 });
  const streams: ThreadView["streams"] = new Map();
  const streamOf = (seq: bigint) => {
    let stream = streams.get(seq);
    if (stream === undefined) {
      stream = { status: undefined, deltaSeqs: [] };
      streams.set(seq, stream);
    }
    return stream;
  };
  for await (const { update } of clients.streams.streamUpdates({ threadId, historyOnly: true })) {
    if (update.case === "delta")
      streamOf(update.value.streamSeq).deltaSeqs.push(update.value.deltaSeq);
    if (update.case === "streamState")
      streamOf(update.value.streamSeq).status = update.value.status;
  }
  return { thread, messages, toolCalls, streams };
}

function occurrences(texts: readonly string[], text: string): number {
  return texts.filter((candidate) => candidate === text).length;
}

/** The broken rules of one thread at rest; empty when it is in a state B1–B19 and §4 allow. */
export function violations(view: ThreadView, requests: ThreadRequests): string[] {
  const { thread, messages, toolCalls, streams } = view;
  const id = requests.threadId;
  const broken: string[] = [];
  const fail = (rule: string) => broken.push(`${id}: ${rule}`);
  const pending = toolCalls.filter((call) => call.status === ToolCallStatus.PENDING);

  // Thread status (B2, B7, B11, B19): at rest, nothing streams and nothing has failed (the demo
  // model never errs); waiting needs a pending call; a pending call keeps it waiting or stopped.
  if (thread.status === ThreadStatus.STREAMING || thread.activeStreamId !== undefined)
    fail(`is not at rest (status ${ThreadStatus[thread.status]}, active ${thread.activeStreamId})`);
  if (thread.status === ThreadStatus.FAILED) fail("failed, though no turn could fail");
  if (thread.retryState !== undefined) fail("has a retry state, though no turn could fail");
  if (thread.status === ThreadStatus.AWAITING_TOOL_RESULTS && pending.length === 0)
    fail("awaits tool results with no pending tool call (B19)");
  if (
    pending.length > 0 &&
    thread.status !== ThreadStatus.AWAITING_TOOL_RESULTS &&
    thread.status !== ThreadStatus.STOPPED
  )
    fail(`has a pending tool call while ${ThreadStatus[thread.status]} (B19)`);

  // Messages (B7, B12–B14): unique ids, the first is the user's, never two assistant messages in
  // a row (a turn's steps share one message), every answer fits the user message before it.
  const ids = messages.map((message) => message.id);
  if (new Set(ids).size !== ids.length) fail(`repeats a message id: ${ids.join(",")}`);
  if (messages[0]?.role !== "user" || textOf(messages[0]) !== requests.firstPrompt)
    fail("does not start with its first prompt");
  for (const [index, message] of messages.entries()) {
    const previous = messages[index - 1];
    if (message.role !== "assistant") continue;
    if (previous?.role !== "user") {
      fail(`has an assistant message (#${index}) that does not follow a user message`);
      continue;
    }
    const answer = textOf(message);
    const question = textOf(previous);
    const allowed =
      question === requests.firstPrompt
        ? answer === "" || /^Approval (result|failed): /u.test(answer)
        : requests.replyTo(question).startsWith(answer);
    if (!allowed) fail(`answers "${question}" with "${answer}"`);
  }
  const last = messages.at(-1);
  if (
    thread.status === ThreadStatus.COMPLETED &&
    (last?.role !== "assistant" ||
      (textOf(messages.at(-2)) !== requests.firstPrompt &&
        textOf(last) !== requests.replyTo(textOf(messages.at(-2)))))
  )
    fail("is completed without the full answer to its last user message (B7)");

  // Every accepted prompt was appended exactly once; a queued one at most once; a refused one
  // never (no duplicate, no loss — X3, B13).
  const userTexts = messages.filter((message) => message.role === "user").map(textOf);
  for (const prompt of requests.appended)
    if (occurrences(userTexts, prompt) !== 1)
      fail(`has accepted prompt "${prompt}" ${occurrences(userTexts, prompt)} times`);
  for (const prompt of requests.queued)
    if (occurrences(userTexts, prompt) > 1) fail(`has queued prompt "${prompt}" more than once`);
  for (const prompt of requests.refused)
    if (occurrences(userTexts, prompt) !== 0) fail(`has refused prompt "${prompt}"`);

  // Tool calls (B6, B16, B17): the one approval call; a result is one that was sent, applied once.
  if (toolCalls.length !== 1)
    fail(`has ${toolCalls.length} tool calls, expected the approval only`);
  const applied = requests.appliedResults.map((result) => JSON.stringify(result));
  for (const call of toolCalls) {
    const result =
      call.result === undefined ? undefined : JSON.stringify(toJson(ValueSchema, call.result));
    if (call.status === ToolCallStatus.COMPLETED && (applied.length !== 1 || applied[0] !== result))
      fail(
        `completed its tool call with ${result}, but the applied results were [${applied.join(", ")}]`,
      );
    if (call.status !== ToolCallStatus.COMPLETED && applied.length > 0)
      fail(`applied ${applied.length} results to a tool call that is not completed`);
  }

  // Streams and deltas (B3, B5, §4): every stream ended; seqs are the thread's; each stream's
  // deltas are gap-free from 0 and were reported once, in order.
  for (const [seq, stream] of streams) {
    if (stream.status !== StreamStatus.FINISHED && stream.status !== StreamStatus.ABORTED)
      fail(
        `has stream ${seq} still ${stream.status === undefined ? "open" : StreamStatus[stream.status]}`,
      );
    if (seq > thread.seq) fail(`has stream ${seq} beyond its seq ${thread.seq}`);
    const expected = stream.deltaSeqs.map((_, index) => BigInt(index));
    if (stream.deltaSeqs.join(",") !== expected.join(","))
      fail(`has stream ${seq} with deltas ${stream.deltaSeqs.join(",")}`);
  }
  return broken;
}

// What the model sees (B4): every message of the thread in order, with tool parts brought up to
// date with their calls' outcomes (the replacement is persisted), then the agent's
// transformMessages hook.
import { convertToModelMessages, type ModelMessage, type UIMessage } from "ai";
import type { MessageRecord, ThreadRecord, ToolCallRecord } from "../store/records.js";
import type { StoreReader, StoreTransaction } from "../store/store.js";
import type { AgentDefinition, EngineContext } from "./context.js";

const PAGE_SIZE = 500;

export async function readAllMessages(
  store: StoreReader,
  threadId: string,
): Promise<MessageRecord[]> {
  const messages: MessageRecord[] = [];
  for (;;) {
    const page = await store.listMessages(threadId, {
      afterPosition: messages.at(-1)?.position,
      includeSystem: true,
      limit: PAGE_SIZE,
    });
    messages.push(...page);
    if (page.length < PAGE_SIZE) return messages;
  }
}

/** The thread's completed and failed calls, by id (B4). */
export async function finishedToolCalls(
  store: StoreReader,
  threadId: string,
): Promise<Map<string, ToolCallRecord>> {
  const calls = new Map<string, ToolCallRecord>();
  let after: { createdAt: number; toolCallId: string } | undefined;
  for (;;) {
    const page = await store.listToolCalls(threadId, {
      statuses: ["completed", "failed"],
      after,
      limit: PAGE_SIZE,
    });
    for (const call of page) calls.set(call.toolCallId, call);
    const last = page.at(-1);
    if (page.length < PAGE_SIZE || last === undefined) return calls;
    after = { createdAt: last.createdAt, toolCallId: last.toolCallId };
  }
}

type Part = UIMessage["parts"][number];

function isToolPart(part: Part): part is Extract<Part, { toolCallId: string; state: string }> {
  return part.type === "dynamic-tool" || part.type.startsWith("tool-");
}

function awaitsOutcome(part: Part): part is Extract<Part, { toolCallId: string; state: string }> {
  return isToolPart(part) && (part.state === "input-available" || part.state === "input-streaming");
}

/**
 * Whether an assistant message holds a tool part without its outcome: only then can B4 change
 * anything, so only then are the finished calls read.
 */
export function awaitsToolOutcomes(messages: readonly Pick<MessageRecord, "role" | "parts">[]) {
  return messages.some(
    (message) => message.role === "assistant" && message.parts.some(awaitsOutcome),
  );
}

/**
 * A tool part still marked input-available (or streaming) whose call has finished, replaced by
 * its outcome (B4); undefined when the part needs no change.
 */
function withOutcome(part: Part, calls: Map<string, ToolCallRecord>): Part | undefined {
  if (!awaitsOutcome(part)) return undefined;
  const call = calls.get(part.toolCallId);
  if (call === undefined) return undefined;
  const { state: _state, ...rest } = part;
  if (call.status === "completed") {
    return {
      ...rest,
      input: part.input ?? call.args,
      state: "output-available",
      output: call.result ?? null,
    } as Part;
  }
  return {
    ...rest,
    input: part.input ?? call.args,
    state: "output-error",
    errorText: call.error ?? "",
  } as Part;
}

/** Applies B4 to the messages; returns the ones that changed. */
export function applyToolOutcomes(
  messages: readonly MessageRecord[],
  calls: Map<string, ToolCallRecord>,
): MessageRecord[] {
  const changed: MessageRecord[] = [];
  for (const message of messages) {
    if (message.role !== "assistant") continue;
    let replaced = false;
    const parts = message.parts.map((part) => {
      const updated = withOutcome(part, calls);
      if (updated === undefined) return part;
      replaced = true;
      return updated;
    });
    if (replaced) changed.push({ ...message, parts });
  }
  return changed;
}

export function toUIMessage(message: MessageRecord): UIMessage {
  return {
    id: message.messageId,
    role: message.role,
    parts: message.parts,
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
  };
}

/**
 * The thread's messages as a turn's model sees them (B4): a tool part whose call has finished
 * carries its outcome, and the replacement is saved in `tx`. The turn reads them in the
 * transaction that creates its stream taken, or in the one that takes it (a queued turn), so the
 * replacement costs no transaction of its own.
 */
export async function readTurnMessages(
  tx: StoreTransaction,
  threadId: string,
): Promise<MessageRecord[]> {
  const messages = await readAllMessages(tx, threadId);
  if (!awaitsToolOutcomes(messages)) return messages;
  const changed = applyToolOutcomes(messages, await finishedToolCalls(tx, threadId));
  for (const message of changed) await tx.saveMessage(message);
  const byId = new Map(changed.map((message) => [message.messageId, message]));
  return messages.map((message) => byId.get(message.messageId) ?? message);
}

/** The model's messages of a turn (readTurnMessages), rewritten by transformMessages if any. */
export async function buildModelMessages(
  context: EngineContext,
  thread: ThreadRecord,
  agent: AgentDefinition,
  messages: readonly MessageRecord[],
): Promise<{ uiMessages: UIMessage[]; modelMessages: ModelMessage[] }> {
  const uiMessages = messages.map(toUIMessage);
  // A tool part without an outcome cannot be sent to a model; it only exists in a turn that was
  // interrupted before its calls were recorded.
  const modelMessages = await convertToModelMessages(uiMessages, {
    ignoreIncompleteToolCalls: true,
  });
  const transform = agent.hooks.transformMessages ?? context.hooks.transformMessages;
  return {
    uiMessages,
    modelMessages:
      transform === undefined
        ? modelMessages
        : await transform({ thread, messages: modelMessages, uiMessages }),
  };
}

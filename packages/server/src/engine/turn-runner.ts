// Runs one turn (B3–B9): takes the stream's lock, builds the model's messages, streams the model's
// response into deltas, records tool calls as they appear, and finalizes — or hands the error to
// the retry policy. A turn stops as soon as its stream is aborted (StopThread, X2) or taken over.
// X6: the turn is one `turn` span (child of the trace that started it), its log lines carry its
// thread, stream and trace ids, and its start, first delta and end are counted.
import { decideStreamLock, isMeaningfulChunk, toJsonValue } from "@durable-agents/core";
import {
  jsonSchema,
  type LanguageModelUsage,
  streamText,
  type ToolSet,
  tool,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import type { TurnEndOutcome, TurnObservation } from "../observability/metrics.js";
import type { TraceSpan } from "../observability/tracing.js";
import type { StreamRecord } from "../store/records.js";
import type { StoreTransaction } from "../store/store.js";
import type { AgentDefinition, EngineContext, TakenTurn } from "./context.js";
import { createDeltaWriter } from "./delta-writer.js";
import { buildModelMessages, readTurnMessages } from "./model-messages.js";
import { assertStreamOwner, isStreamOwnershipLostError } from "./stream-ownership.js";
import { heartbeatDelayMs } from "./stream-timings.js";
import { abortStreams, newTurnLockId, toStreamSnapshot } from "./thread-transitions.js";
import { recordToolCall } from "./tool-calls.js";
import { failOrRetryTurn } from "./turn-errors.js";
import { type FinishedTurn, finalizeTurn, saveStoppedTurn } from "./turn-finalizer.js";
import { type Changes, mutate } from "./unit-of-work.js";

/** What the turn saw while it streamed, for finalize (B7) and the retry decision (B9). */
export interface TurnOutcome {
  messageId: string | undefined;
  responseMessage: UIMessage | undefined;
  finishReason: string | undefined;
  /**
   * The turn's token usage (B24), from streamText's `onFinish`: reading `result.totalUsage`
   * instead would split the model stream once more and replay every chunk of the turn.
   */
  usage: LanguageModelUsage | undefined;
  recordedToolCallCount: number;
  emittedMeaningfulChunk: boolean;
  error: unknown;
}

/** The stream a run_turn job names, and its thread. */
export interface TurnToRun {
  threadId: string;
  streamId: string;
}

/** Work committed with the stream's take, whatever its decision (the run_turn job's end). */
export type OnTake = (tx: StoreTransaction, changes: Changes) => Promise<void>;

/**
 * Takes the stream's lock (B3) and reads the messages its model will see (B4), in one
 * transaction; undefined when the turn must not run.
 */
async function takeStream(
  context: EngineContext,
  turn: TurnToRun,
  lockId: string,
  onTake: OnTake,
): Promise<TakenTurn | undefined> {
  const { streamId } = turn;
  return mutate(context, async (tx, changes) => {
    // B3: the lock decision reads the stream under the thread's lock. On PostgreSQL (READ
    // COMMITTED) a read before the lock may predate another turn taking the stream, or a stop
    // aborting it, while this transaction waited for the lock; deciding on it would overwrite
    // that turn's lock id and run the same stream twice.
    const thread = await tx.lockThread(turn.threadId);
    // After the thread's lock, as every writer locks the thread first.
    await onTake(tx, changes);
    const stream = await tx.getStream(streamId);
    if (thread === undefined || stream === undefined) return undefined;
    const decision = decideStreamLock({
      stream: toStreamSnapshot(stream),
      activeStreamId: thread.activeStreamId ?? undefined,
      lockId,
    });
    if (decision.kind === "end_quietly") {
      await abortStreams(context, tx, changes, thread.threadId, decision.abortStreams);
      return undefined;
    }
    if (decision.kind === "refuse") return undefined;
    const agent = context.getAgent(thread.agent);
    const now = context.now();
    // B3: the stream timeout sweep (job-handlers.ts) aborts it once its heartbeats stop.
    const taken = await tx.updateStream(streamId, {
      status: "streaming",
      lockId,
      heartbeatAt: now,
    });
    changes.emit(thread.threadId, {
      type: "stream_state",
      stream: taken,
    });
    if (agent === undefined) {
      context.logger.error({ threadId: thread.threadId, agent: thread.agent }, "unknown agent");
      return undefined;
    }
    return {
      thread,
      stream: taken,
      agent,
      lockId,
      messages: await readTurnMessages(tx, thread.threadId),
    };
  });
}

/** The tools the model may call: those of the agent whose definitions are known. */
async function toolSetFor(context: EngineContext, agent: AgentDefinition): Promise<ToolSet> {
  const tools: ToolSet = {};
  for (const name of agent.tools) {
    const policy = await context.getToolPolicy(name);
    if (policy === undefined) {
      context.logger.warn({ agent: agent.name, tool: name }, "agent tool has no definition");
      continue;
    }
    // No execute: calls are recorded and run durably by tool runners (B6).
    tools[name] = tool({
      description: policy.description,
      inputSchema: jsonSchema(policy.inputSchema),
    });
  }
  return tools;
}

/** The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), for log lines. */
function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split("-")[1];
}

/**
 * Runs the turn of a stream, start to finish. `onTake` runs in the transaction that takes the
 * stream (or refuses it): the run_turn job ends there. Failures of the turn go to B9; only a
 * failure of that transaction (the take and the message read) throws, so the job runs again.
 */
export async function runTurn(
  context: EngineContext,
  turn: TurnToRun,
  onTake: OnTake,
): Promise<void> {
  const taken = await takeStream(context, turn, newTurnLockId(context), onTake);
  if (taken !== undefined) await runTaken(context, taken);
}

/**
 * Runs a turn that holds its stream: taken by its run_turn job (runTurn), or created taken by the
 * transaction that started it (B2, B3).
 */
export async function runTaken(context: EngineContext, taken: TakenTurn): Promise<void> {
  const { thread, agent } = taken;
  const { streamId } = taken.stream;
  const span = context.tracing.startSpan("turn", {
    kind: "internal",
    attributes: {
      "durable_agents.thread_id": thread.threadId,
      "durable_agents.stream_id": streamId,
      "durable_agents.agent": agent.name,
    },
  });
  const traceId = traceIdOf(span.traceContext?.traceparent);
  // Everything the turn logs, down to the finalizer and the retry decision, says which turn.
  const turnContext: EngineContext = {
    ...context,
    logger: context.logger.child({
      threadId: thread.threadId,
      streamId,
      ...(traceId === undefined ? {} : { traceId }),
    }),
  };
  const observation = context.metrics.turnStarted(agent.name);
  let ended: TurnEndOutcome = "failed";
  try {
    ended = await span.run(() => runTakenTurn(turnContext, taken, observation, span));
  } finally {
    observation.ended(ended);
    span.setAttributes({ "durable_agents.turn_outcome": ended });
    span.end();
  }
}

/** The turn once it holds its stream; returns how it ended (X6). */
async function runTakenTurn(
  context: EngineContext,
  taken: TakenTurn,
  observation: TurnObservation,
  span: TraceSpan,
): Promise<TurnEndOutcome> {
  const { thread, stream, agent, lockId, messages } = taken;
  const { streamId } = stream;
  const log = context.logger;
  const abort = new AbortController();
  const outcome: TurnOutcome = {
    messageId: undefined,
    responseMessage: undefined,
    finishReason: undefined,
    usage: undefined,
    recordedToolCallCount: 0,
    emittedMeaningfulChunk: false,
    error: undefined,
  };

  // The stream aborted anywhere (StopThread, a newer turn, a timeout) stops this turn (X2).
  const unsubscribe = context.bus.subscribe(thread.threadId, (event) => {
    if (
      event.type === "stream_state" &&
      event.stream.streamId === streamId &&
      event.stream.status === "aborted"
    ) {
      abort.abort(new Error(`stream aborted: ${event.stream.abortReason ?? "unknown"}`));
    }
    if (event.type === "deleted") abort.abort(new Error("thread deleted"));
  });
  const onShutdown = () => abort.abort(new Error("server shutting down"));
  context.shutdownSignal.addEventListener("abort", onShutdown, { once: true });
  const loseStream = (error: unknown) => {
    if (!abort.signal.aborted) abort.abort(error);
  };
  const finished: FinishedTurn = { thread, stream, lockId, agent, messages, outcome };
  const writer = createDeltaWriter(context, stream, lockId, agent.streaming, loseStream);
  const heartbeat = startHeartbeat(context, stream, lockId, loseStream);

  try {
    const { uiMessages, modelMessages } = await buildModelMessages(
      context,
      thread,
      agent,
      messages,
    );
    const result = streamText({
      model: agent.model,
      system: agent.system,
      messages: modelMessages,
      // A thread's system messages are the conversation its client stored (B24); they go to the
      // model as they are, without the AI SDK's warning on every turn.
      allowSystemInMessages: true,
      tools: await toolSetFor(context, agent),
      // B9 alone decides retries.
      maxRetries: 0,
      abortSignal: abort.signal,
      onError: ({ error }) => {
        outcome.error ??= error;
      },
      onFinish: ({ totalUsage }) => {
        outcome.usage = totalUsage;
      },
    });
    const chunks = result.toUIMessageStream({
      originalMessages: uiMessages,
      generateMessageId: () => context.newId(),
      sendReasoning: true,
      sendSources: true,
      onFinish: ({ responseMessage }) => {
        outcome.responseMessage = responseMessage;
      },
      onError: (error) => {
        outcome.error ??= error;
        return error instanceof Error ? error.message : String(error);
      },
    });
    for await (const chunk of chunks) {
      if (isMeaningfulChunk(chunk.type)) observation.firstDelta();
      await handleChunk(context, stream, lockId, agent, chunk, outcome);
      if (agent.streaming.saveDeltas) writer.push(chunk);
    }
    // streamText calls onFinish before its stream ends; a stream that ended without it produced
    // no step (the AI SDK's NoOutputGeneratedError), which is a failed turn (B9), not an answer.
    if (outcome.error === undefined && !abort.signal.aborted && outcome.usage === undefined) {
      outcome.error = new Error("the model stream ended without finishing a step");
    }
    if (outcome.error === undefined && !abort.signal.aborted) {
      // The last deltas commit with the answer (B5, B7): one transaction less per turn.
      const lastDeltas = await writer.drain();
      const finalized = await finalizeTurn(context, { ...finished, lastDeltas }).catch(
        async (error: unknown) => {
          // The failed turn keeps what it streamed (B5, B9): the deltas go in without the answer.
          await writer
            .writeDrained(lastDeltas)
            .catch((writeError: unknown) =>
              log.warn({ err: writeError }, "writing the failed turn's deltas failed"),
            );
          throw error;
        },
      );
      // A StopThread (or X3 INTERRUPT) that committed between the stream's end and this finalize
      // made it stale (B8); the answer is still kept and an interrupting message still runs.
      if (!finalized) {
        await saveStoppedTurn(context, finished).catch((error: unknown) =>
          log.error({ err: error }, "saving the stopped turn failed"),
        );
        return "superseded";
      }
      return "completed";
    }
    await writer.flush();
  } catch (error: unknown) {
    if (!abort.signal.aborted && !isStreamOwnershipLostError(error)) {
      outcome.error ??= error;
      // A stream that breaks (a connection reset mid-response) throws out of the loop instead of
      // sending an error chunk: what it streamed before is still written, so watchers keep the
      // output that made the attempt final (B5, B9).
      if (agent.streaming.saveDeltas) {
        await writer
          .flush()
          .catch((flushError: unknown) =>
            log.warn({ err: flushError }, "writing the failed turn's deltas failed"),
          );
      }
    }
  } finally {
    heartbeat.stop();
    writer.dispose();
    unsubscribe();
    context.shutdownSignal.removeEventListener("abort", onShutdown);
  }

  if (context.shutdownSignal.aborted) {
    await handBackStream(context, stream.streamId, lockId).catch((error: unknown) =>
      log.error({ err: error }, "handing back the stream failed"),
    );
    return "handed_back";
  }

  if (abort.signal.aborted || isStreamOwnershipLostError(outcome.error)) {
    // StopThread keeps what was streamed as a partial assistant message (X2).
    await saveStoppedTurn(context, finished).catch((error: unknown) =>
      log.error({ err: error }, "saving the stopped turn failed"),
    );
    return "stopped";
  }
  span.fail(outcome.error);
  try {
    const decision = await failOrRetryTurn(context, finished);
    return decision === "retry" ? "retrying" : decision === "fail" ? "failed" : "superseded";
  } catch (error: unknown) {
    log.error({ err: error }, "handling the turn error failed");
    return "failed";
  }
}

/** Tracks what B7/B9 need and records tool calls as soon as they appear (B6). */
async function handleChunk(
  context: EngineContext,
  stream: StreamRecord,
  lockId: string,
  agent: AgentDefinition,
  chunk: UIMessageChunk,
  outcome: TurnOutcome,
): Promise<void> {
  if (isMeaningfulChunk(chunk.type)) outcome.emittedMeaningfulChunk = true;
  switch (chunk.type) {
    case "start":
      outcome.messageId = chunk.messageId ?? outcome.messageId;
      return;
    case "finish":
      outcome.finishReason = chunk.finishReason;
      return;
    case "tool-input-available": {
      // Tools the provider executes itself pass through (B6).
      if (chunk.providerExecuted === true || !agent.tools.includes(chunk.toolName)) return;
      const messageId = outcome.messageId ?? "";
      const recorded = await mutate(context, async (tx, changes) => {
        const owned = await assertStreamOwner(tx, stream, lockId);
        return recordToolCall(context, tx, changes, owned.thread, {
          toolCallId: chunk.toolCallId,
          toolName: chunk.toolName,
          args: toJsonValue(chunk.input) ?? null,
          messageId,
        });
      });
      if (recorded !== undefined) outcome.recordedToolCallCount += 1;
      return;
    }
    default:
      return;
  }
}

/** Heartbeats the stream every 20–30 s while the turn runs (B3). */
function startHeartbeat(
  context: EngineContext,
  stream: StreamRecord,
  lockId: string,
  onLost: (error: unknown) => void,
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    try {
      await mutate(context, async (tx) => {
        await assertStreamOwner(tx, stream, lockId);
        await tx.updateStream(stream.streamId, { heartbeatAt: context.now() });
      });
      schedule();
    } catch (error: unknown) {
      onLost(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void beat(), heartbeatDelayMs(context.timings, context.random));
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/**
 * A turn interrupted by shutdown hands its stream back: its heartbeat is cleared so recovery on
 * any replica sees it stale at once and restarts the turn (B2, B20).
 */
export async function handBackStream(
  context: EngineContext,
  streamId: string,
  lockId: string,
): Promise<void> {
  await mutate(context, async (tx) => {
    const stream = await tx.getStream(streamId);
    if (stream?.status === "streaming" && stream.lockId === lockId) {
      await tx.updateStream(streamId, { heartbeatAt: 0 });
    }
  });
}

// A turn that failed (B9, B22, X8): classified, offered to the classify hook, then either retried
// after a delay (the thread keeps streaming with a retry state and a durable timer) or failed.
import {
  classifyTurnError,
  decideTurnRetry,
  errorTextOf,
  type TurnRetryHookDecision,
  withTurnRetryDefaults,
} from "@durable-agents/core";
import { withTraceContext } from "../observability/tracing.js";
import type { FailureRecord, RetryStateRecord, TurnErrorFacts } from "../store/records.js";
import type { EngineContext } from "./context.js";
import type { TurnErrorInfo } from "./hooks.js";
import { JOB } from "./jobs.js";
import { abortStreams, runHook, updateThread } from "./thread-transitions.js";
import type { FinishedTurn } from "./turn-finalizer.js";
import { mutate, scheduleJob } from "./unit-of-work.js";

/**
 * Fails or retries the turn (B9). Returns what was decided, or "superseded" when another turn owns
 * the thread's active stream by now and the decision was moot. `context.logger` is the turn's.
 */
export async function failOrRetryTurn(
  context: EngineContext,
  turn: FinishedTurn,
): Promise<"retry" | "fail" | "superseded"> {
  const { thread, stream, lockId, agent, outcome } = turn;
  const now = context.now();
  const classification = classifyTurnError(outcome.error, now);
  const attempt = (thread.retryState?.attempt ?? 0) + 1;
  const retryOptions = withTurnRetryDefaults(agent.retry);
  const info: TurnErrorInfo = {
    threadId: thread.threadId,
    error: outcome.error,
    kind: classification.kind,
    retryable: classification.retryable,
    requiresExplicitHandling: classification.requiresExplicitHandling,
    attempt,
    // As decideTurnRetry counts them: one attempt when retries are off, so the hooks and the
    // failure agree (X8).
    maxAttempts: retryOptions.enabled ? retryOptions.maxAttempts : 1,
  };
  const classify = agent.hooks.classify ?? context.hooks.classify;
  let hookDecision: TurnRetryHookDecision | undefined;
  try {
    hookDecision = classify === undefined ? undefined : await classify(info);
  } catch (error: unknown) {
    context.logger.error({ err: error }, "classify hook failed");
  }
  const decision = decideTurnRetry({
    classification,
    hookDecision,
    attempt,
    hasScheduledToolCalls: outcome.recordedToolCallCount > 0,
    hasEmittedOutput: outcome.emittedMeaningfulChunk,
    options: agent.retry,
    random: context.random,
  });
  const facts: TurnErrorFacts = {
    error: turnErrorText(outcome.error),
    kind: decision.kind,
    // For a retry, whether the error class is retryable (false when a classify hook retries an
    // error the classification would not, as RetryState.retryable documents).
    retryable: decision.action === "retry" ? classification.retryable : decision.retryable,
    requiresExplicitHandling:
      decision.action === "retry"
        ? classification.requiresExplicitHandling
        : decision.requiresExplicitHandling,
    attempt,
    maxAttempts: decision.maxAttempts,
    providerRetryAfterMs: classification.retryAfterMs ?? null,
    outputEmitted: outcome.emittedMeaningfulChunk,
  };
  context.logger.warn({ kind: facts.kind, attempt, action: decision.action }, "turn failed");
  // X6: every turn error counts as a provider error of its B22 kind, whatever follows.
  context.metrics.turnErrored(agent.name, classification.kind);

  return mutate(context, async (tx, changes) => {
    const current = await tx.lockThread(thread.threadId);
    const currentStream = await tx.getStream(stream.streamId);
    // Only the owner of the active stream decides; a replaced turn's error is moot.
    if (
      current === undefined ||
      current.activeStreamId !== stream.streamId ||
      currentStream?.lockId !== lockId ||
      currentStream.status !== "streaming"
    ) {
      return "superseded";
    }
    const hooks = { ...context.hooks, ...agent.hooks };
    if (decision.action === "retry") {
      const retryState: RetryStateRecord = { ...facts, nextRetryAt: now + decision.delayMs };
      await updateThread(context, tx, changes, current, {
        activeStreamId: null,
        continueFlag: false,
        retryState,
      });
      await abortStreams(context, tx, changes, thread.threadId, [
        { streamId: stream.streamId, reason: "error" },
      ]);
      await scheduleJob(context, tx, changes, {
        type: JOB.retryTurn,
        threadId: thread.threadId,
        key: thread.threadId,
        // X6: the retry continues the failed turn's trace.
        payload: withTraceContext(context.tracing, {}),
        runAt: retryState.nextRetryAt,
      });
      changes.afterCommit(() => context.metrics.turnRetryScheduled(agent.name, decision.kind));
      if (hooks.onRetry)
        changes.afterCommit(() =>
          runHook(context, "onRetry", () => hooks.onRetry?.({ ...info, retryState })),
        );
      return "retry";
    }
    const failure: FailureRecord = { ...facts, failedAt: now };
    await updateThread(context, tx, changes, current, {
      status: "failed",
      activeStreamId: null,
      continueFlag: false,
      retryState: null,
      failure,
    });
    await abortStreams(context, tx, changes, thread.threadId, [
      { streamId: stream.streamId, reason: "error" },
    ]);
    if (hooks.onError) {
      changes.afterCommit(() =>
        runHook(context, "onError", () =>
          hooks.onError?.({
            ...info,
            kind: decision.kind,
            retryable: facts.retryable,
            requiresExplicitHandling: facts.requiresExplicitHandling,
            failure,
          }),
        ),
      );
    }
    return "fail";
  });
}

/** How many wrapped causes a failure's text may name. */
const MAX_CAUSES_IN_TEXT = 3;

/**
 * The text of a turn error with the messages of its causes that it does not already say: the AI
 * SDK wraps a connection dropped mid-stream as "Failed to process successful response" whose
 * causes ("terminated", "other side closed") are what a person needs to read (X8).
 */
function turnErrorText(error: unknown): string {
  let text = errorTextOf(error);
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES_IN_TEXT; depth += 1) {
    if (typeof current !== "object" || current === null || !("cause" in current)) break;
    current = current.cause;
    if (current === undefined || current === null) break;
    const causeText = errorTextOf(current);
    if (!text.includes(causeText)) text = `${text}: ${causeText}`;
  }
  return text;
}

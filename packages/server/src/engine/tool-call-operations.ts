// The tool-call RPCs' behaviour (B17, B18) and what runners report through the transport
// (B15, B16, X9).
import type {
  JsonValue,
  ToolCallRecord,
  ToolDefinitionRecord,
  ToolExecutionState,
} from "../store/records.js";
import type { ToolOutcome, ToolProgress, ToolReportSink } from "../transport/tool-transport.js";
import type { EngineContext } from "./context.js";
import {
  InvalidArgumentError,
  ThreadNotFoundError,
  ToolCallNotFoundError,
  ToolCallNotPendingError,
} from "./errors.js";
import { JOB, toolCallKey } from "./jobs.js";
import { getThread, type Owner } from "./thread-operations.js";
import { applyToolFailure, finishToolCall } from "./tool-calls.js";
import { mutate, scheduleJob } from "./unit-of-work.js";

/** AddToolResult / AddToolError (B17): `applied` is false for a call that was already finished. */
export async function completeToolCall(
  context: EngineContext,
  input: { threadId: string; toolCallId: string; owner: Owner } & (
    | { result: JsonValue }
    | { error: string }
  ),
): Promise<{ applied: boolean; toolCall: ToolCallRecord }> {
  await getThread(context, input.threadId, input.owner);
  return mutate(context, (tx, changes) =>
    finishToolCall(
      context,
      tx,
      changes,
      input.threadId,
      input.toolCallId,
      "result" in input
        ? { type: "result", result: input.result }
        : { type: "error", errorText: input.error },
    ),
  );
}

/** "Tool call timed out after 30 minutes": the timeout in its largest whole unit (B18). */
export function describeTimeout(timeoutMs: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1_000, "second"],
  ];
  for (const [unitMs, name] of units) {
    if (timeoutMs >= unitMs && timeoutMs % unitMs === 0) {
      const count = timeoutMs / unitMs;
      return `${count} ${name}${count === 1 ? "" : "s"}`;
    }
  }
  if (timeoutMs >= 1_000) return `${(timeoutMs / 1_000).toFixed(1)} seconds`;
  return `${timeoutMs} ms`;
}

/**
 * SetToolCallTimeout (B18): re-arms the deadline from now, or removes it (`timeoutMs` null);
 * only while the call is pending; a non-positive timeout is invalid.
 */
export async function setToolCallTimeout(
  context: EngineContext,
  input: { threadId: string; toolCallId: string; owner: Owner; timeoutMs: number | null },
): Promise<ToolCallRecord> {
  if (input.timeoutMs !== null && !(input.timeoutMs > 0)) {
    throw new InvalidArgumentError([
      { field: "timeout", description: "must be positive; leave it unset for no timeout" },
    ]);
  }
  await getThread(context, input.threadId, input.owner);
  return mutate(context, async (tx, changes) => {
    const thread = await tx.lockThread(input.threadId);
    if (thread === undefined) throw new ThreadNotFoundError(input.threadId);
    const call = await tx.getToolCall(input.threadId, input.toolCallId);
    if (call === undefined) throw new ToolCallNotFoundError(input.threadId, input.toolCallId);
    if (call.status !== "pending")
      throw new ToolCallNotPendingError(input.threadId, input.toolCallId, call.status);
    const key = toolCallKey(input.threadId, input.toolCallId);
    const deadlineAt = input.timeoutMs === null ? null : context.now() + input.timeoutMs;
    const updated = await tx.updateToolCall(
      input.threadId,
      input.toolCallId,
      { deadlineAt },
      context.now(),
    );
    if (deadlineAt === null) {
      await tx.cancelJobs([{ type: JOB.toolDeadline, key }]);
    } else {
      await scheduleJob(context, tx, changes, {
        type: JOB.toolDeadline,
        threadId: input.threadId,
        key,
        payload: { toolCallId: input.toolCallId, timeoutMs: input.timeoutMs },
        runAt: deadlineAt,
      });
    }
    changes.emit(input.threadId, {
      type: "tool_call",
      toolCall: updated,
    });
    return updated;
  });
}

export async function getToolCall(
  context: EngineContext,
  input: { threadId: string; toolCallId: string; owner: Owner },
): Promise<ToolCallRecord> {
  await getThread(context, input.threadId, input.owner);
  const call = await context.store.getToolCall(input.threadId, input.toolCallId);
  if (call === undefined) throw new ToolCallNotFoundError(input.threadId, input.toolCallId);
  return call;
}

export async function listToolCalls(
  context: EngineContext,
  input: {
    threadId: string;
    owner: Owner;
    statuses?: ToolCallRecord["status"][];
    after?: { createdAt: number; toolCallId: string };
    limit: number;
  },
): Promise<ToolCallRecord[]> {
  await getThread(context, input.threadId, input.owner);
  return context.store.listToolCalls(input.threadId, input);
}

/** RegisterTools: a runner's tool definitions replace earlier ones of the same name. */
export async function registerTools(
  context: EngineContext,
  tools: readonly ToolDefinitionRecord[],
): Promise<ToolDefinitionRecord[]> {
  const names = new Set<string>();
  for (const [index, tool] of tools.entries()) {
    if (names.has(tool.name)) {
      throw new InvalidArgumentError([
        { field: `tools[${index}].name`, description: `duplicate tool name "${tool.name}"` },
      ]);
    }
    names.add(tool.name);
  }
  await mutate(context, async (tx) => {
    for (const tool of tools) await tx.upsertTool(tool);
  });
  return [...tools];
}

/**
 * The execution states a runner's progress report may move a call from (X9): those before it.
 * Progress travels apart from outcomes (core NATS vs JetStream), so a report the attempt has moved
 * past (its "claimed" after "running", its "running" after the async callback's delivery, B16)
 * is late and must not move the call back.
 */
const PROGRESS_FROM: Record<ToolProgress["state"], readonly ToolExecutionState[]> = {
  claimed: ["queued", "claimed"],
  running: ["queued", "claimed", "running"],
};

/** The sink the tool transport reports to: outcomes are applied idempotently (B17). */
export function createToolReportSink(context: EngineContext): ToolReportSink {
  return {
    async onOutcome(outcome: ToolOutcome) {
      const ignoreStale = (current: ToolCallRecord | undefined) =>
        context.logger.debug(
          {
            threadId: outcome.threadId,
            toolCallId: outcome.toolCallId,
            attempt: outcome.attempt,
            currentAttempt: current?.attempt,
            status: current?.status,
          },
          "stale tool outcome ignored",
        );
      // Another attempt's report, or a finished call's, is stale and ignored (B17). Each case
      // checks it under the thread's lock, where the check is final (a RequeueToolCall, X10,
      // may commit at any time before): a check before the transaction too would cost every
      // fresh report a read to spare the rare stale one a transaction.
      await mutate(context, async (tx, changes) => {
        switch (outcome.type) {
          case "result": {
            const finished = await finishToolCall(
              context,
              tx,
              changes,
              outcome.threadId,
              outcome.toolCallId,
              { type: "result", result: outcome.result, runnerId: outcome.runnerId },
              outcome.attempt,
            ).catch((error: unknown) => {
              // A deleted thread's call (B21) has nothing left to finish.
              if (error instanceof ThreadNotFoundError || error instanceof ToolCallNotFoundError)
                return undefined;
              throw error;
            });
            if (finished?.applied !== true) {
              changes.afterCommit(() => ignoreStale(finished?.toolCall));
            }
            return;
          }
          case "error": {
            const { applied, toolCall } = await applyToolFailure(
              context,
              tx,
              changes,
              outcome.threadId,
              outcome.toolCallId,
              outcome.attempt,
              outcome.error,
              outcome.runnerId,
            );
            if (!applied) changes.afterCommit(() => ignoreStale(toolCall));
            return;
          }
          case "callback_delivered": {
            // X9 B16: like progress, the delivery changes how the call runs, never whether it is
            // pending: a compare-and-set on the call, without the thread's lock.
            const updated = await tx.updatePendingToolCall(
              outcome.threadId,
              outcome.toolCallId,
              { attempt: outcome.attempt },
              { executionState: "awaiting_result", runnerId: outcome.runnerId },
              context.now(),
            );
            if (updated === undefined) {
              // The call as it is, for the log line of the stale report.
              const current = await tx.getToolCall(outcome.threadId, outcome.toolCallId);
              changes.afterCommit(() => ignoreStale(current));
              return;
            }
            changes.emit(outcome.threadId, { type: "tool_call", toolCall: updated });
            return;
          }
        }
      });
    },
    async onProgress(progress: ToolProgress) {
      await mutate(context, async (tx, changes) => {
        // X9: progress changes how the call runs, never whether it is pending, so it is a
        // compare-and-set on the call without the thread's lock, which would queue the
        // outcome's transaction behind it.
        const updated = await tx.updatePendingToolCall(
          progress.threadId,
          progress.toolCallId,
          { attempt: progress.attempt, executionStates: PROGRESS_FROM[progress.state] },
          {
            executionState: progress.state,
            runnerId: progress.runnerId,
            lastHeartbeatAt: context.now(),
          },
          context.now(),
        );
        if (updated !== undefined) {
          changes.emit(progress.threadId, { type: "tool_call", toolCall: updated });
        }
      });
    },
  };
}

// ListStuck (X10): threads and tool calls whose owner or heartbeat is gone, or whose next step (a
// job) is overdue, each with the reason. It reads the facts recovery decides on (B2, B3, B20):
// streams' heartbeats, runners' heartbeats, and the jobs that move a thread or call on. It only
// reads; ForceFailThread and RequeueToolCall check again in their own transactions.
import { isStreamOpen } from "@durable-agents/core";
import type { JobRecord, ThreadRecord, ToolCallRecord } from "../store/records.js";
import type { EngineContext } from "./context.js";
import { dispatchKey, JOB, toolCallKey, turnJobKey } from "./jobs.js";
import { streamAliveThresholdMs } from "./stream-timings.js";
import { toolExecutionSign } from "./tool-execution-liveness.js";

/** Why a thread or tool call is stuck (AdminService StuckReason). */
export type StuckReason =
  | "stream_heartbeat_lost"
  | "stream_never_taken"
  | "no_active_stream"
  | "retry_overdue"
  | "tool_not_dispatched"
  | "tool_heartbeat_lost"
  | "tool_deadline_passed"
  | "stream_timed_out"
  | "no_pending_tool_calls"
  | "tool_not_claimed"
  | "job_failing";

export interface StuckDiagnosis {
  reason: StuckReason;
  /** For a person, e.g. "no heartbeat for 3m12s". */
  detail: string;
  /** When the missing progress was last seen or was due (ms since the epoch). */
  sinceAt: number;
}

export interface StuckThread {
  thread: ThreadRecord;
  diagnosis: StuckDiagnosis;
}

export interface StuckToolCall {
  toolCall: ToolCallRecord;
  diagnosis: StuckDiagnosis;
}

/** Where a scan stopped: the last thread and tool call examined, and which list is finished. */
export interface StuckScanPosition {
  threadsAfter?: string;
  threadsDone: boolean;
  callsAfter?: { threadId: string; toolCallId: string };
  callsDone: boolean;
}

export interface StuckPage {
  threads: StuckThread[];
  toolCalls: StuckToolCall[];
  /** Undefined once both lists are finished. */
  next: StuckScanPosition | undefined;
}

/** A job that failed or lost its lease this many runs in a row is reported (X10). */
export const FAILING_JOB_RUNS = 3;
/** Threads (and, apart, tool calls) one call examines at most, so a page's cost is bounded. */
const EXAMINE_LIMIT = 1_000;
const READ_BATCH = 200;

/** "3m12s", "45s", "2h5m", "3d": the two largest units of a duration, whole seconds. */
export function describeDuration(durationMs: number): string {
  const units: [number, string][] = [
    [86_400, "d"],
    [3_600, "h"],
    [60, "m"],
    [1, "s"],
  ];
  let restSeconds = Math.max(0, Math.floor(durationMs / 1_000));
  const first = units.findIndex(([unitSeconds]) => restSeconds >= unitSeconds);
  if (first < 0) return "0s";
  const parts: string[] = [];
  for (const [index, [unitSeconds, name]] of units.slice(first, first + 2).entries()) {
    const count = Math.floor(restSeconds / unitSeconds);
    restSeconds -= count * unitSeconds;
    if (index === 0 || count > 0) parts.push(`${count}${name}`);
  }
  return parts.join("");
}

function failingJob(job: JobRecord | undefined, now: number): StuckDiagnosis | undefined {
  if (job === undefined || job.failedRuns < FAILING_JOB_RUNS) return undefined;
  const next = job.runAt > now ? `next run in ${describeDuration(job.runAt - now)}` : "overdue";
  return {
    reason: "job_failing",
    detail: `its ${job.type} job failed or lost its lease ${job.failedRuns} times (${next})`,
    sinceAt: job.runAt,
  };
}

async function diagnoseActiveStream(
  context: EngineContext,
  thread: ThreadRecord,
  streamId: string,
  now: number,
): Promise<StuckDiagnosis | undefined> {
  const stream = await context.store.getStream(streamId);
  if (stream === undefined || !isStreamOpen(stream.status)) {
    return {
      reason: "no_active_stream",
      detail:
        stream === undefined
          ? `its active stream ${streamId} no longer exists`
          : `its active stream ${streamId} is ${stream.status}, yet still active`,
      sinceAt: stream?.endedAt ?? thread.updatedAt,
    };
  }
  if (stream.status === "streaming") {
    // A stream handed back at shutdown, or released at a restart, has heartbeat 0 (B20).
    if (stream.heartbeatAt === 0) {
      return {
        reason: "stream_heartbeat_lost",
        detail: `stream ${stream.seq} was handed back by its turn (shutdown or restart) and no turn took it over`,
        sinceAt: stream.createdAt,
      };
    }
    const lastBeatAt = stream.heartbeatAt ?? stream.createdAt;
    const silentMs = now - lastBeatAt;
    const holder = stream.lockId === null ? "" : ` (lock ${stream.lockId})`;
    // B3: the stream timeout sweep aborts it within a minute of this.
    if (silentMs >= context.timings.streamTimeoutMs) {
      return {
        reason: "stream_timed_out",
        detail: `stream ${stream.seq} has had no heartbeat for ${describeDuration(silentMs)}, past the stream timeout of ${describeDuration(context.timings.streamTimeoutMs)}${holder}`,
        sinceAt: lastBeatAt,
      };
    }
    // B2: past the liveness threshold the turn's process is presumed gone.
    const aliveThresholdMs = streamAliveThresholdMs(context.timings);
    if (silentMs >= aliveThresholdMs) {
      return {
        reason: "stream_heartbeat_lost",
        detail: `stream ${stream.seq} has had no heartbeat for ${describeDuration(silentMs)} (alive within ${describeDuration(aliveThresholdMs)})${holder}`,
        sinceAt: lastBeatAt,
      };
    }
    return undefined;
  }
  // Pending: its run_turn job has not started the turn yet.
  const job = await context.store.findJob(JOB.runTurn, turnJobKey(stream.streamId));
  const failing = failingJob(job, now);
  if (failing !== undefined) return failing;
  const grace = context.timings.stuckGraceMs;
  if (job === undefined) {
    // The job completes just before its turn takes the stream (B3): a moment without both.
    if (now - stream.createdAt < grace) return undefined;
    return {
      reason: "stream_never_taken",
      detail: `stream ${stream.seq} has been pending for ${describeDuration(now - stream.createdAt)} and its run_turn job is gone`,
      sinceAt: stream.createdAt,
    };
  }
  if (now - job.runAt < grace) return undefined;
  return {
    reason: "stream_never_taken",
    detail: `stream ${stream.seq} is pending; its run_turn job has waited ${describeDuration(now - job.runAt)} for a server to run it`,
    sinceAt: job.runAt,
  };
}

async function diagnoseThread(
  context: EngineContext,
  thread: ThreadRecord,
  now: number,
): Promise<StuckDiagnosis | undefined> {
  if (thread.status !== "streaming" && thread.status !== "awaiting_tool_results") return undefined;
  const { store } = context;
  if (thread.retryState !== null) {
    const job = await store.findJob(JOB.retryTurn, thread.threadId);
    const failing = failingJob(job, now);
    if (failing !== undefined) return failing;
    const dueAt = thread.retryState.nextRetryAt;
    if (now - dueAt < context.timings.stuckGraceMs) return undefined;
    return {
      reason: "retry_overdue",
      detail: `the retry after attempt ${thread.retryState.attempt} was due ${describeDuration(now - dueAt)} ago and has not run; ${
        job === undefined ? "its retry_turn timer is missing" : "its retry_turn job was not run"
      }`,
      sinceAt: dueAt,
    };
  }
  if (thread.activeStreamId !== null) {
    return diagnoseActiveStream(context, thread, thread.activeStreamId, now);
  }
  if (thread.status === "streaming") {
    return {
      reason: "no_active_stream",
      detail: "the thread is streaming with no active stream and no retry pending",
      sinceAt: thread.updatedAt,
    };
  }
  if ((await store.countPendingToolCalls(thread.threadId)) > 0) return undefined;
  // B19 continues a thread when its last call finishes; nothing will continue this one.
  return {
    reason: "no_pending_tool_calls",
    detail: "the thread awaits tool results but none of its tool calls is pending",
    sinceAt: thread.updatedAt,
  };
}

async function diagnoseToolCall(
  context: EngineContext,
  call: ToolCallRecord,
  now: number,
): Promise<StuckDiagnosis | undefined> {
  if (call.status !== "pending") return undefined;
  const { store } = context;
  const grace = context.timings.stuckGraceMs;
  const [deadlineJob, dispatchJob] = await Promise.all([
    store.findJob(JOB.toolDeadline, toolCallKey(call.threadId, call.toolCallId)),
    store.findJob(JOB.dispatchTool, dispatchKey(call.threadId, call.toolCallId, call.attempt)),
  ]);
  // B18: the tool_deadline job should have failed it.
  if (call.deadlineAt !== null && now - call.deadlineAt >= grace) {
    return {
      reason: "tool_deadline_passed",
      detail: `its deadline passed ${describeDuration(now - call.deadlineAt)} ago and it is still pending; ${
        deadlineJob === undefined
          ? "its tool_deadline timer is missing"
          : `its tool_deadline job has not run (${deadlineJob.failedRuns} failed runs)`
      }`,
      sinceAt: call.deadlineAt,
    };
  }
  const failing = failingJob(dispatchJob, now) ?? failingJob(deadlineJob, now);
  if (failing !== undefined) return failing;
  if (dispatchJob !== undefined) {
    if (now - dispatchJob.runAt < grace) return undefined;
    return {
      reason: "tool_not_dispatched",
      detail: `the dispatch of attempt ${call.attempt} was due ${describeDuration(now - dispatchJob.runAt)} ago and has not run`,
      sinceAt: dispatchJob.runAt,
    };
  }
  const silenceMs = context.timings.runnerSilenceLimitMs;
  if (call.kind === "async") {
    // Delivered callbacks wait for AddToolResult / AddToolError, however long that takes (B16).
    if (call.executionState === "awaiting_result") return undefined;
    if (context.transport.isExecutingLocally(call.threadId, call.toolCallId)) return undefined;
    if (now - call.updatedAt < silenceMs) return undefined;
    return {
      reason: "tool_not_claimed",
      detail: `the callback of attempt ${call.attempt} was handed off ${describeDuration(now - call.updatedAt)} ago and never confirmed`,
      sinceAt: call.updatedAt,
    };
  }
  const sign = toolExecutionSign(context, call, now);
  switch (sign.kind) {
    case "executing_locally":
      return undefined;
    case "runner_heartbeat":
      if (sign.alive) return undefined;
      return {
        reason: "tool_heartbeat_lost",
        detail: `runner ${call.runnerId ?? "(unknown)"} has not reported on attempt ${call.attempt} for ${describeDuration(now - sign.at)} (limit ${describeDuration(silenceMs)})`,
        sinceAt: sign.at,
      };
    case "handed_off":
      if (sign.alive) return undefined;
      return {
        reason: "tool_not_claimed",
        detail: `attempt ${call.attempt} was handed to the runners ${describeDuration(now - sign.at)} ago and no runner has taken it`,
        sinceAt: sign.at,
      };
    case "none":
      // A dead process's execution, released at start-up: recovery dispatches it at once.
      if (now - call.updatedAt < grace) return undefined;
      return {
        reason: "tool_not_dispatched",
        detail: `attempt ${call.attempt} has no execution and no dispatch scheduled`,
        sinceAt: call.updatedAt,
      };
  }
}

/**
 * Diagnoses `item`, and when it looks stuck reads it again: its facts were read one by one, so a
 * change in between (a call finished, a turn took its stream) could fake a stuck state. A changed
 * item is diagnosed once more from its new state; one that keeps changing is making progress.
 */
async function confirmStuck<Item>(
  item: Item,
  diagnose: (item: Item) => Promise<StuckDiagnosis | undefined>,
  reread: (item: Item) => Promise<Item | undefined>,
  isUnchanged: (before: Item, after: Item) => boolean,
): Promise<{ item: Item; diagnosis: StuckDiagnosis } | undefined> {
  let current = item;
  for (let look = 0; look < 2; look += 1) {
    const diagnosis = await diagnose(current);
    if (diagnosis === undefined) return undefined;
    const again = await reread(current);
    if (again === undefined) return undefined;
    if (isUnchanged(current, again)) return { item: current, diagnosis };
    current = again;
  }
  return undefined;
}

/** Examines items in key order from `start` until `limit` are found or the budget is spent. */
async function scan<Item, Position, Found>(options: {
  start: Position | undefined;
  limit: number;
  read(after: Position | undefined, limit: number): Promise<Item[]>;
  position(item: Item): Position;
  find(item: Item): Promise<Found | undefined>;
}): Promise<{ found: Found[]; after: Position | undefined; done: boolean }> {
  const found: Found[] = [];
  let after = options.start;
  let examined = 0;
  for (;;) {
    const batch = await options.read(after, READ_BATCH);
    for (const item of batch) {
      after = options.position(item);
      examined += 1;
      const hit = await options.find(item);
      if (hit !== undefined) found.push(hit);
      if (found.length >= options.limit || examined >= EXAMINE_LIMIT) {
        return { found, after, done: false };
      }
    }
    if (batch.length < READ_BATCH) return { found, after, done: true };
  }
}

/** ListStuck (X10): up to `limit` stuck threads and `limit` stuck tool calls after `after`. */
export async function listStuck(
  context: EngineContext,
  input: { after?: StuckScanPosition; limit: number },
): Promise<StuckPage> {
  const { store } = context;
  const now = context.now();
  const start = input.after ?? { threadsDone: false, callsDone: false };
  const threads = start.threadsDone
    ? { found: [], after: start.threadsAfter, done: true }
    : await scan<ThreadRecord, string, StuckThread>({
        start: start.threadsAfter,
        limit: input.limit,
        read: (after, limit) =>
          store.listThreadsByStatus(["streaming", "awaiting_tool_results"], after, limit),
        position: (thread) => thread.threadId,
        find: async (thread) => {
          const stuck = await confirmStuck(
            thread,
            (current) => diagnoseThread(context, current, now),
            (current) => store.getThread(current.threadId),
            (before, after) => before.version === after.version,
          );
          return stuck && { thread: stuck.item, diagnosis: stuck.diagnosis };
        },
      });
  const calls = start.callsDone
    ? { found: [], after: start.callsAfter, done: true }
    : await scan<ToolCallRecord, { threadId: string; toolCallId: string }, StuckToolCall>({
        start: start.callsAfter,
        limit: input.limit,
        read: (after, limit) => store.listPendingToolCalls(after, limit),
        position: (call) => ({ threadId: call.threadId, toolCallId: call.toolCallId }),
        find: async (call) => {
          const stuck = await confirmStuck(
            call,
            (current) => diagnoseToolCall(context, current, now),
            (current) => store.getToolCall(current.threadId, current.toolCallId),
            (before, after) =>
              before.updatedAt === after.updatedAt && before.status === after.status,
          );
          return stuck && { toolCall: stuck.item, diagnosis: stuck.diagnosis };
        },
      });
  const next: StuckScanPosition = {
    threadsDone: threads.done,
    callsDone: calls.done,
    ...(threads.after === undefined ? {} : { threadsAfter: threads.after }),
    ...(calls.after === undefined ? {} : { callsAfter: calls.after }),
  };
  return {
    threads: threads.found,
    toolCalls: calls.found,
    next: threads.done && calls.done ? undefined : next,
  };
}

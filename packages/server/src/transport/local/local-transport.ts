// The in-process ToolTransport of the embedded default: runs tools defined with the tool-runner
// SDK's defineTool in this process, a bounded number at a time, and reports like a remote runner
// would (DESIGN §2), so the engine code is the same for both.
import { executeTool, type ToolDefinition } from "@durable-agents/tool-runner";
import type { Logger } from "pino";
import type { Tracing } from "../../observability/tracing.js";
import type { ToolReportSink, ToolTask, ToolTransport } from "../tool-transport.js";

export interface LocalTransportOptions {
  tools: readonly ToolDefinition[];
  /** Most tool executions at once (the reference's tool workpool). @default 16 */
  maxConcurrentTools?: number;
  /** Identifies this process in ToolCall.runner_id; starts with {@link LOCAL_RUNNER_ID_PREFIX}. */
  runnerId: string;
  logger: Logger;
  now(): number;
  /** Traces each execution as a runner does (`tool.execute <tool>`, X6). */
  tracing: Tracing;
}

/** Every in-process runner id starts with this, so a later process recognises them (B20). */
export const LOCAL_RUNNER_ID_PREFIX = "local:";

/** How often a running tool reports it is alive; well within recovery's silence limit (60 s). */
const TOOL_HEARTBEAT_INTERVAL_MS = 20_000;

const executionKey = (threadId: string, toolCallId: string) => `${threadId}\u0000${toolCallId}`;

export function createLocalTransport(options: LocalTransportOptions): ToolTransport {
  if (!options.runnerId.startsWith(LOCAL_RUNNER_ID_PREFIX)) {
    throw new RangeError(
      `runnerId must start with "${LOCAL_RUNNER_ID_PREFIX}": ${options.runnerId}`,
    );
  }
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  const maxConcurrent = options.maxConcurrentTools ?? 16;
  /** Executions held by this process, queued or running, by thread and call. */
  const held = new Map<
    string,
    { task: ToolTask; abort: AbortController; startRecorded: boolean }
  >();
  const waiting: ToolTask[] = [];
  const inFlight = new Set<Promise<void>>();
  let running = 0;
  let sink: ToolReportSink | undefined;
  let closed = false;

  const runNext = () => {
    while (!closed && running < maxConcurrent && waiting.length > 0) {
      const task = waiting.shift();
      if (task === undefined) return;
      const key = executionKey(task.threadId, task.toolCallId);
      const entry = held.get(key);
      // A waiting attempt that a newer one superseded (RequeueToolCall, X10) never runs.
      if (entry?.task !== task) continue;
      running += 1;
      // The slot bounds running handlers: it frees when the handler ends, before the outcome is
      // reported (a transaction that may wait for the store), so a busy store does not make
      // waiting attempts out of instant tools.
      let slotFreed = false;
      const freeSlot = () => {
        if (slotFreed) return;
        slotFreed = true;
        running -= 1;
        runNext();
      };
      const execution = execute(task, entry.abort.signal, entry.startRecorded, freeSlot).finally(
        () => {
          // Only this attempt's entry: a newer attempt of the call may hold the key by now.
          if (held.get(key) === entry) held.delete(key);
          inFlight.delete(execution);
          freeSlot();
        },
      );
      inFlight.add(execution);
    }
  };

  const execute = async (
    task: ToolTask,
    signal: AbortSignal,
    startRecorded: boolean,
    handlerEnded: () => void,
  ) => {
    const report = sink;
    if (report === undefined) return;
    const tool = tools.get(task.toolName);
    // Heartbeats show the execution alive (X9), so recovery never re-dispatches it (B20).
    const heartbeat = () =>
      report.onProgress({ ...identify(task), state: "running" }).catch((error: unknown) => {
        options.logger.warn(
          { err: error, threadId: task.threadId, toolCallId: task.toolCallId },
          "tool heartbeat failed",
        );
      });
    // The dispatch may have recorded the start (and the first heartbeat) in its own transaction.
    if (!startRecorded) await heartbeat();
    const heartbeats = setInterval(() => void heartbeat(), TOOL_HEARTBEAT_INTERVAL_MS);
    heartbeats.unref();
    const startedAt = options.now();
    // X6: the same span a runner process makes, child of the dispatch's span.
    const span = options.tracing.startSpan(`tool.execute ${task.toolName}`, {
      kind: "consumer",
      parent: task.traceContext ?? null,
      attributes: {
        "durable_agents.thread_id": task.threadId,
        "durable_agents.tool_call_id": task.toolCallId,
        "durable_agents.tool_name": task.toolName,
        "durable_agents.attempt": task.attempt,
        "durable_agents.runner_id": options.runnerId,
      },
    });
    const result = await span
      .run(() => executeTool(tool, { ...task, traceContext: span.traceContext }, signal))
      .finally(() => {
        clearInterval(heartbeats);
        handlerEnded();
      });
    if (result.type === "failed") span.fail(result.failure.message);
    span.end();
    const base = {
      ...identify(task),
      durationMs: options.now() - startedAt,
      traceContext: span.traceContext,
    };
    try {
      if (result.type === "result")
        await report.onOutcome({ ...base, type: "result", result: result.value });
      else if (result.type === "delivered")
        await report.onOutcome({ ...base, type: "callback_delivered" });
      else await report.onOutcome({ ...base, type: "error", error: result.failure });
    } catch (error: unknown) {
      // The call stays pending; recovery (B20) re-dispatches it.
      options.logger.error(
        { err: error, threadId: task.threadId, toolCallId: task.toolCallId },
        "reporting a tool outcome failed",
      );
    }
  };

  const identify = (task: ToolTask) => ({
    threadId: task.threadId,
    toolCallId: task.toolCallId,
    attempt: task.attempt,
    runnerId: options.runnerId,
  });

  return {
    async start(reportSink) {
      sink = reportSink;
    },
    async dispatch(task, dispatchOptions) {
      if (closed) throw new Error("the local tool transport is closed");
      const key = executionKey(task.threadId, task.toolCallId);
      const current = held.get(key);
      // The same attempt dispatched twice (a re-run dispatch job) executes once.
      if (current !== undefined && current.task.attempt >= task.attempt) return;
      current?.abort.abort(new Error("superseded by a newer attempt"));
      held.set(key, {
        task,
        abort: new AbortController(),
        startRecorded: dispatchOptions?.startRecorded === true,
      });
      waiting.push(task);
      runNext();
    },
    async cancel({ threadId, toolCallId, attempt, reason }) {
      const entry = held.get(executionKey(threadId, toolCallId));
      // A cancellation names its attempt; a newer attempt of the call keeps running.
      if (entry?.task.attempt === attempt) entry.abort.abort(new Error(reason));
    },
    isExecutingLocally(threadId, toolCallId) {
      return held.has(executionKey(threadId, toolCallId));
    },
    isInProcessRunner(runnerId) {
      return runnerId.startsWith(LOCAL_RUNNER_ID_PREFIX);
    },
    inProcessRunnerFor() {
      // An attempt that would wait for a slot is not running yet (X9).
      return running + waiting.length < maxConcurrent ? options.runnerId : undefined;
    },
    async close() {
      closed = true;
      waiting.length = 0;
      await Promise.allSettled([...inFlight]);
    },
  };
}

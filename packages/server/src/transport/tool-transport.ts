// The ToolTransport interface (DESIGN §2): how the engine hands tool executions to runners and
// hears back. The local transport runs tools in-process; the NATS transport (issue #4) sends them
// to runner processes. The engine code is the same for both.
import type { ToolFailure, TraceContext } from "@durable-agents/tool-runner";
import type { JsonValue, ToolKind } from "../store/records.js";

/** One attempt of a tool call, sent to a runner (mirrors the runner protocol's ToolTask). */
export interface ToolTask {
  threadId: string;
  toolCallId: string;
  toolName: string;
  args: JsonValue;
  kind: ToolKind;
  /** The number of this attempt, from 1. */
  attempt: number;
  maxAttempts: number;
  /** When the server fails the call if it is still pending; null means never (B18). */
  deadlineAt: number | null;
  /** The W3C context of the dispatch's `tool <name>` span (X6); undefined outside any trace. */
  traceContext: TraceContext | undefined;
}

/**
 * Why an attempt failed, as a runner reports it (mirrors the runner protocol's ToolError); the
 * tool-runner SDK's type, so the in-process and NATS paths describe failures the same way.
 */
export type { ToolFailure };

/** The end of one attempt (mirrors the runner protocol's ToolOutcome). */
export type ToolOutcome = {
  threadId: string;
  toolCallId: string;
  attempt: number;
  runnerId: string;
  durationMs: number;
  /**
   * The W3C context of the execution's span when the runner sent one (X6): what the outcome
   * causes (the next turn) continues that trace.
   */
  traceContext?: TraceContext | undefined;
} & (
  | { type: "result"; result: JsonValue }
  | { type: "error"; error: ToolFailure }
  /** An async tool's callback accepted the notification (B16). */
  | { type: "callback_delivered" }
);

/** Progress of an attempt a runner holds (X9). */
export interface ToolProgress {
  threadId: string;
  toolCallId: string;
  attempt: number;
  runnerId: string;
  state: "claimed" | "running";
}

export interface DispatchOptions {
  /**
   * The dispatch already recorded the attempt running under `inProcessRunnerFor`'s runner id
   * (with its first heartbeat): the runner does not report its start again.
   */
  startRecorded?: boolean;
}

/** Where a transport delivers what runners report; applying an outcome is idempotent (B17). */
export interface ToolReportSink {
  onOutcome(outcome: ToolOutcome): Promise<void>;
  onProgress(progress: ToolProgress): Promise<void>;
}

/** A tool a transport can run, as the model and RegisterTools see it. */
export interface ServedTool {
  name: string;
  description: string;
  kind: ToolKind;
  inputSchema: { [key: string]: JsonValue };
}

export interface ToolTransport {
  /** Starts delivering outcomes and progress to `sink`. */
  start(sink: ToolReportSink): Promise<void>;
  /**
   * Hands one attempt to a runner. Resolves once the hand-off is durable (a PubAck on NATS;
   * accepted into the in-process pool locally); the outcome arrives later through the sink.
   */
  dispatch(task: ToolTask, options?: DispatchOptions): Promise<void>;
  /**
   * The runner id under which `dispatch` would start an attempt of the tool in this process at
   * once (the in-process runner with a free slot), so the dispatch can record it running in its
   * own transaction; undefined when a runner elsewhere takes it and reports when it starts (NATS,
   * X9), or when the in-process runner is busy and the attempt would wait.
   */
  inProcessRunnerFor(toolName: string): string | undefined;
  /** Asks the runner holding the attempt to abort it (X9); best effort. */
  cancel(cancellation: {
    threadId: string;
    toolCallId: string;
    /** The tool of the call: runners hear cancellations per tool (runner.proto). */
    toolName: string;
    attempt: number;
    reason: string;
  }): Promise<void>;
  /** Whether an attempt is executing in this process (for recovery, B20). */
  isExecutingLocally(threadId: string, toolCallId: string): boolean;
  /**
   * Whether `runnerId` names an in-process runner (of this process or an earlier one): its
   * executions end with its process, so on a store no other process uses (SQLite) the ones found at
   * start-up are dead and are re-dispatched at once (B20).
   */
  isInProcessRunner(runnerId: string): boolean;
  /** Stops taking work and waits for in-flight executions to end or be handed back. */
  close(): Promise<void>;
}

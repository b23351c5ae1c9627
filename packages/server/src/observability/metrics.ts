// What the engine, the scheduler and the RPC layer count (X6), as named methods: they never
// import prom-client themselves (prometheus-metrics.ts implements this for /metrics), and unit
// tests run on the no-op default.

/** How a turn ended, the `outcome` label of the turn metrics. */
export type TurnEndOutcome =
  /** Finalized (B7): the thread completed, awaits tool results or continues. */
  | "completed"
  /** Failed for good (B9). */
  | "failed"
  /** Failed; a retry is scheduled (B9). */
  | "retrying"
  /** Its stream was aborted: StopThread, an X3 INTERRUPT, a newer turn or a timeout (X2, B3). */
  | "stopped"
  /** Another turn owned the thread's active stream when this one ended (B8). */
  | "superseded"
  /** The server shut down; the stream was handed back for recovery. */
  | "handed_back";

/** One running turn, from the moment it took its stream's lock (B3). */
export interface TurnObservation {
  /** The turn emitted its first meaningful chunk (B9's sense); later calls are ignored. */
  firstDelta(): void;
  /** The turn ended; later calls are ignored. */
  ended(outcome: TurnEndOutcome): void;
}

/** One attempt of a tool call. */
export interface ToolAttemptId {
  threadId: string;
  toolCallId: string;
  attempt: number;
}

/** How a runner (or the in-process transport) reported an attempt, as ToolOutcome names it. */
export type ToolAttemptOutcome = "result" | "error" | "callback_delivered";

/**
 * How a tool call ended for good. "cancelled": failed while pending by StopThread (B11), an X3
 * INTERRUPT or ForceFailThread (X10), whose error text says which.
 */
export type ToolCallOutcome = "completed" | "failed" | "cancelled";

/** The streaming RPCs whose open calls are counted. */
export type WatchRpc = "StreamUpdates" | "WatchThread";

export interface EngineMetrics {
  /** A turn took its stream (B3); the observation reports its first delta and its end. */
  turnStarted(agent: string): TurnObservation;
  /** A turn failed with a provider (or model) error of this B22 kind. */
  turnErrored(agent: string, kind: string): void;
  /** A failed turn will be retried (B9). */
  turnRetryScheduled(agent: string, kind: string): void;
  /** An attempt was handed to the transport; its duration runs until its outcome is applied here. */
  toolDispatched(tool: string, attempt: ToolAttemptId): void;
  /** A runner reported an attempt's outcome. */
  toolAttemptEnded(attempt: ToolAttemptId, outcome: ToolAttemptOutcome): void;
  /** A tool call ended for good (B15–B18, B11). */
  toolCallFinished(tool: string, outcome: ToolCallOutcome): void;
  /** A failed attempt will be retried: a sync tool's (B15) or an async callback's (B16). */
  toolRetryScheduled(tool: string): void;
  /** A StreamUpdates or WatchThread call opened; the returned function closes it. */
  watcherOpened(rpc: WatchRpc): () => void;
  /** The scheduler claimed a job `lagMs` after it was due. */
  jobClaimed(type: string, lagMs: number): void;
  /** A scheduler pool now runs `running` of at most `limit` jobs. */
  poolUsage(pool: string, running: number, limit: number): void;
}

const noTurn: TurnObservation = { firstDelta: () => undefined, ended: () => undefined };

/** Counts nothing: the default where no registry is wired (unit tests). */
export const noopMetrics: EngineMetrics = {
  turnStarted: () => noTurn,
  turnErrored: () => undefined,
  turnRetryScheduled: () => undefined,
  toolDispatched: () => undefined,
  toolAttemptEnded: () => undefined,
  toolCallFinished: () => undefined,
  toolRetryScheduled: () => undefined,
  watcherOpened: () => () => undefined,
  jobClaimed: () => undefined,
  poolUsage: () => undefined,
};

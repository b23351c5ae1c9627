// The durable jobs the engine schedules (DESIGN §4): each is committed with the state change that
// implies it and run by the scheduler, so a crash between deciding and doing loses nothing.
export const JOB = {
  /** Run the turn of a stream (B3). key: stream id. */
  runTurn: "run_turn",
  /** A failed turn's retry is due (B9). key: thread id. */
  retryTurn: "retry_turn",
  /** Send one attempt of a tool call to a runner (B6, B15). key: thread:call:attempt. */
  dispatchTool: "dispatch_tool",
  /** A pending tool call's deadline (B18). key: thread:call. */
  toolDeadline: "tool_deadline",
  /** A stream without heartbeat for too long is aborted "timeout" (B3). key: stream id. */
  streamTimeout: "stream_timeout",
  /**
   * Delete the streams that finished or aborted the cleanup delay ago, with their deltas (B7):
   * one recurring sweep per deployment. key: "stream_cleanup". (Jobs of earlier versions, one per
   * stream with its id as key and in the payload, delete that stream.)
   */
  streamCleanup: "stream_cleanup",
  /** Periodic recovery (B20). key: "recovery". */
  recovery: "recovery",
} as const;

export type JobType = (typeof JOB)[keyof typeof JOB];

export const turnJobKey = (streamId: string) => streamId;
export const toolCallKey = (threadId: string, toolCallId: string) => `${threadId}:${toolCallId}`;
export const dispatchKey = (threadId: string, toolCallId: string, attempt: number) =>
  `${threadId}:${toolCallId}:${attempt}`;

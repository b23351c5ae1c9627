import type { FinishReason } from "ai";

/** How a turn ended: what B7 needs to pick the thread's next status. */
export interface TurnEnd {
  /**
   * Tool calls the turn recorded for execution (B6). Calls executed by the provider itself are not
   * counted: their results are already in the response.
   */
  recordedToolCallCount: number;
  /** The model's finish reason; `undefined` when the stream carried none. */
  finishReason: FinishReason | undefined;
}

/**
 * The thread's status after a turn (B7), written when the turn finalizes (B8):
 * - `await_tool_results`: the turn recorded tool calls; the last outcome continues the thread (B19);
 * - `complete`: the model is done (any finish reason but tool-calls, or none); call the
 *   turn-complete hook;
 * - `continue`: the model asked for tools but none was recorded (all were executed by the provider,
 *   or were invalid and already answered with an error): the thread stays streaming and continues
 *   (B2) after finalize, so the model sees those results, as the AI SDK's own step loop does.
 */
export type EndOfTurnDecision =
  | { kind: "await_tool_results"; status: "awaiting_tool_results" }
  | { kind: "complete"; status: "completed" }
  | { kind: "continue"; status: "streaming" };

export function decideEndOfTurn(turn: TurnEnd): EndOfTurnDecision {
  // Recorded calls win over any finish reason: their outcomes must reach the model.
  if (turn.recordedToolCallCount > 0) {
    return { kind: "await_tool_results", status: "awaiting_tool_results" };
  }
  if (turn.finishReason === "tool-calls") {
    return { kind: "continue", status: "streaming" };
  }
  return { kind: "complete", status: "completed" };
}

import { describe, expect, it } from "vitest";
import { decideEndOfTurn, type EndOfTurnDecision, type TurnEnd } from "./end-of-turn.js";

const awaitResults = { kind: "await_tool_results", status: "awaiting_tool_results" } as const;
const complete = { kind: "complete", status: "completed" } as const;
const keepGoing = { kind: "continue", status: "streaming" } as const;

describe("decideEndOfTurn (B7)", () => {
  it.each<{ name: string; turn: TurnEnd; expected: EndOfTurnDecision }>([
    {
      name: "B7 tool calls recorded, finish reason tool-calls: await tool results",
      turn: { recordedToolCallCount: 2, finishReason: "tool-calls" },
      expected: awaitResults,
    },
    {
      name: "B7 tool calls recorded, finish reason stop: still await tool results",
      turn: { recordedToolCallCount: 1, finishReason: "stop" },
      expected: awaitResults,
    },
    {
      name: "B7 tool calls recorded, no finish reason: await tool results",
      turn: { recordedToolCallCount: 1, finishReason: undefined },
      expected: awaitResults,
    },
    {
      name: "B7 no tool calls, finish reason stop: completed",
      turn: { recordedToolCallCount: 0, finishReason: "stop" },
      expected: complete,
    },
    {
      name: "B7 no tool calls, finish reason length: completed",
      turn: { recordedToolCallCount: 0, finishReason: "length" },
      expected: complete,
    },
    {
      name: "B7 no tool calls, finish reason content-filter: completed",
      turn: { recordedToolCallCount: 0, finishReason: "content-filter" },
      expected: complete,
    },
    {
      name: "B7 no tool calls, finish reason error: completed",
      turn: { recordedToolCallCount: 0, finishReason: "error" },
      expected: complete,
    },
    {
      name: "B7 no tool calls, finish reason other: completed",
      turn: { recordedToolCallCount: 0, finishReason: "other" },
      expected: complete,
    },
    {
      name: "B7 no tool calls and no finish reason: completed",
      turn: { recordedToolCallCount: 0, finishReason: undefined },
      expected: complete,
    },
    {
      name: "B7 finish reason tool-calls but none recorded: stay streaming and continue",
      turn: { recordedToolCallCount: 0, finishReason: "tool-calls" },
      expected: keepGoing,
    },
  ])("$name", ({ turn, expected }) => {
    expect(decideEndOfTurn(turn)).toStrictEqual(expected);
  });
});

import { describe, expect, it } from "vitest";
import type { StreamSnapshot, ThreadSnapshot } from "./thread-snapshot.js";
import { decideAfterToolComplete, type ToolCompleteDecision } from "./tool-complete-check.js";

const now = 1_000_000;

function thread(overrides: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return {
    status: "awaiting_tool_results",
    stopSignal: false,
    seq: 3,
    continueFlag: false,
    retryState: undefined,
    activeStream: undefined,
    pendingToolCallCount: 0,
    otherOpenStreams: [],
    ...overrides,
  };
}

const streaming = (heartbeatAgeMs: number): StreamSnapshot => ({
  id: "s3",
  status: "streaming",
  seq: 3,
  lockId: "turn",
  heartbeatAt: now - heartbeatAgeMs,
});

describe("decideAfterToolComplete (B19)", () => {
  it.each<{ name: string; thread: ThreadSnapshot; expected: ToolCompleteDecision }>([
    {
      name: "B19 stop signal: stop and abort the active stream",
      thread: thread({ status: "streaming", stopSignal: true, activeStream: streaming(0) }),
      expected: { kind: "stop", abortStreams: [{ streamId: "s3", reason: "stopSignal" }] },
    },
    {
      name: "B19 stop signal without an active stream: stop",
      thread: thread({ stopSignal: true, pendingToolCallCount: 2 }),
      expected: { kind: "stop", abortStreams: [] },
    },
    {
      name: "B19 stop signal on an already stopped thread: stop (idempotent)",
      thread: thread({ status: "stopped", stopSignal: true }),
      expected: { kind: "stop", abortStreams: [] },
    },
    {
      name: "B19 completed thread: nothing",
      thread: thread({ status: "completed" }),
      expected: { kind: "noop", reason: "thread_not_running" },
    },
    {
      name: "B19 failed thread: nothing",
      thread: thread({ status: "failed" }),
      expected: { kind: "noop", reason: "thread_not_running" },
    },
    {
      name: "B19 stopped thread: nothing",
      thread: thread({ status: "stopped" }),
      expected: { kind: "noop", reason: "thread_not_running" },
    },
    {
      name: "B19 other tool calls still pending: nothing",
      thread: thread({ pendingToolCallCount: 1 }),
      expected: { kind: "noop", reason: "tool_calls_pending" },
    },
    {
      name: "B19 last call done while the turn still streams: set the continue flag",
      thread: thread({ status: "streaming", activeStream: streaming(39_999) }),
      expected: { kind: "set_continue_flag" },
    },
    {
      name: "B19 last call done, active stream stale: continue",
      thread: thread({ status: "streaming", activeStream: streaming(40_000) }),
      expected: { kind: "continue" },
    },
    {
      name: "B19 last call done, awaiting tool results, no active stream: continue",
      thread: thread({ status: "awaiting_tool_results" }),
      expected: { kind: "continue" },
    },
    {
      name: "B19 last call done, active stream pending (not alive): continue",
      thread: thread({
        status: "streaming",
        activeStream: { id: "s4", status: "pending", seq: 4 },
      }),
      expected: { kind: "continue" },
    },
  ])("$name", ({ thread, expected }) => {
    expect(decideAfterToolComplete(thread, now)).toStrictEqual(expected);
  });
});

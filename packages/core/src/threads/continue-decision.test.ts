import { describe, expect, it } from "vitest";
import { type ContinueDecision, decideContinue } from "./continue-decision.js";
import type { StreamSnapshot, ThreadSnapshot } from "./thread-snapshot.js";

const now = 1_000_000;

function thread(overrides: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return {
    status: "completed",
    stopSignal: false,
    seq: 4,
    continueFlag: false,
    retryState: undefined,
    activeStream: undefined,
    pendingToolCallCount: 0,
    otherOpenStreams: [],
    ...overrides,
  };
}

const streamingStream = (id: string, heartbeatAgeMs: number): StreamSnapshot => ({
  id,
  status: "streaming",
  seq: 4,
  heartbeatAt: now - heartbeatAgeMs,
  lockId: `lock-${id}`,
});
const pendingStream = (id: string): StreamSnapshot => ({ id, status: "pending", seq: 4 });
const endedStream = (id: string, status: "finished" | "aborted"): StreamSnapshot => ({
  id,
  status,
  seq: 3,
});

describe("decideContinue (B2)", () => {
  it.each<{ name: string; thread: ThreadSnapshot; expected: ContinueDecision }>([
    {
      name: "B2 stop signal: stop and abort the streaming active stream (stopSignal)",
      thread: thread({
        status: "streaming",
        stopSignal: true,
        activeStream: streamingStream("s4", 1_000),
      }),
      expected: { kind: "stop", abortStreams: [{ streamId: "s4", reason: "stopSignal" }] },
    },
    {
      name: "B2 stop signal: a pending active stream is aborted too",
      thread: thread({ status: "streaming", stopSignal: true, activeStream: pendingStream("s4") }),
      expected: { kind: "stop", abortStreams: [{ streamId: "s4", reason: "stopSignal" }] },
    },
    {
      name: "B2 stop signal without an active stream: stop, nothing to abort",
      thread: thread({ status: "awaiting_tool_results", stopSignal: true }),
      expected: { kind: "stop", abortStreams: [] },
    },
    {
      name: "B2 stop signal: an already finished active stream is not aborted again",
      thread: thread({ stopSignal: true, activeStream: endedStream("s3", "finished") }),
      expected: { kind: "stop", abortStreams: [] },
    },
    {
      name: "B2 stop signal: other open streams of the thread are aborted too",
      thread: thread({
        status: "streaming",
        stopSignal: true,
        activeStream: streamingStream("s4", 0),
        otherOpenStreams: [streamingStream("s2", 90_000), pendingStream("s3")],
      }),
      expected: {
        kind: "stop",
        abortStreams: [
          { streamId: "s4", reason: "stopSignal" },
          { streamId: "s2", reason: "stopSignal" },
          { streamId: "s3", reason: "stopSignal" },
        ],
      },
    },
    {
      name: "B2 stop signal wins over a pending retry and pending tool calls",
      thread: thread({
        status: "streaming",
        stopSignal: true,
        retryState: { nextRetryAt: now + 5_000 },
        pendingToolCallCount: 2,
      }),
      expected: { kind: "stop", abortStreams: [] },
    },
    {
      name: "B2 stopped thread: nothing",
      thread: thread({ status: "stopped", activeStream: streamingStream("s4", 90_000) }),
      expected: { kind: "noop", reason: "thread_stopped" },
    },
    {
      name: "B2 retry pending and not yet due: re-arm its timer only",
      thread: thread({ status: "streaming", retryState: { nextRetryAt: now + 1_500 } }),
      expected: { kind: "rearm_retry_timer", retryAt: now + 1_500, delayMs: 1_500 },
    },
    {
      name: "B2 retry not yet due is checked before pending tool calls",
      thread: thread({
        status: "streaming",
        retryState: { nextRetryAt: now + 1 },
        pendingToolCallCount: 1,
      }),
      expected: { kind: "rearm_retry_timer", retryAt: now + 1, delayMs: 1 },
    },
    {
      name: "B2 retry due exactly now: the continue starts the retry turn",
      thread: thread({ status: "streaming", retryState: { nextRetryAt: now } }),
      expected: { kind: "start_turn", streamSeq: 5, abortStreams: [] },
    },
    {
      name: "B2 retry overdue: start the retry turn",
      thread: thread({ status: "streaming", retryState: { nextRetryAt: now - 60_000 } }),
      expected: { kind: "start_turn", streamSeq: 5, abortStreams: [] },
    },
    {
      name: "B2 tool calls pending: nothing",
      thread: thread({ status: "awaiting_tool_results", pendingToolCallCount: 1 }),
      expected: { kind: "noop", reason: "tool_calls_pending" },
    },
    {
      name: "B2 active stream alive: set the continue flag",
      thread: thread({ status: "streaming", activeStream: streamingStream("s4", 39_999) }),
      expected: { kind: "set_continue_flag" },
    },
    {
      name: "B2 active stream alive and flag already set: set it again (idempotent)",
      thread: thread({
        status: "streaming",
        continueFlag: true,
        activeStream: streamingStream("s4", 0),
      }),
      expected: { kind: "set_continue_flag" },
    },
    {
      name: "B2 active stream streaming but stale (40 s): abort it expired and start a turn",
      thread: thread({ status: "streaming", activeStream: streamingStream("s4", 40_000) }),
      expected: {
        kind: "start_turn",
        streamSeq: 5,
        abortStreams: [{ streamId: "s4", reason: "expired" }],
      },
    },
    {
      name: "B2 active stream pending, never taken: abort it superseded and start a turn",
      thread: thread({ status: "streaming", activeStream: pendingStream("s4") }),
      expected: {
        kind: "start_turn",
        streamSeq: 5,
        abortStreams: [{ streamId: "s4", reason: "superseded" }],
      },
    },
    {
      name: "B2 active stream already finished: start a turn, nothing to abort",
      thread: thread({ status: "streaming", activeStream: endedStream("s4", "finished") }),
      expected: { kind: "start_turn", streamSeq: 5, abortStreams: [] },
    },
    {
      name: "B2 active stream already aborted: start a turn, nothing to abort",
      thread: thread({ status: "streaming", activeStream: endedStream("s4", "aborted") }),
      expected: { kind: "start_turn", streamSeq: 5, abortStreams: [] },
    },
    {
      name: "B2 idle completed thread: start a turn with seq = thread.seq + 1",
      thread: thread({ status: "completed", seq: 0 }),
      expected: { kind: "start_turn", streamSeq: 1, abortStreams: [] },
    },
    {
      name: "B2 failed thread: start a turn",
      thread: thread({ status: "failed", seq: 7 }),
      expected: { kind: "start_turn", streamSeq: 8, abortStreams: [] },
    },
    {
      name: "B2 start turn: other streaming streams of the thread are aborted superseded",
      thread: thread({
        status: "streaming",
        activeStream: streamingStream("s4", 50_000),
        otherOpenStreams: [streamingStream("s2", 1_000), pendingStream("s3")],
      }),
      expected: {
        kind: "start_turn",
        streamSeq: 5,
        abortStreams: [
          { streamId: "s4", reason: "expired" },
          { streamId: "s2", reason: "superseded" },
          { streamId: "s3", reason: "superseded" },
        ],
      },
    },
    {
      name: "B2 start turn: ended or duplicate entries among the others are not aborted",
      thread: thread({
        status: "streaming",
        activeStream: pendingStream("s4"),
        otherOpenStreams: [
          endedStream("s1", "finished"),
          endedStream("s2", "aborted"),
          pendingStream("s4"),
          streamingStream("s3", 0),
          streamingStream("s3", 0),
        ],
      }),
      expected: {
        kind: "start_turn",
        streamSeq: 5,
        abortStreams: [
          { streamId: "s4", reason: "superseded" },
          { streamId: "s3", reason: "superseded" },
        ],
      },
    },
  ])("$name", ({ thread, expected }) => {
    expect(decideContinue(thread, now)).toStrictEqual(expected);
  });

  it.each<{ name: string; heartbeatAgeMs: number; expected: ContinueDecision["kind"] }>([
    {
      name: "B2 custom alive threshold: inside",
      heartbeatAgeMs: 9_999,
      expected: "set_continue_flag",
    },
    { name: "B2 custom alive threshold: outside", heartbeatAgeMs: 10_000, expected: "start_turn" },
  ])("$name", ({ heartbeatAgeMs, expected }) => {
    const snapshot = thread({
      status: "streaming",
      activeStream: streamingStream("s4", heartbeatAgeMs),
    });
    expect(decideContinue(snapshot, now, { streamAliveThresholdMs: 10_000 }).kind).toBe(expected);
  });
});

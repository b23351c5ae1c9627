import { describe, expect, it } from "vitest";
import {
  checkStreamWrite,
  decideStreamLock,
  type StreamLockDecision,
  type StreamOwnershipInput,
  type StreamWriteCheck,
} from "./stream-lock.js";
import type { StreamSnapshot } from "./thread-snapshot.js";

const pending: StreamSnapshot = { id: "s5", status: "pending", seq: 5 };
const lockedBy = (lockId: string): StreamSnapshot => ({
  id: "s5",
  status: "streaming",
  seq: 5,
  lockId,
  heartbeatAt: 1_000,
});
const ended = (status: "finished" | "aborted"): StreamSnapshot => ({ id: "s5", status, seq: 5 });

describe("decideStreamLock (B3)", () => {
  it.each<{ name: string; input: StreamOwnershipInput; expected: StreamLockDecision }>([
    {
      name: "B3 pending active stream: take it",
      input: { stream: pending, activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "take" },
    },
    {
      name: "B3 stream already locked by the same lock id: take again (refresh heartbeat)",
      input: { stream: lockedBy("turn-a"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "take" },
    },
    {
      name: "B3 stream locked by another lock id: refuse",
      input: { stream: lockedBy("turn-b"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "refuse", reason: "locked_by_other" },
    },
    {
      name: "B3 finished stream: refuse",
      input: { stream: ended("finished"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "refuse", reason: "stream_ended" },
    },
    {
      name: "B3 aborted stream: refuse",
      input: { stream: ended("aborted"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "refuse", reason: "stream_ended" },
    },
    {
      name: "B3 no longer the active stream: abort it and end quietly",
      input: { stream: pending, activeStreamId: "s6", lockId: "turn-a" },
      expected: { kind: "end_quietly", abortStreams: [{ streamId: "s5", reason: "inactive" }] },
    },
    {
      name: "B3 thread has no active stream: abort it and end quietly",
      input: { stream: lockedBy("turn-b"), activeStreamId: undefined, lockId: "turn-a" },
      expected: { kind: "end_quietly", abortStreams: [{ streamId: "s5", reason: "inactive" }] },
    },
    {
      name: "B3 not active and already aborted: end quietly without a second abort",
      input: { stream: ended("aborted"), activeStreamId: "s6", lockId: "turn-a" },
      expected: { kind: "end_quietly", abortStreams: [] },
    },
  ])("$name", ({ input, expected }) => {
    expect(decideStreamLock(input)).toStrictEqual(expected);
  });
});

describe("checkStreamWrite (B3 owner-only writes)", () => {
  it.each<{ name: string; input: StreamOwnershipInput; expected: StreamWriteCheck }>([
    {
      name: "B3 lock holder of the active stream may write",
      input: { stream: lockedBy("turn-a"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "allow" },
    },
    {
      name: "B3 a pending stream is not written before it is taken",
      input: { stream: pending, activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "refuse", reason: "not_streaming", abortStreams: [] },
    },
    {
      name: "B3 an aborted stream refuses the stale owner's writes",
      input: { stream: ended("aborted"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "refuse", reason: "not_streaming", abortStreams: [] },
    },
    {
      name: "B3 another lock holder's stream is refused but left running",
      input: { stream: lockedBy("turn-b"), activeStreamId: "s5", lockId: "turn-a" },
      expected: { kind: "refuse", reason: "locked_by_other", abortStreams: [] },
    },
    {
      name: "B3 owner whose stream was replaced: refuse and abort it",
      input: { stream: lockedBy("turn-a"), activeStreamId: "s6", lockId: "turn-a" },
      expected: {
        kind: "refuse",
        reason: "inactive",
        abortStreams: [{ streamId: "s5", reason: "inactive" }],
      },
    },
  ])("$name", ({ input, expected }) => {
    expect(checkStreamWrite(input)).toStrictEqual(expected);
  });
});

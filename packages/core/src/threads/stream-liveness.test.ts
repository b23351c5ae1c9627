import { describe, expect, it } from "vitest";
import { isStreamAlive, isStreamTimedOut, nextHeartbeatDelayMs } from "./stream-liveness.js";
import {
  STREAM_ALIVE_THRESHOLD_MS,
  STREAM_CLEANUP_DELAY_MS,
  STREAM_HEARTBEAT_INTERVAL_MS,
  STREAM_HEARTBEAT_MAX_JITTER_MS,
  STREAM_TIMEOUT_MS,
} from "./stream-timing.js";
import type { StreamSnapshot } from "./thread-snapshot.js";

const now = 1_000_000;
const streaming = (heartbeatAgeMs: number): StreamSnapshot => ({
  id: "s1",
  status: "streaming",
  seq: 1,
  heartbeatAt: now - heartbeatAgeMs,
  lockId: "lock",
});

describe("stream timing constants", () => {
  it("match B2, B3 and B7", () => {
    expect({
      STREAM_HEARTBEAT_INTERVAL_MS,
      STREAM_HEARTBEAT_MAX_JITTER_MS,
      STREAM_ALIVE_THRESHOLD_MS,
      STREAM_TIMEOUT_MS,
      STREAM_CLEANUP_DELAY_MS,
    }).toStrictEqual({
      STREAM_HEARTBEAT_INTERVAL_MS: 30_000,
      STREAM_HEARTBEAT_MAX_JITTER_MS: 10_000,
      STREAM_ALIVE_THRESHOLD_MS: 40_000,
      STREAM_TIMEOUT_MS: 600_000,
      STREAM_CLEANUP_DELAY_MS: 300_000,
    });
  });
});

describe("isStreamAlive (B2, B19)", () => {
  it.each<{ name: string; stream: StreamSnapshot | undefined; threshold?: number; alive: boolean }>(
    [
      { name: "streaming with a fresh heartbeat", stream: streaming(0), alive: true },
      { name: "heartbeat 39.999 s old", stream: streaming(39_999), alive: true },
      { name: "heartbeat exactly 40 s old", stream: streaming(40_000), alive: false },
      { name: "heartbeat from a clock slightly ahead", stream: streaming(-500), alive: true },
      { name: "no stream", stream: undefined, alive: false },
      { name: "pending stream", stream: { id: "s1", status: "pending", seq: 1 }, alive: false },
      {
        name: "finished stream with a fresh heartbeat",
        stream: { ...streaming(0), status: "finished" },
        alive: false,
      },
      {
        name: "aborted stream with a fresh heartbeat",
        stream: { ...streaming(0), status: "aborted" },
        alive: false,
      },
      {
        name: "streaming without a heartbeat",
        stream: { id: "s1", status: "streaming", seq: 1 },
        alive: false,
      },
      { name: "custom threshold, inside", stream: streaming(4_999), threshold: 5_000, alive: true },
      {
        name: "custom threshold, outside",
        stream: streaming(5_000),
        threshold: 5_000,
        alive: false,
      },
    ],
  )("$name → alive=$alive", ({ stream, threshold, alive }) => {
    expect(isStreamAlive(stream, now, threshold)).toBe(alive);
  });
});

describe("isStreamTimedOut (B3)", () => {
  it.each<{ name: string; stream: StreamSnapshot; timedOut: boolean }>([
    { name: "heartbeat 9m59.999s old", stream: streaming(599_999), timedOut: false },
    { name: "heartbeat exactly 10 min old", stream: streaming(600_000), timedOut: true },
    { name: "heartbeat an hour old", stream: streaming(3_600_000), timedOut: true },
    { name: "pending stream", stream: { id: "s1", status: "pending", seq: 1 }, timedOut: false },
    {
      name: "finished stream with an old heartbeat",
      stream: { ...streaming(3_600_000), status: "finished" },
      timedOut: false,
    },
  ])("$name → timedOut=$timedOut", ({ stream, timedOut }) => {
    expect(isStreamTimedOut(stream, now)).toBe(timedOut);
  });

  it("takes a shorter timeout when given one (engine timings)", () => {
    expect(isStreamTimedOut(streaming(59_999), now, 60_000)).toBe(false);
    expect(isStreamTimedOut(streaming(60_000), now, 60_000)).toBe(true);
  });
});

describe("nextHeartbeatDelayMs (B3 jitter)", () => {
  it.each([
    { random: 0, delayMs: 30_000 },
    { random: 0.5, delayMs: 25_000 },
    { random: 0.99999, delayMs: 20_001 },
  ])("random $random → $delayMs ms", ({ random, delayMs }) => {
    expect(nextHeartbeatDelayMs(() => random)).toBe(delayMs);
  });
});

// Stream liveness (B2, B3) from the one configurable heartbeat interval: heartbeats come up to a
// third of the interval early (jitter), and a stream is alive while its heartbeat is younger than
// 4/3 of the interval — the defaults of DESIGN §6 (30 s, 10 s of jitter, alive 40 s), scaled.
import { nextHeartbeatDelayMs } from "@durable-agents/core";
import type { EngineTimings } from "./context.js";

/** A streaming stream with a heartbeat younger than this is alive (B2, B19). */
export function streamAliveThresholdMs(timings: EngineTimings): number {
  return Math.round((timings.streamHeartbeatIntervalMs * 4) / 3);
}

/** The delay before a turn's next heartbeat (B3). */
export function heartbeatDelayMs(timings: EngineTimings, random: () => number): number {
  const intervalMs = timings.streamHeartbeatIntervalMs;
  return nextHeartbeatDelayMs(random, intervalMs, Math.floor(intervalMs / 3));
}

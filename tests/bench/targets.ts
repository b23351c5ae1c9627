// The targets of issue #8 and how a figure is judged against them. A verdict is part of the
// figure's line (`target`, `verdict`); `measured` is what the summary on stderr shows beside it.

export type Verdict = "PASS" | "FAIL";

export interface Judgement {
  target: string;
  verdict: Verdict;
  measured: string;
}

/** Issue #8's targets, in the unit of the figure they judge. */
export const TARGETS = {
  /** Durable tool loop p50 over the in-process AI SDK tool loop's p50. */
  embeddedLoopTimesFloor: 2.0,
  natsPostgresLoopTimesFloor: 3.0,
  /** Tool call emitted → result persisted → next turn starts, ms. */
  embeddedHopMs: { p50: 2, p99: 5 },
  natsPostgresHopMs: { p50: 3, p99: 7 },
  /** Model chunk → StreamUpdates client, throttle 0, ms. */
  deltaLatencyMs: { p50: 0.25, p99: 2 },
  /** Tool loops (1 tool call + 50 deltas each) per second, 64 threads, embedded. */
  embeddedTurnsPerSecond: 150,
  /** Resident memory per active stream, KiB. */
  activeStreamKiB: 64,
} as const;

const verdict = (holds: boolean): Verdict => (holds ? "PASS" : "FAIL");
const show = (value: number) => String(Math.round(value * 1000) / 1000);

/** p50 at most `limit` times the floor's p50. */
export function ratioAtMost(ratio: number, limit: number): Judgement {
  return {
    target: `p50 <= ${limit}x floor`,
    verdict: verdict(ratio <= limit),
    measured: `${show(ratio)}x`,
  };
}

/** p50 and p99 at most the limits, in the figure's unit. */
export function latencyAtMost(
  figure: { p50: number; p99: number; unit: string },
  limits: { p50: number; p99: number },
): Judgement {
  const { unit } = figure;
  return {
    target: `p50 <= ${limits.p50} ${unit}, p99 <= ${limits.p99} ${unit}`,
    verdict: verdict(figure.p50 <= limits.p50 && figure.p99 <= limits.p99),
    measured: `p50 ${show(figure.p50)} ${unit}, p99 ${show(figure.p99)} ${unit}`,
  };
}

export function valueAtLeast(value: number, limit: number, unit: string): Judgement {
  return {
    target: `>= ${limit} ${unit}`,
    verdict: verdict(value >= limit),
    measured: `${show(value)} ${unit}`,
  };
}

export function valueAtMost(value: number, limit: number, unit: string): Judgement {
  return {
    target: `<= ${limit} ${unit}`,
    verdict: verdict(value <= limit),
    measured: `${show(value)} ${unit}`,
  };
}

/** A peer's loop is slower (higher p50) than the durable loop it is compared with. */
export function slowerThan(durable: { name: string; p50: number }, peerP50: number): Judgement {
  return {
    target: `${durable.name} p50 < this p50`,
    verdict: verdict(durable.p50 < peerP50),
    measured: `${show(durable.p50)} ms vs ${show(peerP50)} ms`,
  };
}

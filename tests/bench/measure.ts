// Timing one operation: warm up, then run it `iterations` times one after the other and report
// percentiles of the wall-clock durations. Sequential on purpose: these are latency figures.
import { performance } from "node:perf_hooks";

export interface Sample {
  /** Durations in ms, in the order they were measured. */
  durationsMs: number[];
}

export interface MeasureOptions {
  warmup: number;
  iterations: number;
}

/**
 * Runs `prepare` (untimed) then `run` (timed) for each iteration. `prepare`'s result goes to `run`,
 * so per-iteration setup such as creating a thread stays out of the figure.
 */
export async function measure<Prepared>(
  options: MeasureOptions,
  prepare: () => Promise<Prepared> | Prepared,
  run: (prepared: Prepared) => Promise<void> | void,
): Promise<Sample> {
  for (let index = 0; index < options.warmup; index++) await run(await prepare());
  const durationsMs: number[] = [];
  for (let index = 0; index < options.iterations; index++) {
    const prepared = await prepare();
    const start = performance.now();
    await run(prepared);
    durationsMs.push(performance.now() - start);
  }
  return { durationsMs };
}

/** The nearest-rank percentile (0 < p ≤ 100) of durations. */
export function percentile(durationsMs: readonly number[], p: number): number {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  const value = sorted[rank - 1];
  if (value === undefined) throw new Error("no durations to take a percentile of");
  return value;
}

export type Unit = "ms" | "us";

/** One output line: the figure's name, its unit, p50/p99/mean and the number of samples. */
export interface Figure {
  name: string;
  unit: Unit;
  p50: number;
  p99: number;
  mean: number;
  n: number;
  [extra: string]: string | number | boolean;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

export function toFigure(
  name: string,
  unit: Unit,
  sample: Sample,
  extra: Record<string, string | number | boolean> = {},
): Figure {
  const scale = unit === "us" ? 1000 : 1;
  const { durationsMs } = sample;
  const mean = durationsMs.reduce((sum, value) => sum + value, 0) / durationsMs.length;
  return {
    name,
    unit,
    p50: round(percentile(durationsMs, 50) * scale),
    p99: round(percentile(durationsMs, 99) * scale),
    mean: round(mean * scale),
    n: durationsMs.length,
    ...extra,
  };
}

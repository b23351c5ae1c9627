// `pnpm bench`: prints one JSON object per line on stdout, one per figure: name, unit, p50, p99,
// mean, n, the Node version and the mode, and for durable figures their ratio to the floor
// measured in this same run. `--quick` (or DURABLE_AGENTS_BENCH_QUICK=1) takes fewer samples.
// The NATS figures need JetStream on 127.0.0.1:4222 (DURABLE_AGENTS_BENCH_NATS_URL); without it
// they are left out with a note on stderr, except under CI=true, where the bench fails.
import {
  BENCH_AGENTS,
  DEFAULT_STREAMING,
  measureGetThread,
  measureToolLoop,
  withBenchServer,
} from "./durable.js";
import { measureNatsToolLoop } from "./durable-nats.js";
import { measureAiSdkToolLoop, measureSqliteTxn } from "./floors.js";
import { measureJetStreamHop } from "./jetstream-hop.js";
import { type Figure, type MeasureOptions, percentile, toFigure } from "./measure.js";
import { benchNatsUrl, missingNats } from "./nats.js";

type Mode = "full" | "quick";

const mode: Mode =
  process.argv.includes("--quick") || process.env.DURABLE_AGENTS_BENCH_QUICK === "1"
    ? "quick"
    : "full";

/** Warm-up runs and measured runs of each figure; full mode measures n ≥ 200 everywhere. */
const plans: Record<Mode, Record<"floor" | "sqlite" | "unary" | "loop", MeasureOptions>> = {
  full: {
    floor: { warmup: 200, iterations: 1000 },
    sqlite: { warmup: 500, iterations: 5000 },
    unary: { warmup: 200, iterations: 1000 },
    loop: { warmup: 50, iterations: 300 },
  },
  quick: {
    floor: { warmup: 20, iterations: 100 },
    sqlite: { warmup: 50, iterations: 500 },
    unary: { warmup: 20, iterations: 100 },
    loop: { warmup: 5, iterations: 30 },
  },
};
const plan = plans[mode];
const context = { node: process.version, mode };

function print(figure: Figure): void {
  process.stdout.write(`${JSON.stringify({ ...figure, ...context })}\n`);
}

const FLOOR = "floor.ai_sdk_tool_loop";

/** The NATS URL when the NATS figures can run; undefined when they are left out. */
async function natsForFigures(): Promise<string | undefined> {
  const missing = await missingNats(benchNatsUrl);
  if (missing === undefined) return benchNatsUrl;
  if (process.env.CI === "true") throw new Error(`the NATS figures cannot run: ${missing}`);
  process.stderr.write(`bench: leaving out the NATS figures: ${missing}\n`);
  return undefined;
}

async function main(): Promise<void> {
  const natsUrl = await natsForFigures();
  const floor = await measureAiSdkToolLoop(plan.floor);
  const floorP50 = percentile(floor.durationsMs, 50);
  print(toFigure(FLOOR, "ms", floor));
  for (const synchronous of ["NORMAL", "FULL"] as const) {
    const sample = await measureSqliteTxn(plan.sqlite, synchronous);
    print(toFigure(`floor.sqlite_txn.${synchronous.toLowerCase()}`, "us", sample));
  }
  if (natsUrl !== undefined) {
    print(toFigure("floor.jetstream_hop", "ms", await measureJetStreamHop(natsUrl, plan.floor)));
  }

  // Each server figure gets a fresh server and database, so no figure pays for rows an earlier
  // one left (pending cleanup jobs, for instance) and the order of the figures does not matter.
  await withBenchServer(async (test) => {
    print(toFigure("rpc.get_thread", "ms", await measureGetThread(test, plan.unary)));
  });
  const loops = [
    { name: "durable.embedded_tool_loop", agent: BENCH_AGENTS.defaults, ...DEFAULT_STREAMING },
    {
      name: "durable.embedded_tool_loop.throttle_0",
      agent: BENCH_AGENTS.throttle0,
      ...DEFAULT_STREAMING,
      throttleMs: 0,
    },
    {
      name: "durable.embedded_tool_loop.no_deltas",
      agent: BENCH_AGENTS.noDeltas,
      ...DEFAULT_STREAMING,
      saveDeltas: false,
    },
  ];
  for (const loop of loops) {
    await withBenchServer(async (test) => {
      const sample = await measureToolLoop(test, loop.agent, plan.loop);
      const ratio = percentile(sample.durationsMs, 50) / floorP50;
      print(
        toFigure(loop.name, "ms", sample, {
          ratio_to_floor: Math.round(ratio * 100) / 100,
          floor: FLOOR,
          save_deltas: loop.saveDeltas,
          throttle_ms: loop.throttleMs,
        }),
      );
    });
  }
  if (natsUrl !== undefined) {
    // The default agent's loop again, its `noop` in a runner process reached through JetStream.
    const sample = await measureNatsToolLoop(natsUrl, BENCH_AGENTS.defaults, plan.loop);
    const ratio = percentile(sample.durationsMs, 50) / floorP50;
    print(
      toFigure("durable.nats_tool_loop", "ms", sample, {
        ratio_to_floor: Math.round(ratio * 100) / 100,
        floor: FLOOR,
        save_deltas: DEFAULT_STREAMING.saveDeltas,
        throttle_ms: DEFAULT_STREAMING.throttleMs,
      }),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

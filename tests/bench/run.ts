// `pnpm bench`: prints one JSON object per line on stdout, one per figure: name, unit, p50, p99,
// mean, n (or `value` and n for a throughput or memory figure), the Node version and the mode; for
// durable figures their ratio to the floor measured in this same run; for each target of issue #8
// the `target` and its `verdict` (PASS/FAIL); a last `summary` line. `--quick` (or
// DURABLE_AGENTS_BENCH_QUICK=1) takes fewer samples. The NATS figures need JetStream on
// 127.0.0.1:4222 (DURABLE_AGENTS_BENCH_NATS_URL), the PostgreSQL ones and the DBOS peer a
// PostgreSQL server (DURABLE_AGENTS_TEST_POSTGRES_URL or PG*, as the tests); without them those figures print `skipped`,
// except under CI=true, where the bench fails. A FAIL is a measurement: the bench exits 0 unless a
// figure could not be measured.
import { measureConnectServerStream, measureConnectUnary } from "./connect-floors.js";
import { DELTA_AGENT, deltaLatencyAgent, measureDeltaLatency } from "./delta-latency.js";
import {
  BENCH_AGENTS,
  DEFAULT_STREAMING,
  measureGetThread,
  measureToolLoop,
  type ToolLoopSample,
  toolLoopAgents,
  withBenchServer,
} from "./durable.js";
import { measureNatsToolLoop } from "./durable-nats.js";
import {
  measureAiSdkHeldTurnHeap,
  measureAiSdkToolLoop,
  measureAiSdkTwoTurns,
  measurePostgresTxn,
  measureSqliteTxn,
} from "./floors.js";
import { createToolHopRecorder } from "./instant-model.js";
import { measureJetStreamHop } from "./jetstream-hop.js";
import { type MeasureOptions, percentile, type Sample, toFigure, type Unit } from "./measure.js";
import { measureMemory } from "./memory.js";
import { benchNatsUrl, missingNats } from "./nats.js";
import { packageVersion } from "./package-version.js";
import { measureDbosToolLoop } from "./peer-dbos.js";
import { measureRestateToolLoop, restateServerBinary } from "./peer-restate.js";
import { missingPostgres, withDatabase } from "./postgres.js";
import { createReport, type LineValue } from "./report.js";
import {
  type Judgement,
  latencyAtMost,
  ratioAtMost,
  slowerThan,
  TARGETS,
  valueAtLeast,
  valueAtMost,
} from "./targets.js";
import type { ThroughputOptions, ThroughputSample } from "./throughput.js";
import { measureEmbeddedThroughput, measureScaledThroughput } from "./throughput-deployments.js";

type Mode = "full" | "quick";

const mode: Mode =
  process.argv.includes("--quick") || process.env.DURABLE_AGENTS_BENCH_QUICK === "1"
    ? "quick"
    : "full";

interface Plan {
  floor: MeasureOptions;
  sqlite: MeasureOptions;
  postgres: MeasureOptions;
  unary: MeasureOptions;
  serverStream: MeasureOptions;
  loop: MeasureOptions;
  peer: MeasureOptions;
  delta: { warmupTurns: number; turns: number };
  throughput: ThroughputOptions;
  memory: { streams: number; warmupStreams: number };
}

/** Warm-up runs and measured runs of each figure; full mode measures n ≥ 200 everywhere. */
const plans: Record<Mode, Plan> = {
  full: {
    floor: { warmup: 200, iterations: 1000 },
    sqlite: { warmup: 500, iterations: 5000 },
    postgres: { warmup: 200, iterations: 2000 },
    unary: { warmup: 200, iterations: 1000 },
    serverStream: { warmup: 200, iterations: 2000 },
    loop: { warmup: 50, iterations: 300 },
    peer: { warmup: 50, iterations: 300 },
    delta: { warmupTurns: 2, turns: 10 },
    throughput: { threads: 64, warmupMs: 5_000, durationMs: 20_000 },
    memory: { streams: 1000, warmupStreams: 100 },
  },
  quick: {
    floor: { warmup: 20, iterations: 100 },
    sqlite: { warmup: 50, iterations: 500 },
    postgres: { warmup: 20, iterations: 200 },
    unary: { warmup: 20, iterations: 100 },
    serverStream: { warmup: 20, iterations: 200 },
    loop: { warmup: 5, iterations: 30 },
    peer: { warmup: 5, iterations: 30 },
    delta: { warmupTurns: 1, turns: 2 },
    throughput: { threads: 64, warmupMs: 2_000, durationMs: 5_000 },
    memory: { streams: 200, warmupStreams: 20 },
  },
};
const plan = plans[mode];
/** `--only=a,b`: only the groups of figures whose name starts with a or b (for a focused run). */
const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const report = createReport({
  context: { node: process.version, mode },
  ...(only === undefined ? {} : { only }),
});
const isCi = process.env.CI === "true";

const FLOOR = {
  aiSdkLoop: "floor.ai_sdk_tool_loop",
  aiSdkTwoTurns: "floor.ai_sdk_two_turns",
  serverStream: "floor.connect_server_stream",
  jetStreamHop: "floor.jetstream_hop",
} as const;
const LOOP = {
  embedded: "durable.embedded_tool_loop",
  postgres: "durable.postgres_tool_loop",
} as const;

/** p50 (ms) of the figures measured so far, for ratios and peer comparisons. */
const p50s = new Map<string, number>();

function printLatency(
  name: string,
  unit: Unit,
  sample: Sample,
  extra: Record<string, LineValue> = {},
  judge?: (figure: { p50: number; p99: number; unit: string }) => Judgement | undefined,
) {
  const figure = toFigure(name, unit, sample, extra);
  p50s.set(name, percentile(sample.durationsMs, 50));
  report.print(figure, judge?.(figure));
}

/**
 * `ratio_to_floor` (p50 over the floor's p50, from this run) and the floor's name; nothing when
 * the floor was not measured (its section broke, or `--only` left it out).
 */
function ratioFields(sample: Sample, floor: string): { ratio_to_floor?: number; floor?: string } {
  const floorP50 = p50s.get(floor);
  if (floorP50 === undefined) return {};
  const ratio = percentile(sample.durationsMs, 50) / floorP50;
  return { ratio_to_floor: Math.round(ratio * 100) / 100, floor };
}

/** A tool loop figure; with a limit, judged as at most `limit` times the AI SDK floor. */
function printLoop(
  name: string,
  sample: ToolLoopSample,
  extra: Record<string, LineValue>,
  limit?: number,
) {
  const { ratio_to_floor: ratio, ...floor } = ratioFields(sample, FLOOR.aiSdkLoop);
  // How far the loop is from the AI SDK work it cannot avoid (two UI-message turns).
  const { ratio_to_floor: ratioToTurns } = ratioFields(sample, FLOOR.aiSdkTwoTurns);
  const fields = {
    ...(ratio === undefined ? {} : { ratio_to_floor: ratio, ...floor }),
    ...(ratioToTurns === undefined ? {} : { ratio_to_ai_sdk_two_turns: ratioToTurns }),
    ...extra,
  };
  printLatency(name, "ms", sample, fields, () =>
    limit === undefined || ratio === undefined ? undefined : ratioAtMost(ratio, limit),
  );
}

/** Why a service's figures cannot run, or undefined; under CI a missing service is an error. */
async function missingService(what: string, check: () => Promise<string | undefined>) {
  const missing = await check();
  if (missing !== undefined && isCi) throw new Error(`the ${what} figures cannot run: ${missing}`);
  return missing;
}

async function floors(natsMissing: string | undefined, postgresMissing: string | undefined) {
  await report.section("floors", async () => {
    printLatency(FLOOR.aiSdkLoop, "ms", await measureAiSdkToolLoop(plan.floor));
    const twoTurns = await measureAiSdkTwoTurns(plan.floor);
    printLatency(FLOOR.aiSdkTwoTurns, "ms", twoTurns, ratioFields(twoTurns, FLOOR.aiSdkLoop));
    printLatency("floor.connect_unary", "ms", await measureConnectUnary(plan.unary));
    printLatency(FLOOR.serverStream, "us", await measureConnectServerStream(plan.serverStream));
    for (const synchronous of ["NORMAL", "FULL"] as const) {
      const sample = await measureSqliteTxn(plan.sqlite, synchronous);
      printLatency(`floor.sqlite_txn.${synchronous.toLowerCase()}`, "us", sample);
    }
  });
  if (natsMissing === undefined) {
    await report.section(FLOOR.jetStreamHop, async () => {
      printLatency(FLOOR.jetStreamHop, "ms", await measureJetStreamHop(benchNatsUrl, plan.floor));
    });
  } else report.skipped(FLOOR.jetStreamHop, natsMissing);
  if (postgresMissing === undefined) {
    await report.section("floor.postgres_txn", async () => {
      const sample = await withDatabase((database) =>
        measurePostgresTxn(database.url, plan.postgres),
      );
      printLatency("floor.postgres_txn", "ms", sample);
    });
  } else report.skipped("floor.postgres_txn", postgresMissing);
}

async function embeddedFigures() {
  await report.section("rpc.get_thread", async () => {
    await withBenchServer({ agents: toolLoopAgents() }, async (test) => {
      printLatency("rpc.get_thread", "ms", await measureGetThread(test, plan.unary));
    });
  });
  const loops = [
    { name: LOOP.embedded, agent: BENCH_AGENTS.defaults, streaming: DEFAULT_STREAMING },
    {
      name: `${LOOP.embedded}.throttle_0`,
      agent: BENCH_AGENTS.throttle0,
      streaming: { ...DEFAULT_STREAMING, throttleMs: 0 },
    },
    {
      name: `${LOOP.embedded}.no_deltas`,
      agent: BENCH_AGENTS.noDeltas,
      streaming: { ...DEFAULT_STREAMING, saveDeltas: false },
    },
  ];
  for (const loop of loops) {
    await report.section(loop.name, async () => {
      const hops = createToolHopRecorder();
      await withBenchServer({ agents: toolLoopAgents(hops) }, async (test) => {
        const sample = await measureToolLoop(test, loop.agent, plan.loop, hops);
        const streaming = {
          save_deltas: loop.streaming.saveDeltas,
          throttle_ms: loop.streaming.throttleMs,
        };
        const isDefault = loop.name === LOOP.embedded;
        printLoop(
          loop.name,
          sample,
          streaming,
          isDefault ? TARGETS.embeddedLoopTimesFloor : undefined,
        );
        if (isDefault) {
          printLatency(
            "durable.tool_hop.embedded",
            "ms",
            { durationsMs: sample.hopsMs },
            streaming,
            (figure) => latencyAtMost(figure, TARGETS.embeddedHopMs),
          );
        }
      });
    });
  }
  await report.section("durable.delta_latency.embedded", async () => {
    const delta = deltaLatencyAgent();
    await withBenchServer({ agents: [delta.agent] }, async (test) => {
      const sample = await measureDeltaLatency(test, delta.model, plan.delta);
      printLatency(
        "durable.delta_latency.embedded",
        "ms",
        sample,
        { ...ratioFields(sample, FLOOR.serverStream), agent: DELTA_AGENT, throttle_ms: 0 },
        (figure) => latencyAtMost(figure, TARGETS.deltaLatencyMs),
      );
    });
  });
}

async function scaledFigures(natsMissing: string | undefined, postgresMissing: string | undefined) {
  const streaming = {
    save_deltas: DEFAULT_STREAMING.saveDeltas,
    throttle_ms: DEFAULT_STREAMING.throttleMs,
  };
  const hopFields = (sample: ToolLoopSample) => ({
    ...ratioFields({ durationsMs: sample.hopsMs }, FLOOR.jetStreamHop),
    ...streaming,
  });
  if (natsMissing === undefined) {
    await report.section("durable.nats_sqlite", async () => {
      const sample = await measureNatsToolLoop(
        { url: benchNatsUrl, agent: BENCH_AGENTS.defaults },
        plan.loop,
      );
      printLoop("durable.nats_sqlite_tool_loop", sample, streaming);
      printLatency(
        "durable.tool_hop.nats_sqlite",
        "ms",
        { durationsMs: sample.hopsMs },
        hopFields(sample),
      );
    });
  } else {
    report.skipped("durable.nats_sqlite_tool_loop", natsMissing);
    report.skipped("durable.tool_hop.nats_sqlite", natsMissing);
  }
  if (postgresMissing === undefined) {
    await report.section(LOOP.postgres, async () => {
      await withDatabase(async (database) => {
        await withBenchServer({ store: database.url, agents: toolLoopAgents() }, async (test) => {
          const sample = await measureToolLoop(test, BENCH_AGENTS.defaults, plan.loop);
          printLoop(LOOP.postgres, sample, streaming);
        });
      });
    });
  } else report.skipped(LOOP.postgres, postgresMissing);
  const scaledMissing = natsMissing ?? postgresMissing;
  if (scaledMissing === undefined) {
    await report.section("durable.nats_postgres", async () => {
      const sample = await withDatabase((database) =>
        measureNatsToolLoop(
          { url: benchNatsUrl, agent: BENCH_AGENTS.defaults, store: database.url },
          plan.loop,
        ),
      );
      printLoop(
        "durable.nats_postgres_tool_loop",
        sample,
        streaming,
        TARGETS.natsPostgresLoopTimesFloor,
      );
      printLatency(
        "durable.tool_hop.nats_postgres",
        "ms",
        { durationsMs: sample.hopsMs },
        hopFields(sample),
        (figure) => latencyAtMost(figure, TARGETS.natsPostgresHopMs),
      );
    });
  } else {
    report.skipped("durable.nats_postgres_tool_loop", scaledMissing);
    report.skipped("durable.tool_hop.nats_postgres", scaledMissing);
  }
}

/** A throughput figure: tool loops per second, and the loops' latency under that load. */
function printThroughput(
  name: string,
  sample: ThroughputSample,
  extra: Record<string, LineValue>,
  target?: number,
) {
  const value = Math.round(sample.loopsPerSecond * 10) / 10;
  // No loop may have ended in a short window on a starved machine: the value says so (0).
  const latency =
    sample.durationsMs.length === 0
      ? {}
      : (({ p50, p99 }) => ({ loop_p50_ms: p50, loop_p99_ms: p99 }))(toFigure(name, "ms", sample));
  report.print(
    {
      name,
      unit: "turns/s",
      value,
      n: sample.loops,
      ...latency,
      threads: plan.throughput.threads,
      window_s: plan.throughput.durationMs / 1000,
      ...extra,
    },
    target === undefined ? undefined : valueAtLeast(value, target, "turns/s"),
  );
}

async function throughputFigures(scaledMissing: string | undefined) {
  await report.section("throughput.embedded", async () => {
    const sample = await measureEmbeddedThroughput(plan.throughput);
    printThroughput(
      "throughput.embedded",
      sample,
      { store: "sqlite" },
      TARGETS.embeddedTurnsPerSecond,
    );
  });
  for (const replicas of [1, 2]) {
    const name = `throughput.nats_postgres.replicas_${replicas}`;
    if (scaledMissing !== undefined) {
      report.skipped(name, scaledMissing);
      continue;
    }
    await report.section(name, async () => {
      const sample = await withDatabase((database) =>
        measureScaledThroughput(
          { natsUrl: benchNatsUrl, store: database.url, replicas },
          plan.throughput,
        ),
      );
      printThroughput(name, sample, { store: "postgres", replicas, tool_runners: 1 });
    });
  }
}

async function memoryFigures() {
  await report.section("memory", async () => {
    // What the AI SDK alone holds per turn in the middle of its answer (in this process).
    const aiSdk = await measureAiSdkHeldTurnHeap(plan.memory.streams);
    report.print({
      name: "floor.ai_sdk_held_turn_heap",
      unit: "KiB",
      value: aiSdk.heapKiB,
      n: plan.memory.streams,
    });
    const sample = await measureMemory(plan.memory.streams, plan.memory.warmupStreams);
    report.print({
      name: "memory.idle_thread",
      unit: "KiB",
      value: sample.idleThread.rssKiB,
      heap_kib: sample.idleThread.heapKiB,
      n: sample.streams,
      store: "sqlite",
    });
    report.print(
      {
        name: "memory.active_stream",
        unit: "KiB",
        value: sample.activeStream.rssKiB,
        heap_kib: sample.activeStream.heapKiB,
        n: sample.streams,
        store: "sqlite",
        watchers_per_stream: 1,
        ai_sdk_heap_kib: aiSdk.heapKiB,
      },
      valueAtMost(sample.activeStream.rssKiB, TARGETS.activeStreamKiB, "KiB"),
    );
  });
}

async function peerFigures(postgresMissing: string | undefined) {
  const peers = [
    {
      name: "peer.restate_tool_loop",
      version: `server ${packageVersion("@restatedev/restate-server")}, sdk ${packageVersion("@restatedev/restate-sdk")}`,
      comparedWith: LOOP.embedded,
      missing: () => {
        const binary = restateServerBinary();
        return "missing" in binary ? binary.missing : undefined;
      },
      run: async () => {
        const binary = restateServerBinary();
        if ("missing" in binary) throw new Error(binary.missing);
        return measureRestateToolLoop(binary.path, plan.peer);
      },
    },
    {
      name: "peer.dbos_tool_loop",
      version: packageVersion("@dbos-inc/dbos-sdk"),
      comparedWith: LOOP.postgres,
      missing: () => postgresMissing,
      run: async () => {
        return withDatabase((database) => measureDbosToolLoop(database.url, plan.peer));
      },
    },
  ];
  for (const peer of peers) {
    const missing = peer.missing();
    if (missing !== undefined) {
      if (isCi) throw new Error(`${peer.name} cannot run: ${missing}`);
      report.skipped(peer.name, missing);
      continue;
    }
    await report.section(peer.name, async () => {
      const sample = await peer.run();
      const figure = toFigure(peer.name, "ms", sample, {
        ...ratioFields(sample, FLOOR.aiSdkLoop),
        peer_version: peer.version,
        compared_with: peer.comparedWith,
      });
      const durableP50 = p50s.get(peer.comparedWith);
      report.print(
        figure,
        durableP50 === undefined
          ? undefined
          : slowerThan(
              { name: peer.comparedWith, p50: durableP50 },
              percentile(sample.durationsMs, 50),
            ),
      );
    });
  }
}

async function main(): Promise<void> {
  const natsMissing = await missingService("NATS", () => missingNats(benchNatsUrl));
  const postgresMissing = await missingService("PostgreSQL", () => missingPostgres());
  await floors(natsMissing, postgresMissing);
  await embeddedFigures();
  await scaledFigures(natsMissing, postgresMissing);
  await throughputFigures(natsMissing ?? postgresMissing);
  await memoryFigures();
  await peerFigures(postgresMissing);
  if (!report.finish()) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// The durable tool loop of `durable.embedded_tool_loop` (same agents, model and WatchThread timing)
// with the server's NATS transport, on SQLite or PostgreSQL: the `noop` tool runs in a real
// runner process (`durable-agents-runner --module noop-tool.js`) reached through JetStream. The
// prefix is random; the runner is killed and the prefix's streams deleted afterwards, even when
// the measurement fails.
import { fileURLToPath } from "node:url";
import { ToolCallStatus } from "@durable-agents/core/proto";
import type { TestServer } from "../support/test-server.js";
import { type ChildScript, isLogLine, startScript } from "./child-process.js";
import {
  measureToolLoop,
  startBenchServer,
  type ToolLoopSample,
  toolLoopAgents,
} from "./durable.js";
import { createToolHopRecorder } from "./instant-model.js";
import type { MeasureOptions } from "./measure.js";
import { deleteStreams, randomPrefix } from "./nats.js";

/** The runner CLI next to the tool-runner package's entry point (`dist/cli.js`). */
const runnerCli = fileURLToPath(
  new URL("cli.js", import.meta.resolve("@durable-agents/tool-runner")),
);
const noopToolModule = fileURLToPath(new URL("./noop-tool.js", import.meta.url));
const RUNNER_ID = "bench-runner";

/** Starts a tool runner process serving `noop` under `prefix`, once it registered its tools. */
export async function startNoopRunner(
  url: string,
  prefix: string,
  runnerId = RUNNER_ID,
): Promise<ChildScript> {
  const runner = startScript("the tool runner", runnerCli, [
    "--nats",
    url,
    "--prefix",
    prefix,
    "--runner-id",
    runnerId,
    "--module",
    noopToolModule,
  ]);
  try {
    await runner.waitForLine((line) => isLogLine(line, "tool runner ready"), "readiness");
    // The server knows the runner's `noop` before the first turn offers it to the model.
    await runner.waitForLine(
      (line) => isLogLine(line, "tools registered with a server"),
      "registration",
    );
    return runner;
  } catch (error: unknown) {
    await runner.kill();
    throw error;
  }
}

export interface NatsToolLoopOptions {
  url: string;
  agent: string;
  /** A `postgres://…` store; the default is a fresh SQLite file. */
  store?: string;
}

export async function measureNatsToolLoop(
  options: NatsToolLoopOptions,
  measureOptions: MeasureOptions,
): Promise<ToolLoopSample> {
  const { url } = options;
  const prefix = randomPrefix();
  const hops = createToolHopRecorder();
  let test: TestServer | undefined;
  let runner: ChildScript | undefined;
  try {
    const server = await startBenchServer({
      ...(options.store === undefined ? {} : { store: options.store }),
      nats: { url, prefix },
      agents: toolLoopAgents(hops),
    });
    test = server;
    runner = await startNoopRunner(url, prefix);
    const sample = await measureToolLoop(server, options.agent, measureOptions, hops);
    // The runner process, not the server, ran the tool: a figure never times a shortcut. (The
    // server has no `noop` of its own; a call run in-process would carry a `local:` runner id.
    // The runner id can be missing when the runner's "claimed" report lands after the outcome.)
    const { toolCalls } = await server.toolCalls.listToolCalls({ threadId: sample.lastThreadId });
    const runners = toolCalls.map((call) => call.runnerId);
    if (
      toolCalls.length !== 1 ||
      toolCalls.some(
        (call) => call.status !== ToolCallStatus.COMPLETED || call.runnerId.startsWith("local:"),
      )
    ) {
      throw new Error(`the tool calls ran on ${JSON.stringify(runners)}, not on ${RUNNER_ID}`);
    }
    return sample;
  } finally {
    try {
      await runner?.kill();
      await test?.close();
    } finally {
      const upper = prefix.toUpperCase();
      await deleteStreams(url, [`${upper}_TOOLS`, `${upper}_OUTCOMES`]);
    }
  }
}

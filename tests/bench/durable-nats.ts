// `durable.nats_tool_loop`: the durable tool loop of `durable.embedded_tool_loop` (same agent,
// model, SQLite store and WatchThread timing) with the server's NATS transport, so the `noop`
// tool runs in a real runner process (`durable-agents-runner --module noop-tool.js`) reached
// through JetStream. The prefix is random; the runner is killed and the prefix's streams deleted
// afterwards, even when the measurement fails.
import { fileURLToPath } from "node:url";
import type { TestServer } from "../support/test-server.js";
import { type ChildScript, isLogLine, startScript } from "./child-process.js";
import { measureToolLoop, startBenchServer, type ToolLoopSample } from "./durable.js";
import type { MeasureOptions } from "./measure.js";
import { deleteStreams, randomPrefix } from "./nats.js";

/** The runner CLI next to the tool-runner package's entry point (`dist/cli.js`). */
const runnerCli = fileURLToPath(
  new URL("cli.js", import.meta.resolve("@durable-agents/tool-runner")),
);
const noopToolModule = fileURLToPath(new URL("./noop-tool.js", import.meta.url));
const RUNNER_ID = "bench-runner";

export async function measureNatsToolLoop(
  url: string,
  agent: string,
  options: MeasureOptions,
): Promise<ToolLoopSample> {
  const prefix = randomPrefix();
  let test: TestServer | undefined;
  let runner: ChildScript | undefined;
  try {
    const server = await startBenchServer({ url, prefix });
    test = server;
    const started = startScript("the tool runner", runnerCli, [
      "--nats",
      url,
      "--prefix",
      prefix,
      "--runner-id",
      RUNNER_ID,
      "--module",
      noopToolModule,
    ]);
    runner = started;
    await started.waitForLine((line) => isLogLine(line, "tool runner ready"), "readiness");
    // The server knows the runner's `noop` before the first turn offers it to the model.
    await started.waitForLine(
      (line) => isLogLine(line, "tools registered with a server"),
      "registration",
    );
    const sample = await measureToolLoop(server, agent, options);
    // The runner process, not the server, ran the tool: a figure never times a shortcut.
    const { toolCalls } = await server.toolCalls.listToolCalls({ threadId: sample.lastThreadId });
    const runners = toolCalls.map((call) => call.runnerId);
    if (runners.length !== 1 || runners[0] !== RUNNER_ID) {
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

// A bench server in its own process (`node --expose-gc bench-server.js`), for the figures that
// load a server from outside (throughput) or measure its memory: the tool-loop agents and the
// hold agent (hold-model.ts), `noop` in-process unless NATS is configured. Its configuration is
// the JSON of BENCH_SERVER_CONFIG, as a config file would hold it. It prints one JSON line,
// { "url": … }, once serving, and answers the IPC message "memory" with its resident memory and
// heap after a full garbage collection.
import { createServer, resolveServerConfig } from "@durable-agents/server";
import pino from "pino";
import { toolLoopAgents } from "./durable.js";
import { createHoldModel, HOLD_AGENT } from "./hold-model.js";
import { noopTool } from "./noop-tool.js";
import type { MemoryReport } from "./server-process.js";

const extraConfig: unknown = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? "{}");
if (typeof extraConfig !== "object" || extraConfig === null) {
  throw new Error("BENCH_SERVER_CONFIG must be a JSON object");
}
const config = resolveServerConfig({
  file: { path: "bench-server.json", data: { listen: "127.0.0.1:0", ...extraConfig } },
  env: {},
  args: {},
});
const server = await createServer({
  config,
  agents: [...toolLoopAgents(), { name: HOLD_AGENT, model: createHoldModel(), tools: [] }],
  ...(config.nats === null ? { tools: [noopTool] } : {}),
  logger: pino({ level: process.env.BENCH_SERVER_LOG ?? "warn" }, pino.destination(2)),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

process.on("message", (message) => {
  if (message !== "memory") return;
  const { gc } = globalThis;
  if (gc === undefined) throw new Error("the bench server needs node --expose-gc");
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  const report: MemoryReport = { rss, heapUsed };
  process.send?.(report);
});

// The deployments the throughput figures load: the embedded server (one process, SQLite file,
// in-process tools) and the scaled one (1 or 2 server processes on one PostgreSQL database, NATS
// between them and one tool-runner process). Every process is killed, the temp folder removed
// and the NATS streams deleted afterwards, even when the measurement fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildScript } from "./child-process.js";
import { startNoopRunner } from "./durable-nats.js";
import { deleteStreams, randomPrefix } from "./nats.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";
import { measureThroughput, type ThroughputOptions, type ThroughputSample } from "./throughput.js";

export async function measureEmbeddedThroughput(
  options: ThroughputOptions,
): Promise<ThroughputSample> {
  const dataDir = mkdtempSync(join(tmpdir(), "durable-agents-bench-throughput-"));
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess("the embedded bench server", {
      store: `sqlite:${join(dataDir, "agents.db")}`,
    });
    return await measureThroughput([server], options);
  } finally {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface ScaledDeployment {
  natsUrl: string;
  /** The `postgres://…` store every replica shares. */
  store: string;
  replicas: number;
}

export async function measureScaledThroughput(
  deployment: ScaledDeployment,
  options: ThroughputOptions,
): Promise<ThroughputSample> {
  const prefix = randomPrefix();
  const servers: ServerProcess[] = [];
  let runner: ChildScript | undefined;
  try {
    // One after the other: the first runs the migrations the others then find done.
    for (let replica = 1; replica <= deployment.replicas; replica++) {
      servers.push(
        await startServerProcess(`bench server replica ${replica}`, {
          store: deployment.store,
          nats: { url: deployment.natsUrl, prefix },
        }),
      );
    }
    runner = await startNoopRunner(deployment.natsUrl, prefix);
    return await measureThroughput(servers, options);
  } finally {
    try {
      await runner?.kill();
      for (const server of servers) await server.kill();
    } finally {
      const upper = prefix.toUpperCase();
      await deleteStreams(deployment.natsUrl, [`${upper}_TOOLS`, `${upper}_OUTCOMES`]);
    }
  }
}

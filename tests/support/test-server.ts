// A real server for a test: the embedded default on a fresh SQLite file (or the store the test
// names, e.g. a fresh PostgreSQL database from ./postgres.ts), listening on port 0, with a gRPC
// (HTTP/2) client for each service. Always closed after the test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  AdminService,
  AgentService,
  StreamService,
  ThreadService,
  ToolCallService,
} from "@durable-agents/core/proto";
import {
  type CreateServerOptions,
  createServer,
  type DurableAgentsServer,
  type Store,
} from "@durable-agents/server";
import pino from "pino";
import { testConfig } from "./test-config.js";

export interface TestServer {
  server: DurableAgentsServer;
  threads: Client<typeof ThreadService>;
  streams: Client<typeof StreamService>;
  toolCalls: Client<typeof ToolCallService>;
  agents: Client<typeof AgentService>;
  admin: Client<typeof AdminService>;
  dataDir: string;
  close(): Promise<void>;
}

export function clientsFor(baseUrl: string) {
  const transport = createGrpcTransport({ baseUrl });
  return {
    threads: createClient(ThreadService, transport),
    streams: createClient(StreamService, transport),
    toolCalls: createClient(ToolCallService, transport),
    agents: createClient(AgentService, transport),
    admin: createClient(AdminService, transport),
  };
}

export async function startTestServer(
  options: Omit<CreateServerOptions, "config" | "store"> & {
    config?: Record<string, unknown>;
    /**
     * A store URL for the configuration (`postgres://…` of a fresh database), or a Store the
     * server uses as it is (and does not close).
     * @default a fresh SQLite file in `dataDir`
     */
    store?: string | Store;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "durable-agents-test-"));
  const { store, ...serverOptions } = options;
  const server = await createServer({
    logger: pino({ level: process.env.DURABLE_AGENTS_TEST_LOG ?? "silent" }),
    ...serverOptions,
    ...(typeof store === "object" ? { store } : {}),
    config: testConfig({
      store: typeof store === "string" ? store : `sqlite:${join(dataDir, "agents.db")}`,
      file: options.config,
    }),
  });
  return {
    server,
    ...clientsFor(server.url),
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

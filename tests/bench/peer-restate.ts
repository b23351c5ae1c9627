// `peer.restate_tool_loop`: the 2-step tool loop made durable with Restate, as its docs show a
// durable function: a service whose handler runs each step in `ctx.run` (journaled by the Restate
// server before the handler goes on), served by the SDK's endpoint handler on HTTP/2 in this
// process and registered with a Restate server started from the binary that
// `@restatedev/restate-server` ships (free ports, a temp data folder, killed and removed after).
// Timed from the client's HTTP call on the ingress to the handler's answer, as Restate's clients
// call a handler.
import "./promise-with-resolvers.js";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerHttp2Session } from "node:http2";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { join } from "node:path";
import * as restate from "@restatedev/restate-sdk";
import { type ChildScript, startProcess } from "./child-process.js";
import { freePort } from "./free-port.js";
import { ANSWER_TEXT, createInstantToolLoopModel } from "./instant-model.js";
import { type MeasureOptions, measure, type Sample } from "./measure.js";
import { llmAnswerStep, llmToolCallStep, noopToolStep } from "./peer-steps.js";

/** How long the Restate server may take to serve, and the first call to find the service. */
const START_TIMEOUT_MS = 30_000;
/** Pause between two readiness probes of the Restate server. */
const PROBE_INTERVAL_MS = 50;

/** The restate-server binary of this platform's package, or why there is none. */
export function restateServerBinary(): { path: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  const fromServerPackage = createRequire(
    require.resolve("@restatedev/restate-server/package.json"),
  );
  const binaryPackage = `@restatedev/restate-server-${platform()}-${arch()}`;
  try {
    return { path: fromServerPackage.resolve(`${binaryPackage}/bin/restate-server`) };
  } catch {
    return { missing: `${binaryPackage} (the Restate server binary) is not installed` };
  }
}

function createToolLoopService() {
  const model = createInstantToolLoopModel();
  return restate.service({
    name: "ToolLoop",
    handlers: {
      run: async (ctx: restate.Context, prompt: string): Promise<string> => {
        const call = await ctx.run("llm tool call", () => llmToolCallStep(model, prompt));
        const output = await ctx.run("tool noop", () => noopToolStep());
        return ctx.run("llm answer", () => llmAnswerStep(model, prompt, call, output));
      },
    },
  });
}

/** The SDK's endpoint on HTTP/2, port 0; its log's warnings and errors go to stderr. */
async function startEndpoint() {
  const server = createServer(
    restate.createEndpointHandler({
      services: [createToolLoopService()],
      logger: (meta, message, ...rest) => {
        if (meta.level === "warn" || meta.level === "error") console.error(message, ...rest);
      },
    }),
  );
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The Restate server keeps its HTTP/2 connection to the endpoint open.
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}

/** Calls `probe` until it returns true; fails at the deadline with the process's output. */
async function waitUntil(probe: () => Promise<boolean>, what: string, server: ChildScript) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`Restate: no ${what} within ${START_TIMEOUT_MS} ms\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
}

async function invoke(ingressUrl: string): Promise<string> {
  const response = await fetch(`${ingressUrl}/ToolLoop/run`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify("go"),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`Restate answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

export async function measureRestateToolLoop(
  binary: string,
  options: MeasureOptions,
): Promise<Sample> {
  const dataDir = mkdtempSync(join(tmpdir(), "durable-agents-bench-restate-"));
  const [ingressPort, adminPort, fabricPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const ingressUrl = `http://127.0.0.1:${ingressPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  let server: ChildScript | undefined;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>> | undefined;
  try {
    const restateServer = startProcess(
      "the Restate server",
      binary,
      ["--no-logo", "--listen-mode", "tcp", "--base-dir", dataDir, "--node-name", "bench"],
      {
        cwd: dataDir,
        env: {
          RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingressPort}`,
          RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${adminPort}`,
          RESTATE_BIND_ADDRESS: `127.0.0.1:${fabricPort}`,
          RESTATE_DISABLE_TELEMETRY: "true",
          RESTATE_LOG_DISABLE_ANSI_CODES: "true",
        },
      },
    );
    server = restateServer;
    await waitUntil(
      async () =>
        (await fetch(`${adminUrl}/health`)).ok && (await fetch(`${ingressUrl}/restate/health`)).ok,
      "health",
      restateServer,
    );
    endpoint = await startEndpoint();
    const registered = await fetch(`${adminUrl}/deployments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ uri: endpoint.url }),
    });
    if (!registered.ok) {
      throw new Error(
        `Restate refused the deployment: ${registered.status} ${await registered.text()}`,
      );
    }
    // The ingress learns the new service shortly after the admin API registered it.
    await waitUntil(
      async () => (await invoke(ingressUrl)) === ANSWER_TEXT,
      "first call",
      restateServer,
    );
    return await measure(
      options,
      () => undefined,
      async () => {
        const answer = await invoke(ingressUrl);
        if (answer !== ANSWER_TEXT) throw new Error(`Restate's loop answered ${answer}`);
      },
    );
  } finally {
    try {
      await server?.kill();
      await endpoint?.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

// X5 acceptance, the --insecure rule: without authentication the server listens on loopback only
// (and says so); asked for a non-loopback address it refuses to start with a message that says
// how to fix it, unless --insecure (or insecure: true, DURABLE_AGENTS_INSECURE=1) accepts the
// risk. The CLI runs as a real process (packages/server/dist, built before the tests by turbo).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { healthV1 } from "@durable-agents/core/proto";
import {
  createServer,
  type DurableAgentsServer,
  isInsecureListenError,
} from "@durable-agents/server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { testConfig } from "../support/test-config.js";

const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
const REFUSAL =
  'Refusing to listen on "0.0.0.0" without authentication: anyone who can reach that address ' +
  "could read and drive every thread. Configure auth (auth.apiKeys or auth.jwt), listen on a " +
  "loopback address (127.0.0.1, ::1, localhost), or accept the risk with --insecure (config " +
  "insecure: true, or DURABLE_AGENTS_INSECURE=1).";

/** A pino logger whose JSON lines the test can read. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  const messages = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { logger: pino({ level: "info" }, destination), messages };
}

interface CliRun {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

function runCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, [cli, "serve", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (text: Buffer) => {
    output += text.toString("utf8");
  });
  child.stderr?.on("data", (text: Buffer) => {
    output += text.toString("utf8");
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** Resolves with the URL the CLI's server logged once serving; fails if it exits first. */
async function servingUrl(run: CliRun, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = run
      .output()
      .split("\n")
      .find((text) => text.includes('"msg":"durable-agents serving"'));
    if (line !== undefined) return (JSON.parse(line) as { url: string }).url;
    if (run.child.exitCode !== null) throw new Error(`the CLI exited:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`the CLI did not serve in time:\n${run.output()}`);
    await Promise.race([once(run.child.stdout ?? run.child, "data"), run.exited]);
  }
}

describe("listening without authentication (X5)", { timeout: 60_000 }, () => {
  let dir: string;
  let server: DurableAgentsServer | undefined;
  const running: CliRun[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const run of running.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill("SIGKILL");
        await run.exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const freshDir = () => {
    dir = mkdtempSync(join(tmpdir(), "durable-agents-listen-"));
    return dir;
  };
  const config = (file: Record<string, unknown>) =>
    testConfig({ store: `sqlite:${join(dir, "agents.db")}`, file });

  it("serves loopback without auth and warns that every caller may do everything", async () => {
    freshDir();
    const { logger, messages } = capturedLogger();
    server = await createServer({ config: config({ listen: "127.0.0.1:0" }), logger });
    expect(messages()).toContain(
      "authentication is off: every caller may use every RPC; listening on loopback only " +
        "(configure auth to serve other machines)",
    );
  });

  it("refuses 0.0.0.0 without auth in code, before opening anything", async () => {
    freshDir();
    const refused = await createServer({
      config: config({ listen: "0.0.0.0:0" }),
      logger: pino({ level: "silent" }),
    }).catch((error: unknown) => error);
    expect(isInsecureListenError(refused)).toBe(true);
    expect(refused instanceof Error ? refused.message : "").toBe(REFUSAL);
  });

  it("serves 0.0.0.0 with auth configured, without --insecure", async () => {
    freshDir();
    const { logger, messages } = capturedLogger();
    server = await createServer({
      config: config({
        listen: "0.0.0.0:0",
        auth: { apiKeys: [{ key: "dak_listen_1", principal: "alice" }] },
      }),
      logger,
    });
    expect(server.address.host).toBe("0.0.0.0");
    expect(messages().filter((message) => message.includes("authentication is off"))).toEqual([]);
  });

  it("the CLI refuses 0.0.0.0 without auth and without --insecure, with exit code 2", async () => {
    freshDir();
    const run = runCli(["--listen", "0.0.0.0:0"], {
      DURABLE_AGENTS_STORE: `sqlite:${join(dir, "agents.db")}`,
    });
    running.push(run);
    expect(await run.exited).toBe(2);
    expect(run.output().trim()).toBe(REFUSAL);
  });

  it.each([
    ["--insecure", ["--insecure"], {}],
    ["DURABLE_AGENTS_INSECURE=1", [], { DURABLE_AGENTS_INSECURE: "1" }],
  ])("the CLI serves 0.0.0.0 without auth with %s, warning loudly", async (_case, flags, env) => {
    freshDir();
    const run = runCli(["--listen", "0.0.0.0:0", ...flags], {
      DURABLE_AGENTS_STORE: `sqlite:${join(dir, "agents.db")}`,
      ...env,
    });
    running.push(run);
    const url = new URL(await servingUrl(run));
    expect(run.output()).toContain(
      "INSECURE: authentication is off and the API listens beyond loopback (--insecure)",
    );
    const health = createClient(
      healthV1.Health,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${url.port}` }),
    );
    expect((await health.check({})).status).toBe(
      healthV1.HealthCheckResponse_ServingStatus.SERVING,
    );
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });
});

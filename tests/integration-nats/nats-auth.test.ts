// X5 acceptance, NATS credentials: on a private nats-server whose only users are a server user
// and a runner user with the permissions of docs/security.md, a server and a
// `durable-agents-runner --demo` with the right credentials run "weather in Paris" end to end; a
// runner with a wrong password stops at start with a clear error; the runner user cannot publish
// where only servers may (ToolTasks) nor manage streams.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ThreadStatus } from "@durable-agents/core/proto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, PermissionViolationError } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { waitForThread } from "../support/wait.js";
import { randomPrefix } from "./support/nats.js";
import { killAllRunners, startRunner } from "./support/runners.js";
import { type SecuredNats, startSecuredNats } from "./support/secured-nats.js";

const runnerCli = fileURLToPath(new URL("../../packages/tool-runner/dist/cli.js", import.meta.url));
const HOOK_TIMEOUT_MS = 30_000;

/** Runs the runner CLI to its exit and returns its code and output. */
async function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const child: ChildProcess = spawn(process.execPath, [runnerCli, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (text: Buffer) => {
    output += text.toString("utf8");
  });
  child.stderr?.on("data", (text: Buffer) => {
    output += text.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

describe("NATS credentials and permissions (X5)", { timeout: 60_000 }, () => {
  const prefix = randomPrefix();
  let nats: SecuredNats;
  let server: TestServer | undefined;

  beforeAll(async () => {
    expect(existsSync(runnerCli), `${runnerCli} (build the tool-runner package)`).toBe(true);
    nats = await startSecuredNats({
      prefix,
      tools: ["get_weather", "request_approval"],
      server: { user: "server", password: `srv-${randomBytes(12).toString("hex")}` },
      runner: { user: "runner", password: `run-${randomBytes(12).toString("hex")}` },
    });
  }, HOOK_TIMEOUT_MS);
  afterEach(async () => {
    await killAllRunners();
    await server?.close();
    server = undefined;
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await nats.dispose();
  }, HOOK_TIMEOUT_MS);

  it("runs weather in Paris with a server user and a runner user", async () => {
    server = await startTestServer({
      config: {
        nats: { url: nats.url, prefix, user: nats.server.user, password: nats.server.password },
      },
    });
    // The runner takes its credentials from the environment (flags show in `ps`).
    const runner = await startRunner({
      natsUrl: nats.url,
      prefix,
      name: "paris-1",
      demo: true,
      env: {
        DURABLE_AGENTS_NATS_USER: nats.runner.user,
        DURABLE_AGENTS_NATS_PASSWORD: nats.runner.password,
      },
    });
    await runner.waitForLog("tools registered with a server");

    const { thread } = await server.threads.createThread({
      agent: "demo",
      prompt: "weather in Paris",
    });
    const threadId = thread?.threadId ?? "";
    const done = await waitForThread(
      server.streams,
      threadId,
      (current) =>
        current.status === ThreadStatus.COMPLETED && current.activeStreamId === undefined,
      30_000,
    );
    expect(done.status).toBe(ThreadStatus.COMPLETED);
    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
    const { toolCalls } = await server.toolCalls.listToolCalls({ threadId });
    expect(toolCalls.map((call) => call.runnerId)).toEqual(["paris-1"]);
  });

  it("stops a runner with a wrong password at start, saying why", async () => {
    const wrongPassword = `wrong-${randomBytes(8).toString("hex")}`;
    const { code, output } = await runToExit([
      "--nats",
      nats.url,
      "--prefix",
      prefix,
      "--demo",
      "--user",
      nats.runner.user,
      "--password",
      wrongPassword,
    ]);
    expect(code).toBe(1);
    const lines = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string });
    expect(lines.map(({ level, msg, reason }) => ({ level, msg, reason }))).toEqual([
      {
        level: 50,
        msg:
          "NATS refused the runner's credentials: check --user/--password, --token, --creds or " +
          "--nkey (or their DURABLE_AGENTS_NATS_* variables) and the user's permissions",
        reason: "Authorization Violation",
      },
    ]);
    expect(output).not.toContain(wrongPassword);
  });

  it("refuses the runner user what only servers may do", async () => {
    // The server creates the streams; the runner user then tries to inject a task and to
    // delete the tasks' stream.
    server = await startTestServer({
      config: {
        nats: { url: nats.url, prefix, user: nats.server.user, password: nats.server.password },
      },
    });
    const nc = await connect({
      servers: nats.url,
      user: nats.runner.user,
      pass: nats.runner.password,
      maxReconnectAttempts: 0,
    });
    try {
      const toolsStream = `${prefix.toUpperCase()}_TOOLS`;
      const injected = await jetstream(nc)
        .publish(`${prefix}.tools.exec.get_weather`, new Uint8Array([1]), { timeout: 2_000 })
        .then(() => "published")
        .catch((error: unknown) => error);
      expect(injected instanceof Error && injected.cause).toBeInstanceOf(PermissionViolationError);
      expect((injected as Error).cause).toMatchObject({
        operation: "publish",
        subject: `${prefix}.tools.exec.get_weather`,
      });
      const deleting = await nc
        .request(`$JS.API.STREAM.DELETE.${toolsStream}`, undefined, { timeout: 2_000 })
        .then(() => "answered")
        .catch((error: unknown) => error);
      expect(deleting instanceof Error && deleting.cause).toBeInstanceOf(PermissionViolationError);
      // Seen by the server user: nothing was injected and the stream is still there.
      const admin = await connect({
        servers: nats.url,
        user: nats.server.user,
        pass: nats.server.password,
        maxReconnectAttempts: 0,
      });
      try {
        const info = await (await jetstreamManager(admin)).streams.info(toolsStream);
        expect(info.state.messages).toBe(0);
      } finally {
        await admin.close();
      }
    } finally {
      await nc.close();
    }
  });
});

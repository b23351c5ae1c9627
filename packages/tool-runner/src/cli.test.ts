// durable-agents-runner as a real process: each test spawns the built CLI (dist/cli.js; turbo
// builds this package before its tests, see turbo.json), waits for its "tool runner ready" line,
// and signals or kills it.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ToolProgressState } from "@durable-agents/core/proto";
import { AckPolicy } from "@nats-io/jetstream";
import pino from "pino";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { createToolRunner, type ToolRunner } from "./nats/tool-runner.js";
import {
  NATS_URL,
  natsIsAvailable,
  openTestNats,
  outcomeResult,
  type TestNats,
  waitUntil,
} from "./test-support/nats.js";

const available = await natsIsAvailable();
const sourceDir = fileURLToPath(new URL(".", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
/** A module for `--module` whose tool runs until its process dies. */
const blockingTools = fileURLToPath(new URL("./test-support/blocking-tools.mjs", import.meta.url));

/** The newest modification time of the package's compiled sources, in ms. */
function newestSourceMs(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "test-support" ? 0 : newestSourceMs(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")
        ? statSync(path).mtimeMs
        : 0;
    }),
  );
}

interface RunnerProcess {
  child: ChildProcess;
  /** Every JSON line of its stdout (its log). */
  lines: Record<string, unknown>[];
  stderr(): string;
}

describe.skipIf(!available)(
  "durable-agents-runner (the CLI, DESIGN §5)",
  { timeout: 30_000 },
  () => {
    let nats: TestNats;
    const children: ChildProcess[] = [];
    const runners: ToolRunner[] = [];

    beforeAll(() => {
      // A stale build would test yesterday's runner: refuse it rather than pass on it.
      let builtMs = 0;
      try {
        builtMs = statSync(cli).mtimeMs;
      } catch {
        throw new Error(
          `${cli} is missing: run \`pnpm --filter @durable-agents/tool-runner build\``,
        );
      }
      if (newestSourceMs(sourceDir) > builtMs) {
        throw new Error(
          `${cli} is older than src/: run \`pnpm --filter @durable-agents/tool-runner build\``,
        );
      }
    });

    beforeEach(async () => {
      nats = await openTestNats();
    });

    afterEach(async () => {
      await Promise.all(
        children.splice(0).map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, "exit");
          child.kill("SIGKILL");
          await exited;
        }),
      );
      await Promise.all(runners.splice(0).map((runner) => runner.close()));
      await nats.close();
    });

    const spawnRunner = (args: string[], env: Record<string, string> = {}): RunnerProcess => {
      const child = spawn(process.execPath, [cli, ...args], {
        cwd: sourceDir,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      const lines: Record<string, unknown>[] = [];
      let pending = "";
      child.stdout?.setEncoding("utf8").on("data", (text: string) => {
        pending += text;
        const complete = pending.split("\n");
        pending = complete.pop() ?? "";
        for (const line of complete) {
          if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      });
      let stderr = "";
      child.stderr?.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      return { child, lines, stderr: () => stderr };
    };

    const waitReady = async (runner: RunnerProcess) => {
      await waitUntil(
        "the runner's ready line",
        () => {
          if (runner.child.exitCode !== null) {
            throw new Error(`the runner exited (${runner.child.exitCode}): ${runner.stderr()}`);
          }
          return runner.lines.some((line) => line.msg === "tool runner ready");
        },
        15_000,
      );
      return runner.lines.find((line) => line.msg === "tool runner ready");
    };

    it("--demo serves the demo tools and exits 0 on SIGTERM after draining (§8)", async () => {
      const runner = spawnRunner(["--demo", "--runner-id", "cli-demo", "--concurrency", "2"], {
        DURABLE_AGENTS_NATS_URL: NATS_URL,
        DURABLE_AGENTS_NATS_PREFIX: nats.prefix,
      });

      const ready = await waitReady(runner);
      expect(ready).toMatchObject({
        runnerId: "cli-demo",
        tools: ["get_weather", "request_approval"],
        concurrency: 2,
        prefix: nats.prefix,
      });
      await nats.publishTask({ toolName: "get_weather", args: { location: "Oslo" } });
      const outcome = await nats.nextOutcome();
      expect([outcome.runnerId, outcomeResult(outcome)]).toEqual([
        "cli-demo",
        { weather: "sunny", temperature: 22 },
      ]);

      const exited = once(runner.child, "exit");
      runner.child.kill("SIGTERM");
      expect(await exited).toEqual([0, null]);
      expect(runner.lines.some((line) => line.msg === "tool runner closed")).toBe(true);
    });

    it("redelivers the task of a SIGKILLed runner to another runner (DESIGN §3)", async () => {
      await nats.jsm.streams.add({
        name: nats.names.toolsStream,
        subjects: [nats.names.toolsStreamSubjects],
        retention: "workqueue",
      });
      // A short ack wait, so the redelivery comes within the test's patience.
      await nats.jsm.consumers.add(nats.names.toolsStream, {
        durable_name: nats.names.consumerName("hang"),
        filter_subject: nats.names.execSubject("hang"),
        ack_policy: AckPolicy.Explicit,
        ack_wait: 1_000_000_000,
      });
      const doomed = spawnRunner([
        "--nats",
        NATS_URL,
        "--prefix",
        nats.prefix,
        "--module",
        blockingTools,
        "--runner-id",
        "doomed",
      ]);
      await waitReady(doomed);
      await nats.publishTask({ toolName: "hang", args: {} });
      await waitUntil("the doomed runner to run the handler", () =>
        nats.progress.some(
          (progress) =>
            progress.runnerId === "doomed" && progress.state === ToolProgressState.RUNNING,
        ),
      );

      const exited = once(doomed.child, "exit");
      doomed.child.kill("SIGKILL");
      await exited;
      const survivor = createToolRunner({
        nats: NATS_URL,
        prefix: nats.prefix,
        runnerId: "survivor",
        logger: pino({ level: "silent" }),
        tools: [
          defineTool({
            name: "hang",
            description: "",
            args: z.object({}),
            handler: async () => "ok",
          }),
        ],
      });
      runners.push(survivor);
      await survivor.start();
      const outcome = await nats.nextOutcome();

      expect([outcome.runnerId, outcomeResult(outcome)]).toEqual(["survivor", "ok"]);
    });

    it("exits 2 with the usage when it has nothing to serve", async () => {
      const runner = spawnRunner(["--nats", NATS_URL]);
      const [code] = await once(runner.child, "exit");
      expect(code).toBe(2);
      expect(runner.stderr()).toMatch(/nothing to serve[\s\S]*usage: durable-agents-runner/);
    });
  },
);

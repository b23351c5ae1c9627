// A durable-agents server as a child process (fixtures/crash-server.mjs), so a test can SIGKILL it
// and start another on the same SQLite file. Every child started here is killed by killAll,
// which the tests call in afterEach, so none outlives its test even when the test fails.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { clientsFor } from "../../support/test-server.js";

const fixture = fileURLToPath(new URL("../fixtures/crash-server.mjs", import.meta.url));

export interface ChildServerOptions {
  /** The store location, e.g. `sqlite:/tmp/…/agents.db`; a restart passes the same one. */
  store: string;
  /** Extra configuration, as a config file would hold it. */
  config?: Record<string, unknown>;
  /** Extra environment of the child (CRASH_TOOL_LOG, CRASH_TOOL_BLOCK, …: see the fixture). */
  env?: Record<string, string>;
  /** How long the child may take to start serving. @default 20_000 */
  startTimeoutMs?: number;
}

export type ChildServer = ReturnType<typeof clientsFor> & {
  readonly url: string;
  readonly pid: number;
  /** What the child wrote on stderr (its log), for failure messages. */
  stderr(): string;
  /** SIGKILLs the child and waits until it is gone. */
  kill(): Promise<void>;
  /** Resolves with the signal that ended the child (null for a normal exit), once it is gone. */
  exited(): Promise<NodeJS.Signals | null>;
};

const running = new Set<ChildProcess>();

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function killChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (hasExited(child)) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** SIGKILLs every child still running; call it in afterEach. */
export async function killAllChildServers(): Promise<void> {
  await Promise.all([...running].map(killChild));
}

function spawnFixture(options: ChildServerOptions): ChildProcess {
  const child = spawn(process.execPath, [fixture], {
    env: {
      ...process.env,
      CRASH_SERVER_STORE: options.store,
      CRASH_SERVER_CONFIG: JSON.stringify(options.config ?? {}),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  return child;
}

/**
 * Runs a child that is expected to die by itself (a tool that SIGKILLs its server) and resolves
 * with the signal that ended it, whether it died before or after it started serving; a child
 * still alive after `timeoutMs` is killed and the wait fails.
 */
export async function runChildServerUntilExit(
  options: ChildServerOptions & { timeoutMs: number },
): Promise<NodeJS.Signals | null> {
  const child = spawnFixture({ ...options, env: { CRASH_SERVER_LOG: "silent", ...options.env } });
  child.stdout?.resume();
  child.stderr?.resume();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killChild(child);
  }, options.timeoutMs);
  await once(child, "exit");
  clearTimeout(timer);
  running.delete(child);
  if (timedOut) throw new Error(`the crash server still ran after ${options.timeoutMs} ms`);
  return child.signalCode;
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = spawnFixture(options);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`the crash server ${reason}\n--- its stderr ---\n${stderr}`));
    };
    const timer = setTimeout(
      () => fail(`did not start within ${options.startTimeoutMs ?? 20_000} ms`),
      options.startTimeoutMs ?? 20_000,
    );
    child.once("exit", (code, signal) => fail(`exited (code ${code}, signal ${signal})`));
    child.once("error", (error) => fail(`could not be spawned: ${error.message}`));
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      const line: unknown = JSON.parse(stdout.slice(0, newline));
      if (
        typeof line === "object" &&
        line !== null &&
        "url" in line &&
        typeof line.url === "string"
      )
        resolve(line.url);
      else reject(new Error(`unexpected first line from the crash server: ${stdout}`));
    });
  }).catch(async (error: unknown) => {
    await killChild(child);
    throw error;
  });
  const { pid } = child;
  if (pid === undefined) throw new Error("the crash server has no pid");
  const exit = hasExited(child)
    ? Promise.resolve(child.signalCode)
    : once(child, "exit").then(() => child.signalCode);
  return {
    ...clientsFor(url),
    url,
    pid,
    stderr: () => stderr,
    kill: () => killChild(child),
    exited: () => exit,
  };
}

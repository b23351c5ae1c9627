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
  /** Extra environment of the child (CRASH_TOOL_LOG, CRASH_TOOL_BLOCK). */
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

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
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
  return {
    ...clientsFor(url),
    url,
    pid,
    stderr: () => stderr,
    kill: () => killChild(child),
  };
}

// Tool runner processes for the NATS acceptance tests: the real CLI, `durable-agents-runner`
// (packages/tool-runner/dist/cli.js, built before the tests by turbo), one OS process each, so a
// test can SIGKILL one mid-handler. Every runner started here is killed by killAllRunners, which
// the tests call in afterEach, so none outlives its test even when the test fails.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const runnerCli = fileURLToPath(
  new URL("../../../packages/tool-runner/dist/cli.js", import.meta.url),
);
/** The tool module the tests' runners serve (record_call, slow_step). */
export const testToolModule = fileURLToPath(new URL("../fixtures/nats-tools.mjs", import.meta.url));

export interface RunnerOptions {
  natsUrl: string;
  prefix: string;
  /** A name for the runner: its --runner-id, and what the test tools write in their log. */
  name: string;
  /** Serve the demo agent's tools (`--demo`). */
  demo?: boolean;
  /** Serve the test tools of {@link testToolModule}. */
  testTools?: boolean;
  /** Further tool modules to serve (`--module FILE` each). */
  modules?: string[];
  /** Further command-line arguments, e.g. `--metrics-listen 127.0.0.1:0`. */
  args?: string[];
  concurrency?: number;
  /** Environment of the test tools (NATS_TEST_TOOL_LOG, NATS_TEST_GATE). */
  env?: Record<string, string>;
}

export interface RunnerProcess {
  readonly name: string;
  readonly pid: number;
  /** The runner's log (JSON lines) so far, for failure messages and waits. */
  output(): string;
  /** Resolves once a log line's `msg` equals `message`; fails at the deadline or if it exits. */
  waitForLog(message: string, timeoutMs?: number): Promise<void>;
  /** Sends a signal and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();

async function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
  running.delete(child);
}

/** SIGKILLs every runner still running; call it in afterEach. */
export async function killAllRunners(): Promise<void> {
  await Promise.all([...running].map((child) => killChild(child, "SIGKILL")));
}

function hasLogLine(output: string, message: string): boolean {
  return output.split("\n").some((line) => {
    if (!line.startsWith("{")) return false;
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === "object" && parsed !== null && "msg" in parsed
        ? parsed.msg === message
        : false;
    } catch {
      return false;
    }
  });
}

/** Starts a runner and resolves once it takes tasks ("tool runner ready"). */
export async function startRunner(options: RunnerOptions): Promise<RunnerProcess> {
  const args = [
    runnerCli,
    "--nats",
    options.natsUrl,
    "--prefix",
    options.prefix,
    "--runner-id",
    options.name,
  ];
  if (options.demo === true) args.push("--demo");
  if (options.testTools === true) args.push("--module", testToolModule);
  if (options.concurrency !== undefined) args.push("--concurrency", String(options.concurrency));
  for (const module of options.modules ?? []) args.push("--module", module);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NATS_TEST_RUNNER: options.name, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (text: Buffer) => {
    output += text.toString("utf8");
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.once("exit", () => {
    for (const listener of [...listeners]) listener();
  });

  const waitForLog = (message: string, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(`did not log "${message}" within ${timeoutMs} ms`),
        timeoutMs,
      );
      const fail = (why: string) => {
        clearTimeout(timer);
        listeners.delete(check);
        reject(new Error(`runner ${options.name} ${why}\n--- its output ---\n${output}`));
      };
      const check = () => {
        if (hasLogLine(output, message)) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          fail(`exited (code ${child.exitCode}, signal ${child.signalCode})`);
        }
      };
      listeners.add(check);
      check();
    });

  try {
    await waitForLog("tool runner ready");
  } catch (error: unknown) {
    await killChild(child, "SIGKILL");
    throw error;
  }
  const { pid } = child;
  if (pid === undefined) throw new Error("the runner has no pid");
  return {
    name: options.name,
    pid,
    output: () => output,
    waitForLog,
    kill: (signal: NodeJS.Signals = "SIGKILL") => killChild(child, signal),
  };
}

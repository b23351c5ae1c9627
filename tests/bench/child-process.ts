// The bench's helper processes (the JetStream floor's worker, the NATS figures' tool runners, the
// bench servers of the throughput and memory figures): a node script in its own OS process, whose
// output is kept for waits and failure messages. Every child still running when the bench exits,
// however it exits, is SIGKILLed.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

/** Output kept per child: enough for a failure message, bounded however long the child logs. */
const MAX_OUTPUT_CHARS = 64 * 1024;

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface ChildScript {
  readonly name: string;
  /** The child's stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** Resolves once a line of output satisfies `matches`; fails at the deadline or if it exits. */
  waitForLine(matches: (line: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Calls `listener` with a description of the exit once the child has exited (on its own). */
  onExit(listener: (why: string) => void): void;
  /**
   * Sends `message` over the IPC channel (started with `ipc`) and resolves with the child's next
   * message; fails at the deadline or if the child exits first.
   */
  request(message: string, timeoutMs?: number): Promise<unknown>;
  /** SIGKILLs the child and waits until it is gone; nothing when it already exited. */
  kill(): Promise<void>;
}

export interface ProcessOptions {
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
  /** The working directory. @default this process's */
  cwd?: string;
  /** Opens an IPC channel for `request` (node children only). */
  ipc?: boolean;
}

export interface ScriptOptions extends ProcessOptions {
  /** Options of node itself, before the script (e.g. `--expose-gc`). */
  nodeArgs?: readonly string[];
}

/** Starts `node <script> <args>` with stdout and stderr piped to the returned handle. */
export function startScript(
  name: string,
  script: string,
  args: readonly string[],
  options: ScriptOptions = {},
): ChildScript {
  return startProcess(
    name,
    process.execPath,
    [...(options.nodeArgs ?? []), script, ...args],
    options,
  );
}

/** Starts `command <args>` with stdout and stderr piped to the returned handle. */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: ProcessOptions = {},
): ChildScript {
  const child = spawn(command, args, {
    stdio: options.ipc === true ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  running.add(child);
  let output = "";
  let exit: string | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-MAX_OUTPUT_CHARS);
    notify();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.once("exit", (code, signal) => {
    running.delete(child);
    exit = `${name} exited (code ${code}, signal ${signal})\n--- its output ---\n${output}`;
    notify();
  });
  child.once("error", (error) => {
    exit ??= `${name} could not run: ${error.message}`;
    notify();
  });

  return {
    name,
    output: () => output,
    waitForLine(matches, what, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms\n${output}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          if (output.split("\n").some(matches)) {
            finish();
            resolve();
          } else if (exit !== undefined) {
            finish();
            reject(new Error(`${exit}\n(waiting for ${what})`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    onExit(listener) {
      const check = () => {
        if (exit === undefined) return;
        listeners.delete(check);
        listener(exit);
      };
      listeners.add(check);
      check();
    },
    request(message, timeoutMs = 15_000) {
      return new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${name}: no answer to ${message} within ${timeoutMs} ms`));
        }, timeoutMs);
        const onMessage = (answer: unknown) => {
          finish();
          resolve(answer);
        };
        const onExit = () => {
          if (exit === undefined) return;
          finish();
          reject(new Error(`${exit}\n(waiting for the answer to ${message})`));
        };
        const finish = () => {
          clearTimeout(timer);
          child.off("message", onMessage);
          listeners.delete(onExit);
        };
        child.on("message", onMessage);
        listeners.add(onExit);
        child.send(message);
      });
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null || exit !== undefined) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** True when `line` is a JSON log line (pino) whose `msg` is `message`. */
export function isLogLine(line: string, message: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null && "msg" in parsed
      ? parsed.msg === message
      : false;
  } catch {
    return false;
  }
}

// Runs a child process to completion with a deadline, collecting its output. The child is killed
// (by its own handle) when the deadline passes or the caller's signal aborts, so a test never
// leaves one behind.
import { spawn } from "node:child_process";

export interface ProcessResult {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: NodeJS.Signals | null;
  stdout: string;
  /** stdout as bytes, for binary output. */
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string | Uint8Array;
  /** @default 30_000 */
  timeoutMs?: number;
  /** Kills the child when it aborts (e.g. the test's teardown). */
  signal?: AbortSignal;
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const { env, cwd, input, timeoutMs = 30_000, signal } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    signal?.addEventListener("abort", kill, { once: true });
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      reject(error);
    });
    child.on("close", (exitCode, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      const stdoutBytes = Buffer.concat(stdout);
      const result = {
        exitCode,
        exitSignal,
        stdout: stdoutBytes.toString("utf8"),
        stdoutBytes,
        stderr: Buffer.concat(stderr).toString("utf8"),
      };
      if (timedOut) {
        reject(
          new Error(
            `${command} ${args.join(" ")} did not finish within ${timeoutMs} ms\n${result.stderr}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
    child.stdin.end(input);
  });
}

/** Runs a process and returns its stdout, failing with its stderr unless it exits 0. */
export async function runOrFail(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await runProcess(command, args, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${result.exitCode ?? result.exitSignal}\n` +
        `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  return result.stdout;
}

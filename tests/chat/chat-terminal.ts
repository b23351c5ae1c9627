// The terminal chat (`durable-agents-chat`, built in packages/client/dist) run in a real
// pseudo-terminal: util-linux `script` gives it a TTY, so readline runs in raw mode and Ctrl-C
// and Ctrl-D arrive as keypresses, as they do for a person. The test types into the terminal and
// waits, with a deadline, for the screen to show what it expects.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CHAT_CLI = fileURLToPath(
  new URL("../../packages/client/dist/chat/cli.js", import.meta.url),
);

export const CTRL_C = "\u0003";
export const CTRL_D = "\u0004";
export const ENTER = "\r";

const ESCAPE = String.fromCharCode(27);
/** CSI sequences (cursor moves, line clears, colours) that readline and the chat write. */
const ANSI_SEQUENCE = new RegExp(`${ESCAPE}\\[[0-9;?]*[A-Za-z]`, "g");

/** The screen as text: escape sequences and carriage returns removed. */
export const plainText = (raw: string): string =>
  raw.replace(ANSI_SEQUENCE, "").replaceAll("\r", "");

const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

export interface ChatExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChatTerminal {
  /** Everything shown so far, as plain text. */
  screen(): string;
  /** Types into the terminal (use ENTER, CTRL_C, CTRL_D for keys). */
  type(keys: string): void;
  /**
   * Resolves with the screen position just after the first `expected` found at or after `from`;
   * rejects (showing the screen) when it has not appeared within `timeoutMs`.
   */
  waitFor(
    expected: string | RegExp,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<number>;
  /** Resolves when the chat exits; rejects after `timeoutMs`. */
  exit(timeoutMs?: number): Promise<ChatExit>;
  /** Kills the terminal if the chat still runs. */
  close(): Promise<void>;
}

function find(screen: string, expected: string | RegExp, from: number): number | undefined {
  const rest = screen.slice(from);
  if (typeof expected === "string") {
    const index = rest.indexOf(expected);
    return index < 0 ? undefined : from + index + expected.length;
  }
  const match = expected.exec(rest);
  return match === null ? undefined : from + match.index + match[0].length;
}

/** Starts `durable-agents-chat <args>` in a pseudo-terminal. */
export function startChat(args: readonly string[]): ChatTerminal {
  if (!existsSync(CHAT_CLI)) {
    throw new Error(
      `${CHAT_CLI} is missing: build the client first (npx turbo run build --filter=@durable-agents/client...)`,
    );
  }
  const command = [process.execPath, CHAT_CLI, ...args].map(shellQuote).join(" ");
  // -q: no "Script started" lines; -e: exit with the chat's exit code; /dev/null: no typescript file.
  const child: ChildProcess = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, TERM: "xterm-256color" },
  });
  let raw = "";
  let exited: ChatExit | undefined;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (data: string) => {
    raw += data;
    changed();
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (data: string) => {
    raw += data;
    changed();
  });
  child.on("exit", (code, signal) => {
    exited = { code, signal };
    changed();
  });
  const screen = () => plainText(raw);

  /**
   * Resolves when `check` returns a value, re-checked on every change; rejects when it returns an
   * Error, or at the deadline.
   */
  function until<T>(
    check: () => T | Error | undefined,
    timeoutMs: number,
    what: () => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const value = check();
        if (value === undefined) return;
        finish();
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${what()} within ${timeoutMs} ms; the screen shows:\n${screen()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      listeners.add(listener);
      listener();
    });
  }

  return {
    screen,
    type(keys) {
      child.stdin?.write(keys);
    },
    waitFor(expected, { from = 0, timeoutMs = 10_000 } = {}) {
      return until(
        () => {
          const found = find(screen(), expected, from);
          if (found === undefined && exited !== undefined) {
            return new Error(
              `the chat exited (${JSON.stringify(exited)}) before showing ${String(expected)}:\n${screen()}`,
            );
          }
          return found;
        },
        timeoutMs,
        () => `the chat did not show ${String(expected)} after position ${from}`,
      );
    },
    exit(timeoutMs = 10_000) {
      return until(
        () => exited,
        timeoutMs,
        () => "the chat did not exit",
      );
    },
    async close() {
      if (exited !== undefined) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // Closing the pseudo-terminal hangs up the chat (SIGHUP) along with `script`.
      child.kill("SIGKILL");
      await gone;
    },
  };
}

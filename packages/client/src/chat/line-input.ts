// The user's side of the terminal: lines read with node:readline (history and line editing on a
// TTY), typed-ahead lines queued, and Ctrl-C routed to whoever needs it. On a TTY readline puts
// the terminal in raw mode, so Ctrl-C arrives as a keypress ("SIGINT" on the interface), not as
// a signal; the program forwards a real SIGINT (input not a TTY) to `interrupt()` too.

import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import type { Readable } from "node:stream";
import type { ChatOutput } from "./output.js";

export type ReadResult =
  | { type: "line"; text: string }
  /** Ctrl-C at an empty line. */
  | { type: "interrupt" }
  /** The input ended (Ctrl-D, or the end of piped input). */
  | { type: "end" };

const isTTY = (stream: object): boolean => "isTTY" in stream && stream.isTTY === true;

export class LineInput {
  private readonly readline: Interface;
  private readonly queued: string[] = [];
  private ended = false;
  private pending: ((result: ReadResult) => void) | undefined;
  /** Ctrl-C while no line is being read (an answer is streaming). */
  onInterrupt: (() => void) | undefined;
  readonly isTerminal: boolean;

  constructor(
    input: Readable,
    private readonly out: ChatOutput,
  ) {
    this.isTerminal = isTTY(input) && isTTY(out.stream);
    this.readline = createInterface({
      input,
      output: out.stream,
      terminal: this.isTerminal,
      historySize: 100,
    });
    this.readline.on("line", (line) => {
      if (this.pending === undefined) {
        this.queued.push(line);
        return;
      }
      // Without a terminal nothing echoes the line: echo it so the transcript reads well.
      if (!this.isTerminal) this.out.write(`${line}\n`);
      this.settle({ type: "line", text: line });
    });
    this.readline.on("close", () => {
      this.ended = true;
      if (this.pending !== undefined) {
        this.out.write("\n");
        this.settle({ type: "end" });
      }
    });
    this.readline.on("SIGINT", () => this.interrupt());
  }

  /** Shows `prompt` and resolves with the next line, a Ctrl-C, or the end of the input. */
  read(prompt: string): Promise<ReadResult> {
    this.out.endLine();
    const line = this.queued.shift();
    if (line !== undefined) {
      this.out.write(`${prompt}${line}\n`);
      return Promise.resolve({ type: "line", text: line });
    }
    if (this.ended) return Promise.resolve({ type: "end" });
    return new Promise((resolve) => {
      this.pending = resolve;
      this.readline.setPrompt(prompt);
      this.readline.prompt();
      this.out.setAtLineStart(false);
    });
  }

  /**
   * Runs `print` while a prompt may be on the screen (output that arrives while the user types,
   * such as the partial answer a stopped turn saves late): the prompt line is cleared before the
   * first character printed, and drawn again after, with what the user had typed.
   */
  above(print: () => void): void {
    if (this.pending === undefined) {
      print();
      return;
    }
    let cleared = false;
    this.out.beforeWrite = () => {
      cleared = true;
      if (this.isTerminal) {
        clearLine(this.out.stream, 0);
        cursorTo(this.out.stream, 0);
      } else {
        this.out.stream.write("\n");
      }
      this.out.setAtLineStart(true);
    };
    try {
      print();
    } finally {
      this.out.beforeWrite = undefined;
    }
    if (!cleared) return;
    this.out.endLine();
    this.readline.prompt(true);
    this.out.setAtLineStart(false);
  }

  /** Ctrl-C: clears a half-typed line, ends an empty read, or goes to `onInterrupt`. */
  interrupt(): void {
    if (this.pending === undefined) {
      this.onInterrupt?.();
      return;
    }
    if (this.readline.line !== "") {
      // As a shell does: drop what was typed and offer the prompt again.
      this.readline.write(null, { ctrl: true, name: "e" });
      this.readline.write(null, { ctrl: true, name: "u" });
      return;
    }
    this.out.write("^C\n");
    this.settle({ type: "interrupt" });
  }

  close(): void {
    this.readline.close();
  }

  private settle(result: ReadResult): void {
    const resolve = this.pending;
    this.pending = undefined;
    this.out.setAtLineStart(true);
    resolve?.(result);
  }
}

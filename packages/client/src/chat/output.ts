// The chat's screen: a writable stream plus what the chat needs to know about it (whether the
// cursor is at the start of a line, whether colours are wanted), so streamed text, tool lines and
// status lines never run into each other.
import type { Writable } from "node:stream";

export type Tone = "dim" | "tool" | "ok" | "error" | "warn" | "bold";

const ANSI: Record<Tone, [string, string]> = {
  dim: ["\u001b[2m", "\u001b[22m"],
  tool: ["\u001b[36m", "\u001b[39m"],
  ok: ["\u001b[32m", "\u001b[39m"],
  error: ["\u001b[31m", "\u001b[39m"],
  warn: ["\u001b[33m", "\u001b[39m"],
  bold: ["\u001b[1m", "\u001b[22m"],
};

export interface ChatOutputOptions {
  /** Whether to colour lines with ANSI escapes. @default the stream is a TTY and NO_COLOR is unset */
  color?: boolean;
}

/** Whether colours suit `stream` (https://no-color.org). */
export function wantsColor(stream: Writable, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return "isTTY" in stream && stream.isTTY === true;
}

export class ChatOutput {
  readonly color: boolean;
  private atLineStart = true;
  /** Runs once before the next character is written (LineInput clears its prompt line). */
  beforeWrite: (() => void) | undefined;

  constructor(
    readonly stream: Writable,
    options: ChatOutputOptions = {},
  ) {
    this.color = options.color ?? wantsColor(stream, process.env);
  }

  /** `text` in `tone`, when colours are on. */
  paint(tone: Tone, text: string): string {
    if (!this.color || text === "") return text;
    const [open, close] = ANSI[tone];
    return `${open}${text}${close}`;
  }

  /** Writes `text` as is (streamed assistant text). */
  write(text: string): void {
    if (text === "") return;
    const before = this.beforeWrite;
    this.beforeWrite = undefined;
    before?.();
    this.stream.write(text);
    this.atLineStart = text.endsWith("\n");
  }

  /** Ends the current line, unless the cursor is already at the start of one. */
  endLine(): void {
    if (!this.atLineStart) this.write("\n");
  }

  /** Writes a whole line of its own, starting a new one first when needed. */
  line(text: string): void {
    this.endLine();
    this.write(`${text}\n`);
  }

  /**
   * Tells the output that something else (readline echoing the user's Enter) moved the cursor
   * to the start of a line, or left it mid-line (a prompt).
   */
  setAtLineStart(atLineStart: boolean): void {
    this.atLineStart = atLineStart;
  }

  /** Resolves once everything written so far is handed to the operating system. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.stream.write("", () => resolve());
    });
  }
}

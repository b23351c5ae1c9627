// Renders a thread's view on the terminal as a transcript that only grows: each render prints
// what the previous renders did not (new text of a message, a tool call, its outcome, a retry, a
// status change), so the same state arriving twice (a delta, then the committed message that
// contains it; a watch resumed after a reconnect) never prints twice.
import type { JsonValue } from "@bufbuild/protobuf";
import type {
  ChatMessage,
  ChatThread,
  ChatThreadStatus,
  ChatToolCall,
  ChatView,
} from "./chat-view.js";
import type { ChatOutput } from "./output.js";

/** Longest JSON shown for a tool input or result; longer values are cut with an ellipsis. */
const MAX_JSON_CHARS = 500;

export function formatJson(value: JsonValue | undefined): string {
  const text = value === undefined ? "" : JSON.stringify(value);
  return text.length > MAX_JSON_CHARS ? `${text.slice(0, MAX_JSON_CHARS)}…` : text;
}

/** `2.0 s`: a delay from now until `atMs`, never negative. */
export function formatDelay(atMs: number | undefined, nowMs: number): string {
  const seconds = atMs === undefined ? 0 : Math.max(0, atMs - nowMs) / 1_000;
  return `${seconds.toFixed(1)} s`;
}

export class ChatPrinter {
  /** Characters of each text part already printed, by `<message id>#<part index>`. */
  private readonly textShown = new Map<string, number>();
  /** The text part the cursor stands after, so its next characters continue the line. */
  private lastTextKey: string | undefined;
  private readonly inputsShown = new Set<string>();
  private readonly outcomesShown = new Set<string>();
  private readonly retriesShown = new Set<string>();
  private readonly usersShown = new Set<string>();
  /** Texts the user just typed: already on the screen, so their messages are not echoed. */
  private readonly typedTexts: string[] = [];
  private lastStatus: ChatThreadStatus | undefined;

  constructor(
    private readonly out: ChatOutput,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user typed `text`: its message, when it arrives, is already on the screen. */
  expectUserMessage(text: string): void {
    this.typedTexts.push(text);
  }

  /** The message typed as `text` was refused: it will not arrive. */
  forgetUserMessage(text: string): void {
    const index = this.typedTexts.indexOf(text);
    if (index >= 0) this.typedTexts.splice(index, 1);
  }

  render(view: ChatView): void {
    const toolCalls = new Map(view.toolCalls.map((call) => [call.toolCallId, call]));
    for (const message of view.messages) this.renderMessage(message, toolCalls);
    // Tool calls known before (or without) a message part naming them.
    for (const call of view.toolCalls) this.renderToolCall(call);
    if (view.thread !== undefined) this.renderThread(view.thread, view.awaitingPartial);
  }

  /** A line of its own (notices of the chat itself). */
  notice(text: string, tone: "dim" | "warn" | "error" = "dim"): void {
    this.line(this.out.paint(tone, text));
  }

  private line(text: string): void {
    this.out.line(text);
    this.lastTextKey = undefined;
  }

  private renderMessage(message: ChatMessage, toolCalls: Map<string, ChatToolCall>): void {
    if (message.role === "system") return;
    if (message.role === "user") {
      this.renderUserMessage(message);
      return;
    }
    message.parts.forEach((part, index) => {
      if (part.type === "tool") {
        const call = toolCalls.get(part.toolCallId);
        if (call !== undefined) this.renderToolCall(call);
        return;
      }
      const key = `${message.messageId}#${index}`;
      const shown = this.textShown.get(key) ?? 0;
      if (part.text.length <= shown) return;
      if (this.lastTextKey !== key) this.out.endLine();
      this.out.write(part.text.slice(shown));
      this.textShown.set(key, part.text.length);
      this.lastTextKey = key;
    });
  }

  private renderUserMessage(message: ChatMessage): void {
    if (this.usersShown.has(message.messageId)) return;
    this.usersShown.add(message.messageId);
    const text = message.parts
      .flatMap((part) => (part.type === "text" ? [part.text] : []))
      .join("\n");
    const typed = this.typedTexts.indexOf(text);
    if (typed >= 0) {
      this.typedTexts.splice(typed, 1);
      return;
    }
    this.line(`${this.out.paint("bold", "you>")} ${text}`);
  }

  private renderToolCall(call: ChatToolCall): void {
    const id = call.toolCallId;
    if (!this.inputsShown.has(id) && (call.input !== undefined || call.outcome !== undefined)) {
      this.inputsShown.add(id);
      const input = formatJson(call.input);
      this.line(this.out.paint("tool", `⚙ ${call.toolName}${input === "" ? "" : ` ${input}`}`));
    }
    if (call.retry !== undefined && call.outcome === undefined) {
      const key = `${id}:${call.retry.failedAttempt}`;
      if (!this.retriesShown.has(key)) {
        this.retriesShown.add(key);
        const { failedAttempt, maxAttempts, nextRetryAtMs, error } = call.retry;
        this.line(
          this.out.paint(
            "warn",
            `↻ ${call.toolName} retrying in ${formatDelay(nextRetryAtMs, this.now())} (attempt ${failedAttempt}/${maxAttempts}: ${error})`,
          ),
        );
      }
    }
    if (call.outcome !== undefined && !this.outcomesShown.has(id)) {
      this.outcomesShown.add(id);
      this.line(
        call.outcome.ok
          ? this.out.paint("ok", `✓ ${formatJson(call.outcome.output)}`)
          : this.out.paint("error", `✗ ${call.outcome.error}`),
      );
    }
  }

  private renderThread(thread: ChatThread, awaitingPartial: boolean): void {
    const { retry } = thread;
    if (retry !== undefined) {
      const key = `turn:${retry.attempt}:${retry.nextRetryAtMs ?? ""}`;
      if (!this.retriesShown.has(key)) {
        this.retriesShown.add(key);
        this.line(
          this.out.paint(
            "warn",
            `↻ retrying in ${formatDelay(retry.nextRetryAtMs, this.now())} (${retry.kind}, attempt ${retry.attempt}/${retry.maxAttempts})`,
          ),
        );
      }
    }
    if (thread.status === this.lastStatus) return;
    // "stopped" goes under the whole partial answer, which the server saves just after (X2).
    if (thread.status === "stopped" && awaitingPartial) return;
    this.lastStatus = thread.status;
    if (thread.status === "stopped") this.line(this.out.paint("warn", "■ stopped"));
    if (thread.status === "failed") {
      const failure = thread.failure;
      this.line(
        this.out.paint(
          "error",
          failure === undefined ? "✗ failed" : `✗ failed (${failure.kind}): ${failure.error}`,
        ),
      );
    }
  }
}

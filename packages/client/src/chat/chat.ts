// The terminal chat's conversation loop (`durable-agents chat`): read a line, send it, show the
// thread live until its loop settles, answer async tools the loop waits for, stop on Ctrl-C.
// Rendering lives in printer.ts, RPCs in backend.ts, input in line-input.ts.
import type { Readable, Writable } from "node:stream";
import type { JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ChatBackend } from "./backend.js";
import { type ChatToolCall, type ChatView, isSettled } from "./chat-view.js";
import { LineInput } from "./line-input.js";
import { ChatOutput } from "./output.js";
import { ChatPrinter } from "./printer.js";
import { errorMessage, ThreadWatcher } from "./thread-watcher.js";

export interface ChatOptions {
  /** The server's base URL (shown in the banner). */
  baseUrl: string;
  /** The agent of a new thread. */
  agent: string;
  /** Continue this thread instead of starting a new one with the first message. */
  threadId?: string | undefined;
}

export interface ChatStreams {
  input: Readable;
  output: Writable;
  /** Colours on or off. @default the output is a TTY and NO_COLOR is unset */
  color?: boolean;
}

/** How a chat ended; the program exits with this code. */
export type ChatExitCode = 0 | 1 | 130;

const PROMPT = "you> ";

/** How long the prompt waits for the partial answer of a stopped turn (X2 saves it within 1 s). */
const PARTIAL_ANSWER_WAIT_MS = 3_000;

/** Where the wait for a turn ended. */
type Settled =
  | { type: "settled" }
  | { type: "ask"; calls: ChatToolCall[] }
  | { type: "forced" }
  | { type: "failed"; error: unknown };

type Step = "continue" | "end" | "fatal" | "forced";

/** An answer to an async tool call: its result or its error (AddToolResult/AddToolError). */
export type ToolAnswer = { ok: true; result: JsonValue } | { ok: false; error: string };

const isUnreachable = (error: unknown): boolean =>
  error instanceof ConnectError && error.code === Code.Unavailable;

/** A tool whose name says it asks for approval gets a yes/no question. */
export const isApprovalTool = (toolName: string): boolean => /approv/i.test(toolName);

/** The question for an async tool call. */
export const questionFor = (call: ChatToolCall): string =>
  isApprovalTool(call.toolName)
    ? "approve? [y/n] "
    : `${call.toolName} result (JSON, or !reason to fail it): `;

/** Reads the user's answer to an async tool; undefined asks again. */
export function parseToolAnswer(toolName: string, text: string): ToolAnswer | undefined {
  const answer = text.trim();
  if (isApprovalTool(toolName)) {
    if (/^y(es)?$/i.test(answer)) return { ok: true, result: { approved: true } };
    if (/^no?$/i.test(answer)) return { ok: false, error: "denied" };
    return undefined;
  }
  if (answer === "") return undefined;
  if (answer.startsWith("!")) return { ok: false, error: answer.slice(1).trim() || "declined" };
  try {
    return { ok: true, result: JSON.parse(answer) as JsonValue };
  } catch {
    // Not JSON: the text itself is the result.
    return { ok: true, result: answer };
  }
}

class ChatSession {
  private readonly out: ChatOutput;
  private readonly printer: ChatPrinter;
  private readonly input: LineInput;
  private watcher: ThreadWatcher | undefined;
  /** Async calls answered (or dismissed with Ctrl-C) here: not asked again. */
  private readonly answered = new Set<string>();
  private interrupts = 0;
  private forceExit: (() => void) | undefined;

  constructor(
    private readonly options: ChatOptions,
    private readonly backend: ChatBackend,
    streams: ChatStreams,
  ) {
    this.out = new ChatOutput(streams.output, { color: streams.color });
    this.printer = new ChatPrinter(this.out);
    this.input = new LineInput(streams.input, this.out);
  }

  /** Ctrl-C from outside readline (a SIGINT signal). */
  interrupt(): void {
    this.input.interrupt();
  }

  async run(): Promise<ChatExitCode> {
    const { agent, baseUrl, threadId } = this.options;
    this.printer.notice(
      `durable-agents chat · ${baseUrl} · Ctrl-C stops an answer, Ctrl-D or Ctrl-C on an empty line exits`,
    );
    if (threadId === undefined) {
      try {
        await this.backend.getAgent(agent);
      } catch (error: unknown) {
        this.printer.notice(
          isUnreachable(error)
            ? `✗ cannot reach ${baseUrl}: ${errorMessage(error)}`
            : `✗ cannot use agent "${agent}": ${errorMessage(error)}`,
          "error",
        );
        return 1;
      }
      this.printer.notice(`agent ${agent} · a new thread starts with your first message`);
    } else {
      const opened = await this.open(threadId);
      if (opened !== "continue") return this.exitCode(opened);
    }
    for (;;) {
      const read = await this.input.read(this.out.paint("bold", PROMPT));
      if (read.type !== "line") return 0;
      const text = read.text.trim();
      if (text === "") continue;
      const step = await this.send(text);
      if (step !== "continue") return this.exitCode(step);
    }
  }

  async close(): Promise<void> {
    this.input.close();
    await this.watcher?.close();
    await this.out.flush();
  }

  private exitCode(step: Exclude<Step, "continue">): ChatExitCode {
    return step === "fatal" ? 1 : step === "forced" ? 130 : 0;
  }

  private watch(threadId: string): ThreadWatcher {
    const watcher = new ThreadWatcher(this.backend, threadId, {
      onChange: (view) => this.input.above(() => this.printer.render(view)),
      onNotice: (text, tone) => this.input.above(() => this.printer.notice(text, tone)),
    });
    this.watcher = watcher;
    return watcher;
  }

  /** `--thread`: shows the thread so far, then follows a loop still running. */
  private async open(threadId: string): Promise<Step> {
    let agent: string;
    try {
      agent = (await this.backend.getThread(threadId)).agent;
    } catch (error: unknown) {
      this.printer.notice(`✗ cannot open thread ${threadId}: ${errorMessage(error)}`, "error");
      return "fatal";
    }
    this.printer.notice(`thread ${threadId} · agent ${agent}`);
    const watcher = this.watch(threadId);
    try {
      await watcher.caughtUp();
    } catch (error: unknown) {
      this.printer.notice(`✗ ${errorMessage(error)}`, "error");
      return "fatal";
    }
    return this.follow(watcher, 0);
  }

  private async send(text: string): Promise<Step> {
    let watcher = this.watcher;
    if (watcher === undefined) {
      let threadId: string;
      try {
        threadId = await this.backend.createThread(this.options.agent);
      } catch (error: unknown) {
        this.printer.notice(`✗ cannot start a thread: ${errorMessage(error)}`, "error");
        return "continue";
      }
      this.printer.notice(`thread ${threadId} (continue it later with --thread ${threadId})`);
      watcher = this.watch(threadId);
    }
    this.printer.expectUserMessage(text);
    let version: number;
    try {
      version = Number((await this.backend.sendMessage(watcher.threadId, text)).version);
    } catch (error: unknown) {
      this.printer.forgetUserMessage(text);
      this.printer.notice(`✗ ${errorMessage(error)}`, "error");
      return "continue";
    }
    return this.follow(watcher, version);
  }

  /**
   * Shows the thread until its loop settles after `version` (the thread as SendMessage left it),
   * answering the async tool calls it waits for on the way.
   */
  private async follow(watcher: ThreadWatcher, version: number): Promise<Step> {
    for (;;) {
      const settled = await this.whileBusy(watcher, (view) => this.settledAfter(view, version));
      switch (settled.type) {
        case "settled":
          await this.partialSaved(watcher);
          return "continue";
        case "forced":
          return "forced";
        case "failed":
          this.printer.notice(`✗ ${errorMessage(settled.error)}`, "error");
          return "fatal";
        case "ask":
          for (const call of settled.calls) {
            const step = await this.answer(watcher.threadId, call);
            if (step === "stopped") break;
            if (step === "end") return "end";
          }
      }
    }
  }

  /**
   * After a stop, waits (briefly) for the partial answer the server saves once it marked the
   * thread stopped (X2), so the prompt comes back under the whole answer. Should the save never
   * come, the wait gives up; a late partial is still printed above the prompt.
   */
  private async partialSaved(watcher: ThreadWatcher): Promise<void> {
    if (!watcher.view().awaitingPartial) return;
    await this.whileBusy(
      watcher,
      (view): Settled | undefined => (view.awaitingPartial ? undefined : { type: "settled" }),
      PARTIAL_ANSWER_WAIT_MS,
    );
  }

  private settledAfter(view: ChatView, version: number): Settled | undefined {
    const { thread } = view;
    if (thread === undefined || thread.version < version) return undefined;
    if (isSettled(thread)) return { type: "settled" };
    if (thread.status !== "awaiting_tool_results") return undefined;
    const calls = view.toolCalls.filter(
      (call) =>
        call.isAsync &&
        call.isPending &&
        call.outcome === undefined &&
        !this.answered.has(call.toolCallId),
    );
    return calls.length === 0 ? undefined : { type: "ask", calls };
  }

  /** Waits for `select` while Ctrl-C means "stop the thread" (twice: give up and exit). */
  private async whileBusy(
    watcher: ThreadWatcher,
    select: (view: ChatView) => Settled | undefined,
    /** Gives up (as settled) after this long. @default no limit */
    timeoutMs?: number,
  ): Promise<Settled> {
    const forced = new Promise<Settled>((resolve) => {
      this.forceExit = () => resolve({ type: "forced" });
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Settled>((resolve) => {
      if (timeoutMs !== undefined)
        timer = setTimeout(() => resolve({ type: "settled" }), timeoutMs);
    });
    const done = new AbortController();
    this.input.onInterrupt = () => this.stop(watcher.threadId);
    try {
      return await Promise.race([
        watcher
          .until(select, done.signal)
          .catch((error: unknown): Settled => ({ type: "failed", error })),
        forced,
        timedOut,
      ]);
    } finally {
      done.abort();
      clearTimeout(timer);
      this.input.onInterrupt = undefined;
      this.forceExit = undefined;
      this.interrupts = 0;
    }
  }

  /** Ctrl-C while the loop runs: StopThread (X2 keeps the partial answer). */
  private stop(threadId: string): void {
    this.interrupts += 1;
    if (this.interrupts > 1) {
      this.printer.notice("^C again: leaving without waiting for the stop", "warn");
      this.forceExit?.();
      return;
    }
    // No echo: the answer simply ends where the stop caught it, then "■ stopped" follows.
    this.backend.stopThread(threadId).catch((error: unknown) => {
      this.printer.notice(`✗ cannot stop the thread: ${errorMessage(error)}`, "error");
    });
  }

  /** Asks the user for an async tool call's outcome and sends it. */
  private async answer(
    threadId: string,
    call: ChatToolCall,
  ): Promise<"answered" | "stopped" | "end"> {
    this.printer.notice(`${call.toolName} is waiting for your answer`);
    for (;;) {
      const read = await this.input.read(this.out.paint("bold", questionFor(call)));
      if (read.type === "end") {
        this.printer.notice(
          `the tool call stays pending; answer it later with --thread ${threadId}`,
        );
        return "end";
      }
      if (read.type === "interrupt") {
        // Not asked again while the stop takes effect (the call itself stays pending, B11).
        this.answered.add(call.toolCallId);
        this.stop(threadId);
        return "stopped";
      }
      const answer = parseToolAnswer(call.toolName, read.text);
      if (answer === undefined) continue;
      this.answered.add(call.toolCallId);
      try {
        if (answer.ok) {
          await this.backend.addToolResult(threadId, call.toolCallId, answer.result);
        } else {
          await this.backend.addToolError(threadId, call.toolCallId, answer.error);
        }
      } catch (error: unknown) {
        this.printer.notice(`✗ ${errorMessage(error)}`, "error");
      }
      return "answered";
    }
  }
}

/**
 * Runs the chat until the user leaves. Resolves with the exit code: 0 when the user left
 * (Ctrl-D, or Ctrl-C on an empty line), 1 when the server cannot be used, 130 after a second
 * Ctrl-C while a stop was pending.
 */
export async function runChat(
  options: ChatOptions,
  backend: ChatBackend,
  streams: ChatStreams,
  /** Receives a function that delivers a Ctrl-C from outside (a SIGINT signal). */
  onReady?: (interrupt: () => void) => void,
): Promise<ChatExitCode> {
  const session = new ChatSession(options, backend, streams);
  onReady?.(() => session.interrupt());
  try {
    return await session.run();
  } finally {
    await session.close();
  }
}

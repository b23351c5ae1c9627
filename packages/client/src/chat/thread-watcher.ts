// Keeps one WatchThread call open for the chat's thread: applies each event to the view, tells
// the printer, wakes whoever waits for a state, and after a network drop reconnects with backoff
// from the last cursor (X1: nothing lost, nothing repeated).
import { Code, ConnectError } from "@connectrpc/connect";
import type { ChatBackend } from "./backend.js";
import type { ChatView } from "./chat-view.js";
import { ThreadView } from "./thread-view.js";

const RECONNECT_INITIAL_DELAY_MS = 250;
const RECONNECT_MAX_DELAY_MS = 5_000;

/** Errors a reconnect cannot fix: the thread is gone or the caller may not see it. */
const FATAL_CODES = new Set([
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.InvalidArgument,
  Code.Unimplemented,
]);

export interface ThreadWatcherOptions {
  /** Called after every event with the new view. */
  onChange(view: ChatView): void;
  /** Reports a lost or restored connection. */
  onNotice(text: string, tone: "dim" | "warn"): void;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export const errorMessage = (error: unknown): string =>
  error instanceof ConnectError
    ? error.rawMessage
    : error instanceof Error
      ? error.message
      : String(error);

export class ThreadWatcher {
  private readonly state = new ThreadView();
  private readonly stop = new AbortController();
  private readonly waiters = new Set<() => void>();
  private failure: Error | undefined;
  private readonly running: Promise<void>;

  constructor(
    private readonly backend: ChatBackend,
    readonly threadId: string,
    private readonly options: ThreadWatcherOptions,
  ) {
    this.running = this.run();
  }

  view(): ChatView {
    return this.state.view();
  }

  /**
   * Resolves with the first value `select` returns for the view (now or after a later event);
   * rejects when the watch fails for good or is closed, or when `signal` aborts.
   */
  until<T>(select: (view: ChatView) => T | undefined, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      signal?.addEventListener(
        "abort",
        () => {
          this.waiters.delete(check);
          reject(signal.reason);
        },
        { once: true },
      );
      const check = () => {
        if (this.failure !== undefined) {
          this.waiters.delete(check);
          reject(this.failure);
          return;
        }
        const value = select(this.state.view());
        if (value !== undefined) {
          this.waiters.delete(check);
          resolve(value);
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once the stored history was applied (the first CaughtUp). */
  caughtUp(): Promise<true> {
    return this.until(() => (this.state.isCaughtUp ? true : undefined));
  }

  /** Ends the watch call and waits for its loop to finish. */
  async close(): Promise<void> {
    this.stop.abort();
    this.fail(new Error("the chat closed its watch"));
    await this.running;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of [...this.waiters]) waiter();
  }

  private async run(): Promise<void> {
    const { signal } = this.stop;
    let reconnectDelayMs = RECONNECT_INITIAL_DELAY_MS;
    let lost = false;
    while (!signal.aborted) {
      let reason: string;
      try {
        for await (const response of this.backend.watch(this.threadId, {
          after: this.state.cursor,
          signal,
        })) {
          if (lost) {
            lost = false;
            this.options.onNotice("reconnected", "dim");
          }
          reconnectDelayMs = RECONNECT_INITIAL_DELAY_MS;
          this.state.apply(response);
          this.options.onChange(this.state.view());
          for (const waiter of [...this.waiters]) waiter();
        }
        // The server ended the call (it shut down, or the thread was deleted): reconnecting
        // tells which.
        reason = "the server ended the watch";
      } catch (error: unknown) {
        if (signal.aborted) return;
        if (error instanceof ConnectError && FATAL_CODES.has(error.code)) {
          this.fail(error);
          return;
        }
        reason = errorMessage(error);
      }
      if (signal.aborted) return;
      if (!lost) {
        lost = true;
        this.options.onNotice(`connection lost (${reason}); reconnecting…`, "warn");
      }
      await delay(reconnectDelayMs, signal);
      reconnectDelayMs = Math.min(reconnectDelayMs * 2, RECONNECT_MAX_DELAY_MS);
    }
  }
}

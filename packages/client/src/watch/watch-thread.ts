// watchThread: WatchThread as a stream of ThreadViews that survives network drops. After a drop it
// waits (exponential backoff with full jitter) and calls WatchThread again with the cursor of the
// last event it applied; the server sends every later update exactly once (X1), and a snapshot
// first when the thread changed meanwhile, so the view goes on with no duplicate or missing text.
import { computeBackoffDelayMs, type ExponentialBackoffPolicy } from "@durable-agents/core";
import {
  type AgentClientError,
  isProtocolError,
  toAgentClientError,
  UnavailableError,
} from "../errors.js";
import type { Connection, ThreadView, WatchCursor, WatchEvent } from "../types.js";
import { ThreadViewState } from "./thread-view-state.js";

/** How watchThread reconnects after the connection drops. */
export interface ReconnectOptions {
  /** initialDelayMs is the wait before the first reconnect. @default 100 */
  initialDelayMs?: number;
  /** multiplier grows the wait after each failed attempt in a row. @default 2 */
  multiplier?: number;
  /** maxDelayMs caps the wait. @default 5_000 */
  maxDelayMs?: number;
  /**
   * maxAttempts is how many reconnects in a row may fail before the watch throws the last error;
   * a connection that catches up again resets the count. @default Infinity
   */
  maxAttempts?: number;
}

/** A reconnect about to happen, for logs and status lines. */
export interface ReconnectInfo {
  /** attempt counts the reconnects in a row, from 1. */
  attempt: number;
  delayMs: number;
  /** error is why the call ended; undefined when the server ended it (e.g. shutting down). */
  error: AgentClientError | undefined;
}

/** Options of watchThread. */
export interface WatchThreadOptions {
  /** signal ends the watch: the iteration finishes quietly and the server call is cancelled. */
  signal?: AbortSignal;
  /**
   * cursor starts the watch after this position (a `ThreadView.cursor` of an earlier watch) instead
   * of from the beginning of the streams in progress: the first view holds the committed state,
   * and only output streamed after the cursor is shown (a message being streamed at the cursor
   * shows once it is committed).
   */
  cursor?: WatchCursor;
  /**
   * live keeps the watch open for live updates; `false` ends it once the stored history was applied
   * (one view of the thread as it is now, then the iteration ends).
   * @default true
   */
  live?: boolean;
  /** reconnect tunes the backoff; `false` throws the first network error instead. */
  reconnect?: ReconnectOptions | false;
  /** onReconnect is told before each reconnect. */
  onReconnect?: (info: ReconnectInfo) => void;
  /** random is the jitter source (tests pass a fixed one). @default Math.random */
  random?: () => number;
}

/** Opens one WatchThread call. */
export type OpenWatch = (request: {
  after: WatchCursor | undefined;
  historyOnly: boolean;
  signal: AbortSignal;
}) => AsyncIterable<WatchEvent>;

const DEFAULT_RECONNECT: ExponentialBackoffPolicy = {
  strategy: "exponential",
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 5_000,
  jitter: "full",
};

/** Failures a new call may not repeat: the network, the server restarting or overloaded. */
const TRANSIENT_CODES = new Set([
  "unavailable",
  "unknown",
  "internal",
  "aborted",
  "canceled",
  "deadline_exceeded",
  "resource_exhausted",
]);

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function* watchThreadViews(
  open: OpenWatch,
  options: WatchThreadOptions = {},
): AsyncGenerator<ThreadView, void, undefined> {
  const live = options.live ?? true;
  const reconnect: ReconnectOptions =
    options.reconnect === false ? { maxAttempts: 0 } : (options.reconnect ?? {});
  const policy: ExponentialBackoffPolicy = {
    ...DEFAULT_RECONNECT,
    initialDelayMs: reconnect.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs,
    multiplier: reconnect.multiplier ?? DEFAULT_RECONNECT.multiplier,
    maxDelayMs: reconnect.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs,
  };
  const maxAttempts = reconnect.maxAttempts ?? Number.POSITIVE_INFINITY;
  const random = options.random ?? Math.random;
  // Ends every call of this watch: the caller's signal, or the caller leaving the loop (return()).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const state = new ThreadViewState();
  // A start cursor with thread version 0 makes the server send the committed state first.
  let after: WatchCursor | undefined =
    options.cursor === undefined ? undefined : { ...options.cursor, threadVersion: 0 };
  let connection: Connection = "connecting";
  let failures = 0;
  try {
    while (!stop.signal.aborted) {
      const call = new AbortController();
      const endCall = () => call.abort();
      stop.signal.addEventListener("abort", endCall, { once: true });
      let failure: unknown;
      let ended = false;
      try {
        for await (const event of open({ after, historyOnly: !live, signal: call.signal })) {
          state.apply(event);
          after = state.cursor;
          if (event.type === "caught_up") failures = 0;
          connection = "connected";
          const view = await state.view(connection);
          if (view !== undefined) yield view;
        }
        ended = true;
      } catch (error: unknown) {
        failure = error;
      } finally {
        stop.signal.removeEventListener("abort", endCall);
        call.abort();
      }
      if (stop.signal.aborted || (ended && !live)) return;
      const error = failure === undefined ? undefined : toAgentClientError(failure);
      if (error !== undefined && (!TRANSIENT_CODES.has(error.code) || isProtocolError(error))) {
        throw error;
      }
      failures += 1;
      if (failures > maxAttempts) {
        throw (
          error ??
          new UnavailableError({ code: "unavailable", rawMessage: "the server ended the watch" })
        );
      }
      const delayMs = computeBackoffDelayMs(policy, failures, random);
      options.onReconnect?.({ attempt: failures, delayMs, error });
      state.caughtUp = false;
      if (connection !== "reconnecting") {
        connection = "reconnecting";
        const view = await state.view(connection);
        if (view !== undefined) yield view;
      }
      await pause(delayMs, stop.signal);
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}

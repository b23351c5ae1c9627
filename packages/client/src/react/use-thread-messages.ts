// useThreadMessages: a thread's live view in a React component, from the client's watchThread.
import type { UIMessage } from "ai";
import { useEffect, useRef, useState } from "react";
import type { AgentClient } from "../agent-client.js";
import { type AgentClientError, toAgentClientError } from "../errors.js";
import type { Connection, Thread, ThreadStatus, ThreadView, ToolCall } from "../types.js";
import type { ReconnectInfo, ReconnectOptions } from "../watch/watch-thread.js";

export interface UseThreadMessagesOptions {
  /** client is the client to watch with. */
  client: AgentClient;
  /** threadId is the thread to watch; undefined watches nothing (e.g. before it is created). */
  threadId: string | undefined;
  /** skip stops watching, e.g. while the component is hidden. @default false */
  skip?: boolean;
  /** reconnect tunes how the watch reconnects after a network drop. */
  reconnect?: ReconnectOptions;
  /** onReconnect is told before each reconnect. */
  onReconnect?: (info: ReconnectInfo) => void;
}

export interface UseThreadMessagesResult {
  /** messages are the committed messages merged with the output still streaming. */
  messages: UIMessage[];
  /** thread is undefined until the first view arrives. */
  thread: Thread | undefined;
  toolCalls: ToolCall[];
  status: ThreadStatus | undefined;
  /** isLoading is true until the first view of the thread arrives. */
  isLoading: boolean;
  /** isRunning: the tool loop runs (streaming or awaiting tool results). */
  isRunning: boolean;
  isComplete: boolean;
  isFailed: boolean;
  isStopped: boolean;
  /** streamingMessageIds are the messages still receiving streamed output. */
  streamingMessageIds: string[];
  /** connection is undefined while nothing is watched. */
  connection: Connection | undefined;
  /** error is why the watch ended for good (e.g. the thread was deleted); undefined otherwise. */
  error: AgentClientError | undefined;
}

interface WatchState {
  /** The watch the state belongs to, so a new thread id never shows the old thread's view. */
  key: string | undefined;
  view: ThreadView | undefined;
  error: AgentClientError | undefined;
}

export function useThreadMessages(options: UseThreadMessagesOptions): UseThreadMessagesResult {
  const { client, threadId, skip = false, reconnect, onReconnect } = options;
  const key = skip || threadId === undefined ? undefined : threadId;
  const [state, setState] = useState<WatchState>({ key, view: undefined, error: undefined });
  // The options object changes every render; only its values restart the watch.
  const initialDelayMs = reconnect?.initialDelayMs;
  const multiplier = reconnect?.multiplier;
  const maxDelayMs = reconnect?.maxDelayMs;
  const maxAttempts = reconnect?.maxAttempts;
  // The latest listener is called without restarting the watch when it changes.
  const reconnectListener = useRef(onReconnect);
  reconnectListener.current = onReconnect;

  useEffect(() => {
    if (key === undefined) return;
    const stop = new AbortController();
    const watch = async () => {
      try {
        for await (const view of client.watchThread(key, {
          signal: stop.signal,
          reconnect: { initialDelayMs, multiplier, maxDelayMs, maxAttempts },
          onReconnect: (info) => reconnectListener.current?.(info),
        })) {
          setState({ key, view, error: undefined });
        }
      } catch (error: unknown) {
        if (!stop.signal.aborted) {
          setState((previous) => ({ ...previous, key, error: toAgentClientError(error) }));
        }
      }
    };
    void watch();
    return () => stop.abort();
  }, [client, key, initialDelayMs, multiplier, maxDelayMs, maxAttempts]);

  const current = state.key === key ? state : { key, view: undefined, error: undefined };
  const { view } = current;
  const status = view?.status;
  return {
    messages: view?.messages ?? [],
    thread: view?.thread,
    toolCalls: view?.toolCalls ?? [],
    status,
    isLoading: key !== undefined && view === undefined && current.error === undefined,
    isRunning: view?.isRunning ?? false,
    isComplete: status === "completed",
    isFailed: status === "failed",
    isStopped: status === "stopped",
    streamingMessageIds: view?.streamingMessageIds ?? [],
    connection: key === undefined ? undefined : (view?.connection ?? "connecting"),
    error: current.error,
  };
}

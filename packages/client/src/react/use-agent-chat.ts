// useAgentChat: useThreadMessages plus the calls a chat needs — send, stop, resume — bound to the
// thread. A sent prompt shows at once as an optimistic user message, replaced by the stored one
// when the watch delivers it.
import type { UIMessage } from "ai";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { SendMessageOptions, SendMessageResult } from "../agent-client.js";
import type { Thread } from "../types.js";
import {
  type UseThreadMessagesOptions,
  type UseThreadMessagesResult,
  useThreadMessages,
} from "./use-thread-messages.js";

export type UseAgentChatOptions = UseThreadMessagesOptions;

export interface UseAgentChatResult extends UseThreadMessagesResult {
  /** sendMessage sends a user message (text or a whole message) to the thread (B13, X3). */
  sendMessage: (
    content: string | UIMessage,
    options?: SendMessageOptions,
  ) => Promise<SendMessageResult>;
  /** stop stops the tool loop (B11, X2). */
  stop: () => Promise<Thread>;
  /** resume continues a stopped or failed thread, optionally with a new prompt (B12). */
  resume: (prompt?: string) => Promise<Thread>;
}

interface PendingMessage {
  /** The thread it was sent to: another thread's view never shows it. */
  threadId: string;
  message: UIMessage;
  /** The stored message's id once the server answered; the optimistic one goes when it shows. */
  storedId: string | undefined;
}

let optimisticCount = 0;

function optimisticMessage(content: string | UIMessage): UIMessage {
  if (typeof content !== "string") return content;
  optimisticCount += 1;
  return {
    id: `optimistic-${Date.now().toString(36)}-${optimisticCount}`,
    role: "user",
    parts: [{ type: "text", text: content }],
  };
}

function requireThreadId(threadId: string | undefined): string {
  if (threadId === undefined) throw new TypeError("useAgentChat has no threadId to act on");
  return threadId;
}

export function useAgentChat(options: UseAgentChatOptions): UseAgentChatResult {
  const { client, threadId } = options;
  const watched = useThreadMessages(options);
  const [pending, setPending] = useState<PendingMessage[]>([]);

  const sendMessage = useCallback(
    async (content: string | UIMessage, sendOptions?: SendMessageOptions) => {
      const id = requireThreadId(threadId);
      const entry: PendingMessage = {
        threadId: id,
        message: optimisticMessage(content),
        storedId: undefined,
      };
      setPending((list) => [...list, entry]);
      try {
        const result = await client.sendMessage(id, content, sendOptions);
        // An enqueued message is stored only when its turn comes (X3): nothing to wait for.
        if (result.message === undefined) {
          setPending((list) => list.filter((item) => item !== entry));
        } else {
          const storedId = result.message.id;
          setPending((list) => list.map((item) => (item === entry ? { ...item, storedId } : item)));
        }
        return result;
      } catch (error: unknown) {
        setPending((list) => list.filter((item) => item !== entry));
        throw error;
      }
    },
    [client, threadId],
  );

  const stop = useCallback(() => client.stopThread(requireThreadId(threadId)), [client, threadId]);
  const resume = useCallback(
    (prompt?: string) =>
      client.resumeThread(requireThreadId(threadId), prompt === undefined ? {} : { prompt }),
    [client, threadId],
  );

  const shownIds = useMemo(
    () => new Set(watched.messages.map((message) => message.id)),
    [watched.messages],
  );
  // Optimistic messages whose stored message arrived are done with.
  useEffect(() => {
    const delivered = (item: PendingMessage) =>
      item.storedId !== undefined && shownIds.has(item.storedId);
    setPending((list) => (list.some(delivered) ? list.filter((item) => !delivered(item)) : list));
  }, [shownIds]);

  const messages = useMemo(() => {
    const waiting = pending.filter(
      (item) =>
        item.threadId === threadId && (item.storedId === undefined || !shownIds.has(item.storedId)),
    );
    return waiting.length === 0
      ? watched.messages
      : [...watched.messages, ...waiting.map((item) => item.message)];
  }, [watched.messages, pending, shownIds, threadId]);

  return { ...watched, messages, sendMessage, stop, resume };
}

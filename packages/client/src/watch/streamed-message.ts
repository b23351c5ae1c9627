// A message as its stream builds it, with the AI SDK's own chunk processing (readUIMessageStream),
// so a streamed message comes out exactly as the server's toUIMessageStream builds the message it
// commits (B7): same parts, same states, same tool part handling.
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";

/**
 * applyChunks builds a message from `chunks`, continuing `base` (the message as committed, or as an
 * earlier stream left it) or, without one, starting an empty assistant message `messageId`. A chunk
 * the AI SDK refuses (a tool result for a call it has not seen) ends the build at the last good
 * state instead of failing the watch: the next delta or the commit repairs it.
 */
export async function applyChunks(
  base: UIMessage | undefined,
  messageId: string,
  chunks: readonly UIMessageChunk[],
): Promise<UIMessage> {
  // readUIMessageStream continues the message it is given in place: give it a copy.
  const start: UIMessage =
    base === undefined ? { id: messageId, role: "assistant", parts: [] } : structuredClone(base);
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      // Some chunks change the message without the AI SDK emitting it (`start-step` adds its
      // part silently). A closing `start` with the message's own id changes nothing and makes
      // it emit the message as it now stands.
      controller.enqueue({ type: "start", messageId });
      controller.close();
    },
  });
  let latest = start;
  for await (const message of readUIMessageStream({ message: start, stream, onError: () => {} })) {
    latest = message;
  }
  return withoutUndefinedKeys(latest);
}

/**
 * The AI SDK writes absent optional fields as keys holding `undefined`; the committed message went
 * through JSON, which drops them. Dropping them here makes a streamed message equal the committed
 * one key for key. Strings are shared, not copied.
 */
function withoutUndefinedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefinedKeys) as T;
  if (value === null || typeof value !== "object") return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    // defineProperty, so a "__proto__" key stays data instead of replacing the prototype.
    Object.defineProperty(result, key, {
      value: withoutUndefinedKeys(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result as T;
}

import type { UIMessageChunk } from "ai";

/** Options of {@link compactChunks}. */
export interface CompactChunksOptions {
  /**
   * Keep `tool-input-delta` chunks (the streamed JSON of a tool call's arguments). They are noisy and
   * the final input arrives anyway with `tool-input-available`, so they are dropped by default (B5).
   * @default false
   */
  includeToolInputDeltas?: boolean;
}

type JoinableDeltaChunk = Extract<UIMessageChunk, { type: "text-delta" | "reasoning-delta" }>;

/**
 * Compacts a batch of stream chunks before it is written as one delta row (B5):
 * drops `tool-input-delta` chunks unless included, removes provider metadata from every chunk, and
 * joins adjacent `text-delta` (and `reasoning-delta`) chunks of the same part id into one chunk.
 * Every other chunk is kept, in order. The input chunks are never mutated.
 */
export function compactChunks(
  chunks: readonly UIMessageChunk[],
  options: CompactChunksOptions = {},
): UIMessageChunk[] {
  const includeToolInputDeltas = options.includeToolInputDeltas ?? false;
  const compacted: UIMessageChunk[] = [];
  for (const chunk of chunks) {
    if (chunk.type === "tool-input-delta" && !includeToolInputDeltas) {
      continue;
    }
    const stripped = withoutProviderMetadata(chunk);
    const joined = joinAdjacentDeltas(compacted.at(-1), stripped);
    if (joined === undefined) {
      compacted.push(stripped);
    } else {
      compacted[compacted.length - 1] = joined;
    }
  }
  return compacted;
}

/**
 * Provider metadata (signatures, cache hints, provider ids) matters to the provider, not to a
 * watcher, and can be large; the committed message keeps it, the deltas do not need it (B5).
 */
function withoutProviderMetadata(chunk: UIMessageChunk): UIMessageChunk {
  if (!("providerMetadata" in chunk)) {
    return chunk;
  }
  const copy = { ...chunk };
  delete copy.providerMetadata;
  return copy;
}

function isJoinableDelta(chunk: UIMessageChunk): chunk is JoinableDeltaChunk {
  return chunk.type === "text-delta" || chunk.type === "reasoning-delta";
}

/** The two chunks as one, when both are deltas of the same kind and part id; else `undefined`. */
function joinAdjacentDeltas(
  previous: UIMessageChunk | undefined,
  next: UIMessageChunk,
): UIMessageChunk | undefined {
  if (previous === undefined || !isJoinableDelta(previous) || !isJoinableDelta(next)) {
    return undefined;
  }
  if (previous.type !== next.type || previous.id !== next.id) {
    return undefined;
  }
  return { ...previous, delta: previous.delta + next.delta };
}

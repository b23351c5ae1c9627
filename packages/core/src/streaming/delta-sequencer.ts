import type { UIMessageChunk } from "ai";

/** One delta row to persist for a stream (B5): the chunks of one message, numbered within it. */
export interface DeltaRow {
  /** The UI message the chunks belong to, taken from the stream's `start` chunk. */
  messageId: string;
  /** Position of the row within its message in this stream, from 0. */
  seq: number;
  chunks: UIMessageChunk[];
}

/** What the sequencer remembers between batches of one stream. Treat as opaque and immutable. */
export interface DeltaSequencerState {
  /** The message the next chunks belong to; `undefined` until a `start` chunk names one. */
  readonly messageId: string | undefined;
  /** The next row seq of every message this stream has written rows for. */
  readonly nextSeqByMessageId: ReadonlyMap<string, number>;
}

/** Result of {@link sequenceDeltas}. */
export interface SequencedDeltas {
  /** The state to pass with the next batch of the same stream. */
  state: DeltaSequencerState;
  /** The rows to write, in order; a batch that spans a message change yields one row per message. */
  rows: DeltaRow[];
  /**
   * Chunks that arrived before any `start` chunk named a message. They cannot be attributed to a
   * message, so they are not written; the caller logs them. The AI SDK opens every UI message
   * stream with `start`, so this only happens with a misbehaving stream.
   */
  unattributedChunks: UIMessageChunk[];
}

/** The state of a stream that has not seen any chunk yet. */
export const initialDeltaSequencerState: DeltaSequencerState = {
  messageId: undefined,
  nextSeqByMessageId: new Map(),
};

/**
 * Turns one batch of (already compacted) chunks of a stream into delta rows (B5). The message id
 * comes from `start` chunks; a `start` without a message id, or with the current one, continues the
 * current message. The row seq counts from 0 within each message, so it restarts when the message
 * id changes; a message the stream returns to continues its own count, so (message id, seq) never
 * repeats within a stream. Empty batches yield no row.
 */
export function sequenceDeltas(
  state: DeltaSequencerState,
  chunks: readonly UIMessageChunk[],
): SequencedDeltas {
  const nextSeqByMessageId = new Map(state.nextSeqByMessageId);
  const rows: DeltaRow[] = [];
  const unattributedChunks: UIMessageChunk[] = [];
  let messageId = state.messageId;
  let pending: UIMessageChunk[] = [];

  const closeRow = (): void => {
    if (messageId === undefined || pending.length === 0) {
      return;
    }
    const seq = nextSeqByMessageId.get(messageId) ?? 0;
    rows.push({ messageId, seq, chunks: pending });
    nextSeqByMessageId.set(messageId, seq + 1);
    pending = [];
  };

  for (const chunk of chunks) {
    if (chunk.type === "start" && chunk.messageId !== undefined && chunk.messageId !== messageId) {
      closeRow();
      messageId = chunk.messageId;
    }
    if (messageId === undefined) {
      unattributedChunks.push(chunk);
    } else {
      pending.push(chunk);
    }
  }
  closeRow();

  return { state: { messageId, nextSeqByMessageId }, rows, unattributedChunks };
}

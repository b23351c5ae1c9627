// Writes a turn's chunks as delta rows (B5): queued, compacted and written at most every
// `throttleMs`, each write checked against the stream's ownership (B3) so a replaced or aborted
// turn stops writing. Writes happen one at a time, in order.
import {
  compactChunks,
  type DeltaSequencerState,
  decideFlush,
  initialDeltaSequencerState,
  sequenceDeltas,
} from "@durable-agents/core";
import type { UIMessageChunk } from "ai";
import type { DeltaRecord, StreamRecord } from "../store/records.js";
import type { EngineContext, StreamingOptions } from "./context.js";
import { assertStreamOwner } from "./stream-ownership.js";
import { mutate } from "./unit-of-work.js";

export interface DeltaWriter {
  /** Queues a chunk; it is written within `throttleMs`. */
  push(chunk: UIMessageChunk): void;
  /** Writes everything queued and waits for all writes. Rejects if a write was refused. */
  flush(): Promise<void>;
  /** Stops the throttle timer; queued chunks are dropped. */
  dispose(): void;
}

export function createDeltaWriter(
  context: EngineContext,
  stream: StreamRecord,
  lockId: string,
  options: StreamingOptions,
  onRefused: (error: unknown) => void,
): DeltaWriter {
  let queued: UIMessageChunk[] = [];
  let sequencer: DeltaSequencerState = initialDeltaSequencerState;
  let nextDeltaSeq = stream.deltaCount;
  let lastFlushAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;

  const write = async (chunks: UIMessageChunk[]) => {
    const sequenced = sequenceDeltas(
      sequencer,
      compactChunks(chunks, { includeToolInputDeltas: options.includeToolInputDeltas }),
    );
    sequencer = sequenced.state;
    if (sequenced.unattributedChunks.length > 0) {
      // The turn's logger names the thread and the stream (X6).
      context.logger.warn(
        { count: sequenced.unattributedChunks.length },
        "chunks before the stream's start chunk were not written",
      );
    }
    if (sequenced.rows.length === 0) return;
    const now = context.now();
    const deltas: DeltaRecord[] = sequenced.rows.map((row) => ({
      threadId: stream.threadId,
      streamId: stream.streamId,
      streamSeq: stream.seq,
      deltaSeq: nextDeltaSeq++,
      messageId: row.messageId,
      messageSeq: row.seq,
      chunks: row.chunks,
      createdAt: now,
    }));
    await mutate(context, async (tx, changes) => {
      await assertStreamOwner(tx, stream.streamId, lockId);
      for (const delta of deltas) {
        await tx.appendDelta(delta);
        changes.emit(stream.threadId, { type: "delta", delta });
      }
    });
  };

  const startWrite = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (queued.length === 0) return;
    const chunks = queued;
    queued = [];
    lastFlushAt = context.now();
    writing = writing
      .then(() => (failure === undefined ? write(chunks) : undefined))
      .catch((error: unknown) => {
        failure ??= error;
        onRefused(error);
      });
  };

  return {
    push(chunk) {
      queued.push(chunk);
      if (timer !== undefined) return;
      const timing = decideFlush({
        lastFlushAt,
        now: context.now(),
        throttleMs: options.throttleMs,
      });
      if (timing.flushNow) startWrite();
      else timer = setTimeout(startWrite, timing.waitMs);
    },
    async flush() {
      startWrite();
      await writing;
      if (failure !== undefined) throw failure;
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      queued = [];
    },
  };
}

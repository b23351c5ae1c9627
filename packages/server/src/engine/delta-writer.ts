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
import { throwOwnershipLost } from "./stream-ownership.js";
import { mutate } from "./unit-of-work.js";

export interface DeltaWriter {
  /** Queues a chunk; it is written within `throttleMs`. */
  push(chunk: UIMessageChunk): void;
  /** Writes everything queued and waits for all writes. Rejects if a write was refused. */
  flush(): Promise<void>;
  /**
   * Waits for the writes under way and returns the queued chunks as the delta rows they make,
   * unwritten: the caller writes them in its own transaction, which must check the stream's
   * ownership (the finalizer, B7). Rejects if a write was refused.
   */
  drain(): Promise<DeltaRecord[]>;
  /**
   * Writes rows `drain` returned whose caller's transaction did not commit (a finalize that
   * failed), as the writer writes its own. Rejects if the write was refused.
   */
  writeDrained(deltas: readonly DeltaRecord[]): Promise<void>;
  /** Cancels the planned write; queued chunks are dropped. */
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
  /** The write to come, when one is planned: a throttle timer or the next event-loop turn. */
  let planned: { cancel(): void } | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;

  /** The delta rows the chunks make, numbered after the ones made before. */
  const toDeltas = (chunks: UIMessageChunk[]): DeltaRecord[] => {
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
    const now = context.now();
    return sequenced.rows.map((row) => ({
      threadId: stream.threadId,
      streamId: stream.streamId,
      streamSeq: stream.seq,
      deltaSeq: nextDeltaSeq++,
      messageId: row.messageId,
      messageSeq: row.seq,
      chunks: row.chunks,
      createdAt: now,
    }));
  };

  const writeRows = async (deltas: readonly DeltaRecord[]) => {
    if (deltas.length === 0) return;
    await mutate(context, async (tx, changes) => {
      for (const delta of deltas) {
        // B3: each append checks the turn still owns its stream, without locking the thread.
        if (!(await tx.appendOwnedDelta(delta, lockId))) {
          await throwOwnershipLost(tx, stream, lockId);
        }
        changes.emit(delta.threadId, { type: "delta", delta });
      }
    });
  };

  /** Queues a write after the ones under way; a refused write stops every later one. */
  const enqueueWrite = (rows: () => readonly DeltaRecord[]) => {
    writing = writing
      .then(() => (failure === undefined ? writeRows(rows()) : undefined))
      .catch((error: unknown) => {
        failure ??= error;
        onRefused(error);
      });
  };

  const cancelPlannedWrite = () => {
    planned?.cancel();
    planned = undefined;
  };

  const startWrite = () => {
    cancelPlannedWrite();
    if (queued.length === 0) return;
    const chunks = queued;
    queued = [];
    lastFlushAt = context.now();
    // Numbered when the write starts, after the earlier writes took their numbers.
    enqueueWrite(() => toDeltas(chunks));
  };

  return {
    push(chunk) {
      queued.push(chunk);
      if (planned !== undefined) return;
      const timing = decideFlush({
        lastFlushAt,
        now: context.now(),
        throttleMs: options.throttleMs,
      });
      if (timing.flushNow && options.throttleMs === 0) {
        // Every chunk as soon as it arrives: what the agent asked for.
        startWrite();
      } else if (timing.flushNow) {
        // A write due now (the stream's first, B5) waits for the next event-loop turn, not
        // longer: the chunks already on their way (the rest of a network read, an instant
        // model's whole turn) join it instead of each making a write of their own.
        const immediate = setImmediate(startWrite);
        planned = { cancel: () => clearImmediate(immediate) };
      } else {
        const timer = setTimeout(startWrite, timing.waitMs);
        planned = { cancel: () => clearTimeout(timer) };
      }
    },
    async flush() {
      startWrite();
      await writing;
      if (failure !== undefined) throw failure;
    },
    async drain() {
      cancelPlannedWrite();
      await writing;
      if (failure !== undefined) throw failure;
      const chunks = queued;
      queued = [];
      return toDeltas(chunks);
    },
    async writeDrained(deltas) {
      enqueueWrite(() => deltas);
      await writing;
      if (failure !== undefined) throw failure;
    },
    dispose() {
      cancelPlannedWrite();
      queued = [];
    },
  };
}

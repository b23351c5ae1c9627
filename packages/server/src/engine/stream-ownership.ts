// Only the turn that holds a stream's lock, while the stream is its thread's active stream, may
// write deltas, heartbeats or finalize (B3, DESIGN §4).
import { checkStreamWrite } from "@durable-agents/core";
import type { StreamRecord, ThreadRecord } from "../store/records.js";
import type { StoreTransaction } from "../store/store.js";
import { toStreamSnapshot } from "./thread-transitions.js";

/** A turn lost its stream: it was aborted, replaced, or locked by another turn. */
export class StreamOwnershipLostError extends Error {
  override readonly name = "StreamOwnershipLostError";
  constructor(
    readonly streamId: string,
    readonly reason: string,
  ) {
    super(`Stream ${streamId} can no longer be written by this turn: ${reason}`);
  }
}

export function isStreamOwnershipLostError(error: unknown): error is StreamOwnershipLostError {
  return error instanceof StreamOwnershipLostError;
}

/**
 * Locks the stream's thread and checks the turn still owns its stream, reading the stream under
 * the lock (on PostgreSQL, READ COMMITTED, an earlier read could predate a stop or takeover that
 * committed while this transaction waited for the lock). Throws StreamOwnershipLostError
 * otherwise, rolling back the write it guards. Returns both rows as they are under the lock.
 */
export async function assertStreamOwner(
  tx: StoreTransaction,
  owned: Pick<StreamRecord, "streamId" | "threadId">,
  lockId: string,
): Promise<{ thread: ThreadRecord; stream: StreamRecord }> {
  const { streamId } = owned;
  const thread = await tx.lockThread(owned.threadId);
  const stream = await tx.getStream(streamId);
  if (thread === undefined || stream === undefined) {
    throw new StreamOwnershipLostError(streamId, "deleted");
  }
  const check = checkStreamWrite({
    stream: toStreamSnapshot(stream),
    activeStreamId: thread.activeStreamId ?? undefined,
    lockId,
  });
  if (check.kind === "refuse") throw new StreamOwnershipLostError(streamId, check.reason);
  return { thread, stream };
}

/**
 * Throws the StreamOwnershipLostError that explains why an owned write (appendOwnedDelta) was
 * refused, read under the thread's lock as assertStreamOwner reads it.
 */
export async function throwOwnershipLost(
  tx: StoreTransaction,
  owned: Pick<StreamRecord, "streamId" | "threadId">,
  lockId: string,
): Promise<never> {
  await assertStreamOwner(tx, owned, lockId);
  // Not reached while ownership is lost for good, as it is: a stream never returns to streaming,
  // lock ids are never reused, and a thread's active stream never becomes an older stream again.
  throw new StreamOwnershipLostError(owned.streamId, "refused");
}

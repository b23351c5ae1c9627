// Live output (X1): the stored updates after a client's cursor, then each new one as it is
// written, on any replica. Bus events are notifications: an event that is not the next one after
// the cursor makes the watcher read the store from the cursor, so a lost event delays an update
// but never loses it (DESIGN §4). A cursor older than what the store keeps (B7 deletes ended
// streams after 5 min) gets a snapshot of the committed state first, so there is no resume window.
import { isStreamOpen } from "@durable-agents/core";
import { EventInbox } from "../events/event-inbox.js";
import type {
  DeltaRecord,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
} from "../store/records.js";
import type { DeltaPosition } from "../store/store.js";
import type { EngineContext } from "./context.js";
import { readAllMessages } from "./model-messages.js";
import { getThread, type Owner } from "./thread-operations.js";

/** Every delta of a stream is after this position within it. */
export const BEFORE_STREAM_END = Number.MAX_SAFE_INTEGER;

/** The committed state of a thread, standing for every stream up to `cursor`. */
export interface ThreadSnapshotView {
  thread: ThreadRecord;
  messages: MessageRecord[];
  toolCalls: ToolCallRecord[];
}

export type WatchUpdate =
  | { type: "snapshot"; snapshot: ThreadSnapshotView }
  | { type: "thread"; thread: ThreadRecord }
  | { type: "retry_scheduled"; thread: ThreadRecord }
  | { type: "message"; message: MessageRecord }
  | { type: "tool_call"; toolCall: ToolCallRecord }
  | { type: "delta"; delta: DeltaRecord }
  | { type: "stream_state"; stream: StreamRecord }
  | { type: "caught_up" };

export interface WatchCursor {
  stream: DeltaPosition;
  threadVersion: number;
}

const PAGE_SIZE = 500;

const isAfter = (a: DeltaPosition, b: DeltaPosition) =>
  a.streamSeq > b.streamSeq || (a.streamSeq === b.streamSeq && a.deltaSeq > b.deltaSeq);

/**
 * Whether `position` is the very next delta after `cursor`: the next one in the cursor's stream
 * or, once the cursor passed a stream's end, the first one of the stream after it. Every stream up
 * to the cursor is then sent, so nothing can be held back before it (`firstOpenSeq`).
 */
function isNextAfter(position: DeltaPosition, cursor: DeltaPosition): boolean {
  if (cursor.deltaSeq === BEFORE_STREAM_END) {
    return position.streamSeq === cursor.streamSeq + 1 && position.deltaSeq === 0;
  }
  return position.streamSeq === cursor.streamSeq && position.deltaSeq === cursor.deltaSeq + 1;
}

/**
 * Whether deltas after `cursor` were deleted (B7): a stream the cursor has not finished reading,
 * or any later one up to the thread's seq, is no longer stored.
 */
async function deltasLost(
  context: EngineContext,
  thread: ThreadRecord,
  cursor: DeltaPosition,
): Promise<boolean> {
  const stored = new Set(
    (await context.store.listStreams(thread.threadId)).map((stream) => stream.seq),
  );
  const first = cursor.deltaSeq === BEFORE_STREAM_END ? cursor.streamSeq + 1 : cursor.streamSeq;
  for (let seq = Math.max(first, 1); seq <= thread.seq; seq += 1) {
    if (!stored.has(seq)) return true;
  }
  return false;
}

/**
 * The position a snapshot stands for: every stream before the first still open one has ended and
 * its content is in the committed messages and tool calls.
 */
async function snapshotPosition(
  context: EngineContext,
  thread: ThreadRecord,
): Promise<DeltaPosition> {
  const open = await context.store.listStreams(thread.threadId, ["pending", "streaming"]);
  const firstOpen = open.reduce(
    (lowest, stream) => Math.min(lowest, stream.seq),
    Number.POSITIVE_INFINITY,
  );
  const streamSeq = Number.isFinite(firstOpen) ? firstOpen - 1 : thread.seq;
  return { streamSeq, deltaSeq: BEFORE_STREAM_END };
}

async function readSnapshot(
  context: EngineContext,
  thread: ThreadRecord,
): Promise<ThreadSnapshotView> {
  const toolCalls: ToolCallRecord[] = [];
  let after: { createdAt: number; toolCallId: string } | undefined;
  for (;;) {
    const page = await context.store.listToolCalls(thread.threadId, { after, limit: PAGE_SIZE });
    toolCalls.push(...page);
    const last = page.at(-1);
    if (page.length < PAGE_SIZE || last === undefined) break;
    after = { createdAt: last.createdAt, toolCallId: last.toolCallId };
  }
  return { thread, messages: await readAllMessages(context.store, thread.threadId), toolCalls };
}

/** Follows a thread's deltas from a cursor: stored ones, then live ones with gap repair. */
class DeltaFollower {
  /**
   * Whether the last backfill stopped at an open stream with deltas of later streams stored
   * after it (`firstOpenSeq`): they were not sent, so an end must read them from the store.
   */
  private heldBack = false;
  /**
   * How many deltas each stream had when its end was heard of live, by seq: once the cursor holds
   * such a stream's last delta, the next stream's first delta is the next one without a store read
   * (a tool outcome's stream, sent after the turn's stream it waited for).
   */
  private readonly endedDeltaCounts = new Map<number, number>();

  constructor(
    private readonly context: EngineContext,
    private readonly threadId: string,
    public cursor: DeltaPosition,
  ) {}

  /**
   * The seq of the first stream from the cursor on that is still open. A tool's outcome stream
   * takes the thread's next seq while its turn's stream may still be writing (B6, B15); sending
   * the later stream's delta first would move the cursor past the turn's remaining deltas, and
   * every watcher would miss them (X1). So a later stream's deltas wait until the earlier one ends.
   */
  private async firstOpenSeq(): Promise<number | undefined> {
    const from =
      this.cursor.deltaSeq === BEFORE_STREAM_END
        ? this.cursor.streamSeq + 1
        : this.cursor.streamSeq;
    const open = await this.context.store.listStreams(this.threadId, ["pending", "streaming"]);
    const seqs = open.map((stream) => stream.seq).filter((seq) => seq >= from);
    return seqs.length === 0 ? undefined : Math.min(...seqs);
  }

  /**
   * The stored deltas after the cursor, advancing it, up to the end of the first stream still
   * open; what follows it is sent once it ends (see `firstOpenSeq`).
   */
  async *backfill(): AsyncGenerator<DeltaRecord> {
    const openSeq = await this.firstOpenSeq();
    for (;;) {
      const page = await this.context.store.listDeltas(this.threadId, {
        after: this.cursor,
        limit: PAGE_SIZE,
      });
      for (const delta of page) {
        if (openSeq !== undefined && delta.streamSeq > openSeq) {
          this.heldBack = true;
          return;
        }
        this.cursor = { streamSeq: delta.streamSeq, deltaSeq: delta.deltaSeq };
        yield delta;
      }
      if (page.length < PAGE_SIZE) {
        this.heldBack = false;
        return;
      }
    }
  }

  /**
   * The stored history after the cursor: each stored delta, and after the deltas of a stream that
   * ended, its end (finished, or aborted and so superseded by a later stream), so a client that
   * only reads deltas knows a partial answer was abandoned.
   */
  async *history(): AsyncGenerator<
    { type: "delta"; delta: DeltaRecord } | { type: "stream_state"; stream: StreamRecord }
  > {
    const streams = new Map(
      (await this.context.store.listStreams(this.threadId)).map((stream) => [stream.seq, stream]),
    );
    const ended = (seq: number) => {
      const stream = streams.get(seq);
      return stream !== undefined && !isStreamOpen(stream.status) ? stream : undefined;
    };
    // A stream the client was in the middle of may have ended while it was away.
    let previousSeq: number | undefined =
      this.cursor.deltaSeq === BEFORE_STREAM_END ? undefined : this.cursor.streamSeq;
    for await (const delta of this.backfill()) {
      const previousEnded = previousSeq === undefined ? undefined : ended(previousSeq);
      if (previousSeq !== delta.streamSeq && previousEnded !== undefined) {
        // backfill already moved the cursor to this delta: the end comes before it, with a
        // cursor that does not skip it.
        yield { type: "stream_state", stream: this.passEnd(previousEnded) };
        this.cursor = { streamSeq: delta.streamSeq, deltaSeq: delta.deltaSeq };
      }
      previousSeq = delta.streamSeq;
      yield { type: "delta", delta };
    }
    const lastEnded = previousSeq === undefined ? undefined : ended(previousSeq);
    if (lastEnded !== undefined) yield { type: "stream_state", stream: this.passEnd(lastEnded) };
  }

  /**
   * Moves the cursor past the end of a stream whose deltas were all sent, so a client resuming
   * from it is not told of that end again (X1: every update exactly once).
   */
  passEnd(stream: StreamRecord): StreamRecord {
    this.cursor = { streamSeq: stream.seq, deltaSeq: BEFORE_STREAM_END };
    return stream;
  }

  /**
   * A live stream end: the cursor moves past it only when it already holds the stream's last
   * delta; otherwise a delta whose notification is late would be skipped.
   */
  receiveEnd(stream: StreamRecord): StreamRecord {
    // Streams the cursor has left behind are of no more use: pruned here, where entries are added.
    for (const seq of this.endedDeltaCounts.keys()) {
      if (seq < this.cursor.streamSeq) this.endedDeltaCounts.delete(seq);
    }
    if (!isStreamOpen(stream.status) && stream.seq >= this.cursor.streamSeq) {
      this.endedDeltaCounts.set(stream.seq, stream.deltaCount);
    }
    const hasAllDeltas =
      stream.deltaCount > 0 &&
      this.cursor.streamSeq === stream.seq &&
      this.cursor.deltaSeq === stream.deltaCount - 1;
    return !isStreamOpen(stream.status) && hasAllDeltas ? this.passEnd(stream) : stream;
  }

  /**
   * After a live stream end: the deltas of later streams that waited for it (`backfill`), and
   * its last delta if its event was lost. Neither can be missing when the cursor passed the end
   * (it held every delta of the stream) and nothing was held back since the last backfill read
   * all that was stored: a later delta is then still to be heard of, and its event, or the next
   * one if it is lost, brings it (X1 without a store read per stream).
   */
  async *afterEnd(stream: StreamRecord): AsyncGenerator<DeltaRecord> {
    if (isStreamOpen(stream.status)) return;
    const passedEnd =
      this.cursor.streamSeq === stream.seq && this.cursor.deltaSeq === BEFORE_STREAM_END;
    if (passedEnd && !this.heldBack) return;
    yield* this.backfill();
  }

  /** A live delta: sent as is when it is the next one, else the store fills the gap. */
  async *receive(delta: DeltaRecord): AsyncGenerator<DeltaRecord> {
    const position = { streamSeq: delta.streamSeq, deltaSeq: delta.deltaSeq };
    if (!isAfter(position, this.cursor)) return;
    if (isNextAfter(position, this.cursor) || this.followsEndedStream(position)) {
      this.cursor = position;
      yield delta;
      return;
    }
    yield* this.backfill();
  }

  /** Whether `position` opens the stream after the cursor's, which ended at the cursor. */
  private followsEndedStream(position: DeltaPosition): boolean {
    const { streamSeq, deltaSeq } = this.cursor;
    return (
      position.deltaSeq === 0 &&
      position.streamSeq === streamSeq + 1 &&
      deltaSeq !== BEFORE_STREAM_END &&
      this.endedDeltaCounts.get(streamSeq) === deltaSeq + 1
    );
  }
}

/** StreamUpdates (X1): deltas and stream states; a snapshot replaces deltas that were deleted. */
export async function* streamUpdates(
  context: EngineContext,
  request: {
    threadId: string;
    owner: Owner;
    fromSeq: number;
    after: DeltaPosition | undefined;
    historyOnly: boolean;
    signal: AbortSignal;
  },
): AsyncGenerator<{ update: WatchUpdate; cursor: DeltaPosition }> {
  const inbox = new EventInbox(context.bus, request.threadId);
  try {
    const thread = await getThread(context, request.threadId, request.owner);
    const requested = request.after ?? {
      streamSeq: request.fromSeq - 1,
      deltaSeq: BEFORE_STREAM_END,
    };
    const follower = new DeltaFollower(context, thread.threadId, requested);
    if (requested.streamSeq >= 0 && (await deltasLost(context, thread, requested))) {
      const snapshot = await readSnapshot(context, thread);
      follower.cursor = await snapshotPosition(context, thread);
      yield { update: { type: "snapshot", snapshot }, cursor: follower.cursor };
    }
    for await (const update of follower.history()) yield { update, cursor: follower.cursor };
    yield { update: { type: "caught_up" }, cursor: follower.cursor };
    if (request.historyOnly) return;
    for (;;) {
      const event = await inbox.next(request.signal);
      if (event === undefined || event.type === "deleted") return;
      if (event.type === "delta") {
        for await (const delta of follower.receive(event.delta)) {
          yield { update: { type: "delta", delta }, cursor: follower.cursor };
        }
      } else if (event.type === "stream_state") {
        const stream = follower.receiveEnd(event.stream);
        yield { update: { type: "stream_state", stream }, cursor: follower.cursor };
        for await (const delta of follower.afterEnd(stream)) {
          yield { update: { type: "delta", delta }, cursor: follower.cursor };
        }
      }
    }
  } finally {
    inbox.unsubscribe();
  }
}

/**
 * WatchThread (X1): everything a UI needs. Without a cursor, or when the thread changed since the
 * cursor, it starts with a snapshot; then deltas after the cursor, then live events.
 */
export async function* watchThread(
  context: EngineContext,
  request: {
    threadId: string;
    owner: Owner;
    after: WatchCursor | undefined;
    historyOnly: boolean;
    signal: AbortSignal;
  },
): AsyncGenerator<{ update: WatchUpdate; cursor: WatchCursor }> {
  const inbox = new EventInbox(context.bus, request.threadId);
  try {
    const thread = await getThread(context, request.threadId, request.owner);
    let threadVersion = request.after?.threadVersion ?? 0;
    let lastRetryAt = thread.retryState?.nextRetryAt;
    const follower = new DeltaFollower(
      context,
      thread.threadId,
      request.after?.stream ?? (await snapshotPosition(context, thread)),
    );
    const cursor = (): WatchCursor => ({ stream: follower.cursor, threadVersion });
    const lost =
      request.after !== undefined && (await deltasLost(context, thread, request.after.stream));
    if (request.after === undefined || lost || thread.version > request.after.threadVersion) {
      if (lost) follower.cursor = await snapshotPosition(context, thread);
      threadVersion = thread.version;
      yield {
        update: { type: "snapshot", snapshot: await readSnapshot(context, thread) },
        cursor: cursor(),
      };
    }
    for await (const update of follower.history()) yield { update, cursor: cursor() };
    yield { update: { type: "caught_up" }, cursor: cursor() };
    if (request.historyOnly) return;
    for (;;) {
      const event = await inbox.next(request.signal);
      if (event === undefined || event.type === "deleted") return;
      switch (event.type) {
        case "thread": {
          if (event.thread.version <= threadVersion) break;
          threadVersion = event.thread.version;
          yield { update: { type: "thread", thread: event.thread }, cursor: cursor() };
          const retryAt = event.thread.retryState?.nextRetryAt;
          if (retryAt !== undefined && retryAt !== lastRetryAt) {
            yield { update: { type: "retry_scheduled", thread: event.thread }, cursor: cursor() };
          }
          lastRetryAt = retryAt;
          break;
        }
        case "message":
          yield { update: { type: "message", message: event.message }, cursor: cursor() };
          break;
        case "tool_call":
          yield { update: { type: "tool_call", toolCall: event.toolCall }, cursor: cursor() };
          break;
        case "stream_state": {
          const stream = follower.receiveEnd(event.stream);
          yield { update: { type: "stream_state", stream }, cursor: cursor() };
          for await (const delta of follower.afterEnd(stream)) {
            yield { update: { type: "delta", delta }, cursor: cursor() };
          }
          break;
        }
        case "delta":
          for await (const delta of follower.receive(event.delta)) {
            yield { update: { type: "delta", delta }, cursor: cursor() };
          }
          break;
      }
    }
  } finally {
    inbox.unsubscribe();
  }
}

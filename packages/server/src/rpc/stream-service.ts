// StreamService handlers (X1): the engine's watch updates encoded as protobuf, each with the
// cursor to resume after it. The call ends when the client cancels, its deadline passes or the
// server shuts down (the handler context's signal).
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CaughtUpSchema,
  RetryScheduledSchema,
  type StreamCursor,
  StreamCursorSchema,
  type StreamService,
  type StreamUpdatesResponse,
  StreamUpdatesResponseSchema,
  ThreadSnapshotSchema,
  WatchCursorSchema,
  type WatchThreadResponse,
  WatchThreadResponseSchema,
} from "@durable-agents/core/proto";
import type { Engine } from "../engine/engine.js";
import type { Owner } from "../engine/thread-operations.js";
import {
  streamUpdates,
  type ThreadSnapshotView,
  type WatchUpdate,
  watchThread,
} from "../engine/watch.js";
import type { DeltaPosition } from "../store/store.js";
import type { CallOwner } from "./caller.js";
import {
  deltaToProto,
  messageToProto,
  retryStateToProto,
  streamStateToProto,
  threadToProto,
  toolCallToProto,
} from "./convert/records.js";
import { requireId, requireSequence } from "./request-validation.js";
import type { StreamLimits } from "./stream-limits.js";

const cursorToProto = (cursor: DeltaPosition): StreamCursor =>
  create(StreamCursorSchema, {
    streamSeq: BigInt(cursor.streamSeq),
    deltaSeq: BigInt(cursor.deltaSeq),
  });

/** A client's cursor; its numbers are checked, since the server sends cursors back (X5). */
const cursorFromProto = (
  cursor: StreamCursor | undefined,
  field: string,
): DeltaPosition | undefined =>
  cursor === undefined
    ? undefined
    : {
        streamSeq: requireSequence(cursor.streamSeq, `${field}.stream_seq`),
        deltaSeq: requireSequence(cursor.deltaSeq, `${field}.delta_seq`),
      };

function snapshotToProto(snapshot: ThreadSnapshotView) {
  return create(ThreadSnapshotSchema, {
    thread: threadToProto(snapshot.thread),
    messages: snapshot.messages.map(messageToProto),
    toolCalls: snapshot.toolCalls.map(toolCallToProto),
  });
}

function streamUpdateToProto(
  update: WatchUpdate,
  cursor: DeltaPosition,
): StreamUpdatesResponse | undefined {
  const response = (value: StreamUpdatesResponse["update"]) =>
    create(StreamUpdatesResponseSchema, { update: value, cursor: cursorToProto(cursor) });
  switch (update.type) {
    case "delta":
      return response({ case: "delta", value: deltaToProto(update.delta) });
    case "stream_state":
      return response({ case: "streamState", value: streamStateToProto(update.stream) });
    case "snapshot":
      return response({ case: "snapshot", value: snapshotToProto(update.snapshot) });
    case "caught_up":
      return response({ case: "caughtUp", value: create(CaughtUpSchema, {}) });
    default:
      return undefined;
  }
}

function watchUpdateToProto(update: WatchUpdate): WatchThreadResponse["event"] {
  switch (update.type) {
    case "snapshot":
      return { case: "snapshot", value: snapshotToProto(update.snapshot) };
    case "thread":
      return { case: "thread", value: threadToProto(update.thread) };
    case "retry_scheduled":
      return {
        case: "retryScheduled",
        value: create(RetryScheduledSchema, {
          retryState:
            update.thread.retryState === null
              ? undefined
              : retryStateToProto(update.thread.retryState),
        }),
      };
    case "message":
      return { case: "message", value: messageToProto(update.message) };
    case "tool_call":
      return { case: "toolCall", value: toolCallToProto(update.toolCall) };
    case "delta":
      return { case: "delta", value: deltaToProto(update.delta) };
    case "stream_state":
      return { case: "streamState", value: streamStateToProto(update.stream) };
    case "caught_up":
      return { case: "caughtUp", value: create(CaughtUpSchema, {}) };
  }
}

export function createStreamService(
  engine: Engine,
  caller: CallOwner,
  streamLimits: StreamLimits,
): ServiceImpl<typeof StreamService> {
  /**
   * The call's place in the open-stream counts (X5), taken only once the caller may read the
   * thread: a thread at its watcher limit must not tell another principal it exists (DESIGN §3).
   */
  const openSlot = async (threadId: string, owner: Owner) => {
    await engine.getThread(threadId, owner);
    return streamLimits.open(owner, threadId);
  };
  return {
    async *streamUpdates(request, handlerContext) {
      const threadId = requireId(request.threadId, "thread_id");
      const fromSeq = requireSequence(request.fromSeq, "from_seq");
      const after = cursorFromProto(request.after, "after");
      const owner = caller(handlerContext);
      const slot = await openSlot(threadId, owner);
      // X6: open watchers are a gauge, counted until the call ends however it ends.
      const closeWatcher = engine.context.metrics.watcherOpened("StreamUpdates");
      try {
        const updates = streamUpdates(engine.context, {
          threadId,
          owner,
          fromSeq,
          after,
          historyOnly: request.historyOnly,
          signal: handlerContext.signal,
        });
        for await (const { update, cursor } of updates) {
          const response = streamUpdateToProto(update, cursor);
          if (response !== undefined) yield response;
        }
      } finally {
        closeWatcher();
        slot.release();
      }
    },

    async *watchThread(request, handlerContext) {
      const threadId = requireId(request.threadId, "thread_id");
      const after =
        request.after === undefined
          ? undefined
          : {
              stream: cursorFromProto(request.after.stream, "after.stream") ?? {
                streamSeq: 0,
                deltaSeq: 0,
              },
              threadVersion: requireSequence(request.after.threadVersion, "after.thread_version"),
            };
      const owner = caller(handlerContext);
      const slot = await openSlot(threadId, owner);
      const closeWatcher = engine.context.metrics.watcherOpened("WatchThread");
      try {
        const updates = watchThread(engine.context, {
          threadId,
          owner,
          after,
          historyOnly: request.historyOnly,
          signal: handlerContext.signal,
        });
        for await (const { update, cursor } of updates) {
          yield create(WatchThreadResponseSchema, {
            event: watchUpdateToProto(update),
            cursor: create(WatchCursorSchema, {
              stream: cursorToProto(cursor.stream),
              threadVersion: BigInt(cursor.threadVersion),
            }),
          });
        }
      } finally {
        closeWatcher();
        slot.release();
      }
    },
  };
}

// The EventBus interface (DESIGN §2, §4): how watchers on any replica hear about a thread's
// changes. Events are published after the transaction that made the change commits, and carry
// cursors so a watcher that misses one notices the gap and backfills from the store: a lost
// notification delays an update, never loses it.
import type {
  DeltaRecord,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
} from "../store/records.js";

export type ThreadEvent =
  /** The thread changed; `thread.version` orders these. */
  | { type: "thread"; thread: ThreadRecord }
  | { type: "message"; message: MessageRecord }
  | { type: "delta"; delta: DeltaRecord }
  | { type: "stream_state"; stream: StreamRecord }
  | { type: "tool_call"; toolCall: ToolCallRecord }
  /** The thread was deleted (B21); watchers end. */
  | { type: "deleted"; threadId: string };

export type ThreadEventListener = (event: ThreadEvent) => void;

export interface EventBus {
  /** Publishes events of one thread, in order. Never throws: a lost event is backfilled. */
  publish(threadId: string, events: readonly ThreadEvent[]): void;
  /** Listens to one thread's events until the returned function is called. */
  subscribe(threadId: string, listener: ThreadEventListener): () => void;
  close(): Promise<void>;
}

// The merge behind watchThread: WatchThread events in, a ThreadView out. Committed messages are
// the base; each stream's deltas are applied on top of them with the AI SDK (applyChunks), in
// stream order, so a message a turn continues (a tool loop's next step, a tool outcome) shows the
// committed parts followed by the streamed ones. A stream's part of a message is dropped once the
// message's committed_seq covers the stream (B7): the commit holds it now.
//
// Exactly-once (X1) is the server's promise per cursor; this state keeps it across reconnects
// anyway: each stream remembers the next delta it expects, ignores a delta it already has (a
// snapshot may restart a stream's history) and stops showing a stream whose beginning or middle it
// missed (a watch started from a cursor in the middle of a stream) until its commit arrives.
import { compactChunks } from "@durable-agents/core";
import type { UIMessage, UIMessageChunk } from "ai";
import type {
  Connection,
  Delta,
  StreamStatus,
  Thread,
  ThreadView,
  ToolCall,
  WatchCursor,
  WatchEvent,
} from "../types.js";
import { applyChunks } from "./streamed-message.js";

/** What one stream wrote for one message so far. */
interface StreamedPart {
  readonly messageId: string;
  /** The chunks, compacted (adjacent text and reasoning deltas joined) to keep rebuilds short. */
  chunks: UIMessageChunk[];
  /** Grows with every delta, so a rebuild is needed exactly when it changed. */
  revision: number;
}

interface StreamEntry {
  readonly seq: number;
  status: StreamStatus | undefined;
  /** The delta_seq expected next. */
  nextDeltaSeq: number;
  /** A delta of this stream was never received: its output shows only once committed. */
  hasGap: boolean;
  /** By message id, in the order the stream started them. */
  readonly parts: Map<string, StreamedPart>;
}

/** A built message for one (stream, message), and what it was built from. */
interface BuiltPart {
  base: UIMessage | undefined;
  revision: number;
  message: UIMessage;
}

const isEnded = (status: StreamStatus | undefined) => status === "finished" || status === "aborted";

export class ThreadViewState {
  thread: Thread | undefined;
  cursor: WatchCursor | undefined;
  caughtUp = false;
  private committed: UIMessage[] = [];
  private readonly committedSeqs = new Map<string, number>();
  private toolCalls = new Map<string, ToolCall>();
  private readonly streams = new Map<number, StreamEntry>();
  private readonly built = new Map<string, BuiltPart>();

  /** Applies one event; `view()` then shows its effect. */
  apply(event: WatchEvent): void {
    switch (event.type) {
      case "snapshot": {
        const { snapshot } = event;
        this.thread = snapshot.thread;
        this.committed = [...snapshot.messages];
        this.committedSeqs.clear();
        for (const details of snapshot.details) {
          this.committedSeqs.set(details.messageId, details.committedSeq);
        }
        this.toolCalls = new Map(snapshot.toolCalls.map((call) => [call.toolCallId, call]));
        break;
      }
      case "thread":
        this.thread = event.thread;
        break;
      case "message":
        this.commit(event.message, event.details.committedSeq);
        break;
      case "tool_call":
        this.toolCalls.set(event.toolCall.toolCallId, event.toolCall);
        break;
      case "stream_state":
        this.stream(event.streamState.streamSeq).status = event.streamState.status;
        break;
      case "delta":
        this.addDelta(event.delta);
        break;
      case "caught_up":
        this.caughtUp = true;
        break;
      case "retry_scheduled":
        // The thread event before it carries the retry state.
        break;
    }
    this.cursor = event.cursor;
    this.forgetSettledStreams();
  }

  /** The view after the events applied so far; undefined before the first snapshot. */
  async view(connection: Connection): Promise<ThreadView | undefined> {
    const { thread, cursor } = this;
    if (thread === undefined || cursor === undefined) return undefined;
    const { messages, streamingMessageIds } = await this.buildMessages();
    return {
      thread,
      messages,
      toolCalls: [...this.toolCalls.values()],
      status: thread.status,
      isRunning: thread.status === "streaming" || thread.status === "awaiting_tool_results",
      streamingMessageIds,
      cursor,
      caughtUp: this.caughtUp,
      connection,
    };
  }

  private commit(message: UIMessage, committedSeq: number): void {
    const index = this.committed.findIndex((existing) => existing.id === message.id);
    if (index === -1) this.committed.push(message);
    else this.committed[index] = message;
    this.committedSeqs.set(message.id, committedSeq);
  }

  private stream(seq: number): StreamEntry {
    let entry = this.streams.get(seq);
    if (entry === undefined) {
      entry = { seq, status: undefined, nextDeltaSeq: 0, hasGap: false, parts: new Map() };
      this.streams.set(seq, entry);
    }
    return entry;
  }

  private addDelta(delta: Delta): void {
    const entry = this.stream(delta.streamSeq);
    // Already applied: a snapshot that restarts a stream's history sends its deltas again.
    if (delta.deltaSeq < entry.nextDeltaSeq) return;
    if (delta.deltaSeq > entry.nextDeltaSeq) entry.hasGap = true;
    entry.nextDeltaSeq = delta.deltaSeq + 1;
    let part = entry.parts.get(delta.messageId);
    if (part === undefined) {
      part = { messageId: delta.messageId, chunks: [], revision: 0 };
      entry.parts.set(delta.messageId, part);
    }
    // Only the last chunk can join the new ones; the server already compacted each delta (B5).
    const last = part.chunks.pop();
    part.chunks.push(
      ...compactChunks(last === undefined ? delta.chunks : [last, ...delta.chunks], {
        includeToolInputDeltas: true,
      }),
    );
    part.revision += 1;
  }

  private isCovered(messageId: string, streamSeq: number): boolean {
    return (this.committedSeqs.get(messageId) ?? -1) >= streamSeq;
  }

  /**
   * An aborted stream's output is kept while it is the thread's latest (a stopped turn's partial
   * answer is about to be committed, a failed turn's is all there is), and dropped once a later
   * stream exists: a retry or a resumed turn replaces it.
   */
  private isSuperseded(entry: StreamEntry): boolean {
    return entry.status === "aborted" && (this.thread?.seq ?? 0) > entry.seq;
  }

  /**
   * Ended streams whose output is all committed, or superseded, are no longer needed. One without
   * output yet is kept: its deltas may still come after its end (the server sends a tool outcome
   * stream's delta once the turn before it has ended).
   */
  private forgetSettledStreams(): void {
    for (const entry of this.streams.values()) {
      if (!isEnded(entry.status)) continue;
      const settled =
        this.isSuperseded(entry) ||
        (entry.parts.size > 0 &&
          [...entry.parts.keys()].every((messageId) => this.isCovered(messageId, entry.seq)));
      if (settled) this.streams.delete(entry.seq);
    }
  }

  private async buildMessages(): Promise<{ messages: UIMessage[]; streamingMessageIds: string[] }> {
    const current = new Map(this.committed.map((message) => [message.id, message]));
    const streamedOnly: string[] = [];
    const streaming = new Set<string>();
    const used = new Set<string>();
    const entries = [...this.streams.values()].sort((a, b) => a.seq - b.seq);
    for (const entry of entries) {
      if (entry.hasGap || this.isSuperseded(entry)) continue;
      for (const part of entry.parts.values()) {
        if (this.isCovered(part.messageId, entry.seq)) continue;
        const key = `${entry.seq}:${part.messageId}`;
        const base = current.get(part.messageId);
        let built = this.built.get(key);
        if (built === undefined || built.base !== base || built.revision !== part.revision) {
          built = {
            base,
            revision: part.revision,
            message: await applyChunks(base, part.messageId, part.chunks),
          };
          this.built.set(key, built);
        }
        used.add(key);
        if (!current.has(part.messageId)) streamedOnly.push(part.messageId);
        current.set(part.messageId, built.message);
        streaming.add(part.messageId);
      }
    }
    for (const key of this.built.keys()) {
      if (!used.has(key)) this.built.delete(key);
    }
    const messages = [
      ...this.committed.map((message) => current.get(message.id) ?? message),
      ...streamedOnly.map((messageId) => current.get(messageId)).filter((m) => m !== undefined),
    ];
    return { messages, streamingMessageIds: [...streaming] };
  }
}

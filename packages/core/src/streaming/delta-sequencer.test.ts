import type { UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import {
  type DeltaRow,
  type DeltaSequencerState,
  initialDeltaSequencerState,
  sequenceDeltas,
} from "./delta-sequencer.js";

const text = (delta: string): UIMessageChunk => ({ type: "text-delta", id: "t", delta });
const start = (messageId?: string): UIMessageChunk =>
  messageId === undefined ? { type: "start" } : { type: "start", messageId };

/** Feeds batches one after the other, as one stream would, and collects every row. */
function runBatches(batches: UIMessageChunk[][]): {
  rows: DeltaRow[];
  unattributed: UIMessageChunk[];
  state: DeltaSequencerState;
} {
  let state = initialDeltaSequencerState;
  const rows: DeltaRow[] = [];
  const unattributed: UIMessageChunk[] = [];
  for (const batch of batches) {
    const result = sequenceDeltas(state, batch);
    state = result.state;
    rows.push(...result.rows);
    unattributed.push(...result.unattributedChunks);
  }
  return { rows, unattributed, state };
}

describe("sequenceDeltas (B5)", () => {
  it.each<{
    name: string;
    batches: UIMessageChunk[][];
    rows: DeltaRow[];
    unattributed?: UIMessageChunk[];
  }>([
    {
      name: "the first batch of a message is row 0",
      batches: [[start("m1"), text("a")]],
      rows: [{ messageId: "m1", seq: 0, chunks: [start("m1"), text("a")] }],
    },
    {
      name: "later batches of the same message count up",
      batches: [[start("m1")], [text("a")], [text("b")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1")] },
        { messageId: "m1", seq: 1, chunks: [text("a")] },
        { messageId: "m1", seq: 2, chunks: [text("b")] },
      ],
    },
    {
      name: "the seq restarts at 0 when a later batch starts a new message",
      batches: [[start("m1"), text("a")], [text("b")], [start("m2"), text("c")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1"), text("a")] },
        { messageId: "m1", seq: 1, chunks: [text("b")] },
        { messageId: "m2", seq: 0, chunks: [start("m2"), text("c")] },
      ],
    },
    {
      name: "a batch spanning a message change is split into one row per message",
      batches: [[start("m1")], [text("a"), start("m2"), text("b")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1")] },
        { messageId: "m1", seq: 1, chunks: [text("a")] },
        { messageId: "m2", seq: 0, chunks: [start("m2"), text("b")] },
      ],
    },
    {
      name: "a batch ending with a start yields a row for each message",
      batches: [[start("m1"), text("a"), start("m2")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1"), text("a")] },
        { messageId: "m2", seq: 0, chunks: [start("m2")] },
      ],
    },
    {
      name: "a start repeating the current message id continues its seq",
      batches: [[start("m1")], [start("m1"), text("a")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1")] },
        { messageId: "m1", seq: 1, chunks: [start("m1"), text("a")] },
      ],
    },
    {
      name: "a start without a message id continues the current message",
      batches: [[start("m1")], [start(), text("a")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1")] },
        { messageId: "m1", seq: 1, chunks: [start(), text("a")] },
      ],
    },
    {
      name: "returning to an earlier message continues its own seq, so no row key repeats",
      batches: [[start("m1")], [start("m2")], [start("m1"), text("a")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1")] },
        { messageId: "m2", seq: 0, chunks: [start("m2")] },
        { messageId: "m1", seq: 1, chunks: [start("m1"), text("a")] },
      ],
    },
    {
      name: "chunks before any start are unattributed and not written",
      batches: [[text("early"), start("m1"), text("a")]],
      rows: [{ messageId: "m1", seq: 0, chunks: [start("m1"), text("a")] }],
      unattributed: [text("early")],
    },
    {
      name: "a start without a message id before any message is unattributed",
      batches: [[start(), text("a")], [start("m1")]],
      rows: [{ messageId: "m1", seq: 0, chunks: [start("m1")] }],
      unattributed: [start(), text("a")],
    },
    {
      name: "empty batches yield no row and do not use a seq",
      batches: [[start("m1")], [], [text("a")]],
      rows: [
        { messageId: "m1", seq: 0, chunks: [start("m1")] },
        { messageId: "m1", seq: 1, chunks: [text("a")] },
      ],
    },
  ])("$name", ({ batches, rows, unattributed = [] }) => {
    const result = runBatches(batches);
    expect(result.rows).toStrictEqual(rows);
    expect(result.unattributed).toStrictEqual(unattributed);
  });

  it("remembers the current message across batches", () => {
    const { state } = runBatches([[start("m1")], [start("m2"), text("a")]]);
    expect(state.messageId).toBe("m2");
    expect([...state.nextSeqByMessageId]).toStrictEqual([
      ["m1", 1],
      ["m2", 1],
    ]);
  });

  it("never changes the state it was given", () => {
    const first = sequenceDeltas(initialDeltaSequencerState, [start("m1")]);
    sequenceDeltas(first.state, [text("a"), start("m2")]);
    expect(first.state.messageId).toBe("m1");
    expect([...first.state.nextSeqByMessageId]).toStrictEqual([["m1", 1]]);
    expect(initialDeltaSequencerState.messageId).toBeUndefined();
    expect(initialDeltaSequencerState.nextSeqByMessageId.size).toBe(0);
  });
});

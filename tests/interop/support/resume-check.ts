// X1's promise checked the same way for every client: a StreamUpdates call read part of a long
// answer and was cancelled; a second call resumed with the cursor of the last update read.
// Together they must hold every delta of the answer's stream exactly once, in order, and their
// text must be the committed message's.
import { expect } from "vitest";
import { LONG_ANSWER } from "./interop-server.js";

/** One delta as a client read it: its position and the text of its text-delta chunks. */
export interface ReadDelta {
  streamSeq: number;
  deltaSeq: number;
  text: string;
}

export interface ResumeReport {
  /** The seq of the stream that wrote the answer. */
  streamSeq: number;
  /** The deltas the first call read before the client cancelled it. */
  firstCall: ReadDelta[];
  /** The deltas the resumed call read, up to the stream's end. */
  resumedCall: ReadDelta[];
  /** The text of the assistant message the turn committed. */
  committedText: string;
}

export function expectExactResume(report: ResumeReport): void {
  const { streamSeq, firstCall, resumedCall, committedText } = report;
  // The cut fell inside the answer: text came before it and after it.
  expect(firstCall.some((delta) => delta.text !== "")).toBe(true);
  expect(resumedCall.some((delta) => delta.text !== "")).toBe(true);
  const all = [...firstCall, ...resumedCall];
  // No duplicate and no gap: positions 0, 1, 2… of one stream.
  expect(all.map((delta) => `${delta.streamSeq}:${delta.deltaSeq}`)).toEqual(
    all.map((_delta, index) => `${streamSeq}:${index}`),
  );
  expect(committedText).toBe(LONG_ANSWER);
  expect(all.map((delta) => delta.text).join("")).toBe(committedText);
}

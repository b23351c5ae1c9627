import { describe, expect, it } from "vitest";
import { checkFinalize, type FinalizeCheck, type FinalizeRequest } from "./finalize-check.js";
import type { ThreadSnapshot } from "./thread-snapshot.js";

type FinalizeThread = Pick<ThreadSnapshot, "activeStream" | "continueFlag">;

const active = { id: "s5", status: "streaming", seq: 5, lockId: "turn", heartbeatAt: 0 } as const;

describe("checkFinalize (B8)", () => {
  it.each<{
    name: string;
    thread: FinalizeThread;
    request: FinalizeRequest;
    expected: FinalizeCheck;
  }>([
    {
      name: "B8 still the active stream with the expected seq: finalize",
      thread: { activeStream: active, continueFlag: false },
      request: { streamId: "s5", expectedSeq: 5 },
      expected: { kind: "finalize", continueAfter: false },
    },
    {
      name: "B8 continue flag set during the turn: finalize, then continue",
      thread: { activeStream: active, continueFlag: true },
      request: { streamId: "s5", expectedSeq: 5 },
      expected: { kind: "finalize", continueAfter: true },
    },
    {
      name: "B8 another stream is active: stale finalizer",
      thread: { activeStream: { ...active, id: "s6", seq: 6 }, continueFlag: true },
      request: { streamId: "s5", expectedSeq: 5 },
      expected: { kind: "stale", reason: "not_active_stream" },
    },
    {
      name: "B8 no active stream any more: stale finalizer",
      thread: { activeStream: undefined, continueFlag: false },
      request: { streamId: "s5", expectedSeq: 5 },
      expected: { kind: "stale", reason: "not_active_stream" },
    },
    {
      name: "B8 same stream id but another seq: stale finalizer",
      thread: { activeStream: active, continueFlag: false },
      request: { streamId: "s5", expectedSeq: 4 },
      expected: { kind: "stale", reason: "seq_mismatch" },
    },
  ])("$name", ({ thread, request, expected }) => {
    expect(checkFinalize(thread, request)).toStrictEqual(expected);
  });
});

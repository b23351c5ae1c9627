// A runner's outcome is the server's input too (X5): an oversized or unreadable result fails its
// tool call with a clear error instead of being dropped (which left the call pending until its
// deadline) or taking the process down.
import { create, toBinary } from "@bufbuild/protobuf";
import { ToolOutcomeSchema } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { decodeToolOutcome, encodeToolOutcome } from "./runner-messages.js";

const identity = { threadId: "t1", toolCallId: "call_1", attempt: 2 };
const limits = { maxToolResultBytes: 20 };

/** A google.protobuf.Value nested `depth` deep through list values, encoded by hand. */
function deepValue(depth: number): Uint8Array {
  let bytes = new Uint8Array([0x1a, 0x01, 0x78]);
  for (let level = 0; level < depth; level += 1) {
    const list = new Uint8Array([0x0a, ...varint(bytes.length), ...bytes]);
    bytes = new Uint8Array([0x32, ...varint(list.length), ...list]);
  }
  return bytes;
}

describe("runner outcomes (X5)", () => {
  it("passes a result within limits.maxToolResultBytes", () => {
    const data = encodeToolOutcome({
      ...identity,
      runnerId: "r1",
      durationMs: 5,
      type: "result",
      result: { ok: "1234567" }, // {"ok":"1234567"} is 16 bytes
    });
    expect(decodeToolOutcome(data, limits)).toMatchObject({
      type: "result",
      result: { ok: "1234567" },
    });
  });

  it("fails the call when the result is larger, naming the limit, not retryable", () => {
    const data = encodeToolOutcome({
      ...identity,
      runnerId: "r1",
      durationMs: 5,
      type: "result",
      result: { ok: "x".repeat(100) },
    });
    expect(decodeToolOutcome(data, limits)).toEqual({
      ...identity,
      runnerId: "r1",
      durationMs: 5,
      type: "error",
      error: {
        message:
          "the tool result is 109 bytes of JSON, more than the limit of 20 (limits.maxToolResultBytes)",
        retryableHint: false,
      },
    });
  });

  it("fails the call when the result cannot be decoded but the call can be named", () => {
    const named = toBinary(ToolOutcomeSchema, create(ToolOutcomeSchema, identity));
    // Field 4 (result) holds a Value nested past protobuf-es's recursion limit.
    const deep = deepValue(60);
    const data = new Uint8Array([...named, 0x22, ...varint(deep.length), ...deep]);
    const outcome = decodeToolOutcome(data, { maxToolResultBytes: 1_000_000 });
    expect(outcome).toMatchObject({ ...identity, type: "error" });
    expect(outcome.type === "error" && outcome.error.message).toMatch(
      /^the runner's outcome could not be read: .*maximum recursion depth/u,
    );
  });

  it("still throws for bytes that name no call", () => {
    expect(() => decodeToolOutcome(new Uint8Array([0xff, 0xff]), limits)).toThrow();
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

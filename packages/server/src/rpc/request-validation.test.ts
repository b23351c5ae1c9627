import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { googleRpc } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { durationToMs, requireId, requireSequence } from "./request-validation.js";

const duration = (seconds: bigint, nanos: number) => create(DurationSchema, { seconds, nanos });

function violationOf(check: () => unknown) {
  try {
    check();
  } catch (error: unknown) {
    if (!(error instanceof ConnectError)) throw error;
    expect(error.code).toBe(Code.InvalidArgument);
    return error.findDetails(googleRpc.BadRequestSchema)[0]?.fieldViolations[0];
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("ids", () => {
  it("refuses an id longer than any the server issues (fuzzer: a 130 KB thread id)", () => {
    expect(requireId("t".repeat(256), "thread_id")).toHaveLength(256);
    expect(violationOf(() => requireId("t".repeat(257), "thread_id"))).toMatchObject({
      field: "thread_id",
      description: "is 257 characters long; ids have at most 256",
    });
  });
});

describe("sequence numbers", () => {
  it("takes 0 to 2^53 - 1", () => {
    expect(requireSequence(0n, "from_seq")).toBe(0);
    expect(requireSequence(BigInt(Number.MAX_SAFE_INTEGER), "from_seq")).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it("refuses what a cursor echoed back could not carry (fuzzer: thread_version 2^63 - 1)", () => {
    expect(
      violationOf(() => requireSequence(2n ** 63n - 1n, "after.thread_version")),
    ).toMatchObject({
      field: "after.thread_version",
    });
    expect(violationOf(() => requireSequence(-1n, "from_seq"))).toMatchObject({
      field: "from_seq",
    });
  });
});

describe("durations", () => {
  it("converts a valid duration to ms", () => {
    expect(durationToMs(duration(90n, 500_000_000), "timeout")).toBe(90_500);
    expect(durationToMs(duration(-1n, 0), "timeout")).toBe(-1000);
  });

  it("refuses one protobuf says is invalid, or one over 100 years", () => {
    expect(violationOf(() => durationToMs(duration(1n, -1), "timeout"))).toMatchObject({
      field: "timeout",
      description: "is not a valid google.protobuf.Duration",
    });
    expect(violationOf(() => durationToMs(duration(2n ** 63n - 1n, 0), "timeout"))).toMatchObject({
      field: "timeout",
      description: "must be at most 100 years long",
    });
  });
});

import { Code, ConnectError } from "@connectrpc/connect";
import { googleRpc } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { createStreamLimits } from "./stream-limits.js";

function refusal(open: () => unknown) {
  try {
    open();
  } catch (error: unknown) {
    if (!(error instanceof ConnectError)) throw error;
    expect(error.code).toBe(Code.ResourceExhausted);
    return {
      message: error.rawMessage,
      metadata: error.findDetails(googleRpc.ErrorInfoSchema)[0]?.metadata,
    };
  }
  throw new Error("expected RESOURCE_EXHAUSTED");
}

describe("open-stream counts (X5)", () => {
  it("refuses a principal's stream over its limit until one is released", () => {
    const limits = createStreamLimits({ maxStreamsPerPrincipal: 2, maxWatchersPerThread: 10 });
    const first = limits.open("alice", "t1");
    limits.open("alice", "t2");
    expect(refusal(() => limits.open("alice", "t3"))).toEqual({
      message:
        'principal "alice" has 2 streams open already (limits.maxStreamsPerPrincipal); cancel ' +
        "one before opening another",
      metadata: { limit: "limits.maxStreamsPerPrincipal", value: "2" },
    });
    // Another principal has its own count; anonymous callers share one.
    limits.open("bob", "t3");
    limits.open(null, "t4");
    limits.open(null, "t4");
    expect(refusal(() => limits.open(null, "t5")).message).toContain("anonymous callers have 2");
    first.release();
    limits.open("alice", "t3");
  });

  it("refuses a thread's watcher over its limit, of any principal", () => {
    const limits = createStreamLimits({ maxStreamsPerPrincipal: 10, maxWatchersPerThread: 2 });
    limits.open("alice", "t1");
    const bobs = limits.open("bob", "t1");
    expect(refusal(() => limits.open("carol", "t1")).metadata).toEqual({
      limit: "limits.maxWatchersPerThread",
      value: "2",
    });
    limits.open("carol", "t2");
    bobs.release();
    limits.open("carol", "t1");
  });

  it("releases a slot once, however often release is called, and takes nothing when refusing", () => {
    const limits = createStreamLimits({ maxStreamsPerPrincipal: 1, maxWatchersPerThread: 1 });
    const slot = limits.open("alice", "t1");
    // Refused for the thread: alice's count must not grow by the refused attempt.
    refusal(() => limits.open("bob", "t1"));
    slot.release();
    slot.release();
    const again = limits.open("alice", "t1");
    refusal(() => limits.open("alice", "t2"));
    refusal(() => limits.open("bob", "t1"));
    again.release();
    limits.open("bob", "t1");
  });
});

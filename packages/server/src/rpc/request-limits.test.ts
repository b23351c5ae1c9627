import { Code, ConnectError } from "@connectrpc/connect";
import { googleRpc } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import {
  checkForceFailReasonLength,
  checkMetadataSize,
  checkPartCount,
  checkPromptLength,
  checkToolErrorSize,
  checkToolResultSize,
  codePointCount,
  type RequestLimits,
} from "./request-limits.js";

const limits: RequestLimits = {
  maxPromptChars: 5,
  maxPartsPerMessage: 2,
  maxToolResultBytes: 10,
  maxMetadataBytes: 12,
  maxPageSize: 50,
};

function violationOf(check: () => void) {
  try {
    check();
  } catch (error: unknown) {
    if (!(error instanceof ConnectError)) throw error;
    expect(error.code).toBe(Code.InvalidArgument);
    return error.findDetails(googleRpc.BadRequestSchema)[0]?.fieldViolations[0];
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("request limits (X5)", () => {
  it("counts characters as code points", () => {
    expect(codePointCount("abc")).toBe(3);
    expect(codePointCount("😀😀")).toBe(2);
    // A lone surrogate is one character.
    expect(codePointCount("a\ud800b")).toBe(3);
  });

  it("takes a prompt at the limit and refuses one character more, naming the limit", () => {
    checkPromptLength("😀😀😀😀😀", "prompt", limits);
    expect(violationOf(() => checkPromptLength("abcdef", "prompt", limits))).toEqual(
      expect.objectContaining({
        field: "prompt",
        description: "is 6 characters long, more than the limit of 5 (limits.maxPromptChars)",
      }),
    );
  });

  it("limits the parts of a message", () => {
    checkPartCount(2, "message.parts", limits);
    expect(violationOf(() => checkPartCount(3, "message.parts", limits))?.description).toBe(
      "has 3 parts, more than the limit of 2 (limits.maxPartsPerMessage)",
    );
  });

  it("measures metadata and tool results as UTF-8 JSON", () => {
    checkMetadataSize({ k: "1234" }, "metadata", limits); // {"k":"1234"} is 12 bytes
    expect(violationOf(() => checkMetadataSize({ k: "é234" }, "metadata", limits))).toEqual(
      expect.objectContaining({
        field: "metadata",
        description: "is 13 bytes of JSON, more than the limit of 12 (limits.maxMetadataBytes)",
      }),
    );
    checkToolResultSize("12345678", "result", limits); // "12345678" is 10 bytes
    expect(violationOf(() => checkToolResultSize([1, 2, 3, 4, 5], "result", limits))).toEqual(
      expect.objectContaining({ field: "result" }),
    );
    checkToolErrorSize("0123456789", "error", limits);
    expect(violationOf(() => checkToolErrorSize("0123456789a", "error", limits))?.description).toBe(
      "is 11 bytes, more than the limit of 10 (limits.maxToolResultBytes)",
    );
  });

  it("refuses JSON nested too deeply to measure instead of failing as INTERNAL", () => {
    let deep: unknown = 1;
    for (let depth = 0; depth < 100_000; depth += 1) deep = [deep];
    expect(violationOf(() => checkMetadataSize(deep, "metadata", limits))).toEqual(
      expect.objectContaining({ field: "metadata", description: "is nested too deeply" }),
    );
  });

  it("caps a ForceFailThread reason at 4096 characters, counted as code points (X10)", () => {
    expect(() => checkForceFailReasonLength("😀".repeat(4096), "reason")).not.toThrow();
    expect(violationOf(() => checkForceFailReasonLength("r".repeat(4097), "reason"))).toMatchObject(
      {
        field: "reason",
        description: "is 4097 characters long, more than the limit of 4096",
      },
    );
  });
});

import { create, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import type { LanguageModelUsage } from "ai";
import { describe, expect, test } from "vitest";
import { UsageSchema } from "../gen/durable_agents/v1/message_pb.js";
import { addUsage, protoToUsage, usageToProto } from "./usage.js";

function sdkUsage(overrides: Partial<LanguageModelUsage> = {}): LanguageModelUsage {
  return {
    inputTokens: undefined,
    inputTokenDetails: {
      noCacheTokens: undefined,
      cacheReadTokens: undefined,
      cacheWriteTokens: undefined,
    },
    outputTokens: undefined,
    outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
    totalTokens: undefined,
    ...overrides,
  };
}

const fullUsage = sdkUsage({
  inputTokens: 120,
  inputTokenDetails: { noCacheTokens: 20, cacheReadTokens: 100, cacheWriteTokens: 7 },
  outputTokens: 50,
  outputTokenDetails: { textTokens: 30, reasoningTokens: 20 },
  totalTokens: 170,
});

describe("usageToProto", () => {
  test("records every reported count", () => {
    expect(usageToProto(fullUsage)).toMatchObject({
      inputTokens: 120n,
      outputTokens: 50n,
      totalTokens: 170n,
      reasoningTokens: 20n,
      cachedInputTokens: 100n,
      cacheWriteTokens: 7n,
      noCacheInputTokens: 20n,
      textOutputTokens: 30n,
    });
  });

  test("leaves unreported counts unset, distinct from a reported 0", () => {
    const proto = usageToProto(sdkUsage({ inputTokens: 0 }));
    expect(proto.inputTokens).toBe(0n);
    expect(proto.outputTokens).toBeUndefined();
    expect(toJson(UsageSchema, proto)).toEqual({ inputTokens: "0" });
  });

  test("falls back to the deprecated flat reasoning and cached-input counts", () => {
    const proto = usageToProto(sdkUsage({ reasoningTokens: 4, cachedInputTokens: 9 }));
    expect(proto.reasoningTokens).toBe(4n);
    expect(proto.cachedInputTokens).toBe(9n);
  });

  test("treats non-finite counts as unreported and rounds fractions", () => {
    const proto = usageToProto(sdkUsage({ inputTokens: Number.NaN, outputTokens: 2.6 }));
    expect(proto.inputTokens).toBeUndefined();
    expect(proto.outputTokens).toBe(3n);
  });

  test("survives the binary wire with presence intact", () => {
    const proto = usageToProto(sdkUsage({ totalTokens: 0, outputTokens: 5 }));
    const decoded = fromBinary(UsageSchema, toBinary(UsageSchema, proto));
    expect(decoded.totalTokens).toBe(0n);
    expect(decoded.outputTokens).toBe(5n);
    expect(decoded.inputTokens).toBeUndefined();
  });
});

describe("protoToUsage", () => {
  test("gives back the AI SDK shape, deprecated flat fields included", () => {
    expect(protoToUsage(usageToProto(fullUsage))).toStrictEqual({
      ...fullUsage,
      reasoningTokens: 20,
      cachedInputTokens: 100,
    });
  });

  test("unset counts come back undefined", () => {
    expect(protoToUsage(create(UsageSchema))).toStrictEqual({
      ...sdkUsage(),
      reasoningTokens: undefined,
      cachedInputTokens: undefined,
    });
  });
});

describe("addUsage", () => {
  test("sums field by field", () => {
    const sum = addUsage(usageToProto(fullUsage), usageToProto(fullUsage));
    expect(sum.inputTokens).toBe(240n);
    expect(sum.cacheWriteTokens).toBe(14n);
    expect(sum.textOutputTokens).toBe(60n);
  });

  test("an unreported side adds nothing and both unreported stays unset", () => {
    const sum = addUsage(
      create(UsageSchema, { inputTokens: 5n }),
      create(UsageSchema, { outputTokens: 3n }),
    );
    expect(sum.inputTokens).toBe(5n);
    expect(sum.outputTokens).toBe(3n);
    expect(sum.totalTokens).toBeUndefined();
  });

  test("leaves its inputs untouched", () => {
    const left = create(UsageSchema, { inputTokens: 1n });
    addUsage(left, create(UsageSchema, { inputTokens: 2n }));
    expect(left.inputTokens).toBe(1n);
  });
});

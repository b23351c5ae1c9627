import { create } from "@bufbuild/protobuf";
import type { LanguageModelUsage } from "ai";
import { type Usage, UsageSchema } from "../gen/durable_agents/v1/message_pb.js";

/**
 * usageToProto records an AI SDK usage report (B24). Counts the provider did not report stay unset.
 * The deprecated flat `reasoningTokens`/`cachedInputTokens` are read when the detailed ones are
 * missing, since older providers only fill those. `raw` (provider-specific) is not kept.
 */
export function usageToProto(usage: LanguageModelUsage): Usage {
  return create(UsageSchema, {
    inputTokens: tokenCount(usage.inputTokens),
    outputTokens: tokenCount(usage.outputTokens),
    totalTokens: tokenCount(usage.totalTokens),
    reasoningTokens: tokenCount(usage.outputTokenDetails.reasoningTokens ?? usage.reasoningTokens),
    cachedInputTokens: tokenCount(
      usage.inputTokenDetails.cacheReadTokens ?? usage.cachedInputTokens,
    ),
    cacheWriteTokens: tokenCount(usage.inputTokenDetails.cacheWriteTokens),
    noCacheInputTokens: tokenCount(usage.inputTokenDetails.noCacheTokens),
    textOutputTokens: tokenCount(usage.outputTokenDetails.textTokens),
  });
}

/**
 * protoToUsage gives the AI SDK shape back, filling the deprecated flat fields as the AI SDK does
 * so hooks written against either shape work.
 */
export function protoToUsage(usage: Usage): LanguageModelUsage {
  const reasoningTokens = toNumber(usage.reasoningTokens);
  const cachedInputTokens = toNumber(usage.cachedInputTokens);
  return {
    inputTokens: toNumber(usage.inputTokens),
    inputTokenDetails: {
      noCacheTokens: toNumber(usage.noCacheInputTokens),
      cacheReadTokens: cachedInputTokens,
      cacheWriteTokens: toNumber(usage.cacheWriteTokens),
    },
    outputTokens: toNumber(usage.outputTokens),
    outputTokenDetails: {
      textTokens: toNumber(usage.textOutputTokens),
      reasoningTokens,
    },
    totalTokens: toNumber(usage.totalTokens),
    reasoningTokens,
    cachedInputTokens,
  };
}

const USAGE_FIELDS = [
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "reasoningTokens",
  "cachedInputTokens",
  "cacheWriteTokens",
  "noCacheInputTokens",
  "textOutputTokens",
] as const;

/**
 * addUsage sums two usage records field by field, as a thread's usage is the sum of its messages'
 * (B24). A count stays unset only when neither side reported it: one unreported side adds nothing.
 */
export function addUsage(a: Usage, b: Usage): Usage {
  const sum = create(UsageSchema);
  for (const field of USAGE_FIELDS) {
    const left = a[field];
    const right = b[field];
    if (left !== undefined || right !== undefined) {
      sum[field] = (left ?? 0n) + (right ?? 0n);
    }
  }
  return sum;
}

/**
 * tokenCount puts a reported count on the int64 wire. A count that is not a finite number cannot
 * be a real report and is treated as unreported; fractions (never seen from providers, but typed
 * as number) round to the nearest token.
 */
function tokenCount(value: number | undefined): bigint | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : BigInt(Math.round(value));
}

function toNumber(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

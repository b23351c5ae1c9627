// Retry policies ⇄ protobuf.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { BackoffPolicy } from "@durable-agents/core";
import {
  BackoffPolicySchema,
  type BackoffPolicy as ProtoBackoffPolicy,
} from "@durable-agents/core/proto";

export function backoffToProto(policy: BackoffPolicy): ProtoBackoffPolicy {
  if (policy.strategy === "fixed") {
    return create(BackoffPolicySchema, {
      initialDelay: durationFromMs(policy.delayMs),
      multiplier: 1,
      jitter: policy.jitter === "full",
    });
  }
  return create(BackoffPolicySchema, {
    initialDelay: durationFromMs(policy.initialDelayMs),
    multiplier: policy.multiplier,
    maxDelay: durationFromMs(policy.maxDelayMs),
    jitter: policy.jitter === "full",
  });
}

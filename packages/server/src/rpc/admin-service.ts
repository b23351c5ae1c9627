// AdminService handlers: recovery on demand (B20) and the operator's view and fixes of X10 —
// ListStuck, ForceFailThread, RequeueToolCall. Admin RPCs act on any principal's thread.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  ForceFailThreadResponseSchema,
  ListStuckResponseSchema,
  RecoverThreadsResponseSchema,
  RequeueToolCallResponseSchema,
  ResumePendingToolExecutionsResponseSchema,
} from "@durable-agents/core/proto";
import { z } from "zod";
import type { Engine } from "../engine/engine.js";
import { threadToProto, toolCallToProto } from "./convert/records.js";
import { stuckThreadToProto, stuckToolCallToProto } from "./convert/stuck.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";
import { checkForceFailReasonLength, type RequestLimits } from "./request-limits.js";
import { requireId, requireText } from "./request-validation.js";

/** Where a ListStuck scan stopped (engine/stuck.ts StuckScanPosition). */
const stuckPosition = z.object({
  threadsAfter: z.string().optional(),
  threadsDone: z.boolean(),
  callsAfter: z.object({ threadId: z.string(), toolCallId: z.string() }).optional(),
  callsDone: z.boolean(),
});

export function createAdminService(
  engine: Engine,
  limits: Pick<RequestLimits, "maxPageSize">,
): ServiceImpl<typeof AdminService> {
  return {
    async recoverThreads() {
      return create(RecoverThreadsResponseSchema, {
        continuedCount: await engine.recoverThreads(),
      });
    },

    async resumePendingToolExecutions() {
      return create(ResumePendingToolExecutionsResponseSchema, {
        redispatchedCount: await engine.resumePendingToolExecutions(),
      });
    },

    async forceFailThread(request) {
      const threadId = requireId(request.threadId, "thread_id");
      const reason = requireText(request.reason, "reason");
      checkForceFailReasonLength(reason, "reason");
      const thread = await engine.forceFailThread({ threadId, reason });
      return create(ForceFailThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async requeueToolCall(request) {
      const toolCall = await engine.requeueToolCall({
        threadId: requireId(request.threadId, "thread_id"),
        toolCallId: requireId(request.toolCallId, "tool_call_id"),
      });
      return create(RequeueToolCallResponseSchema, { toolCall: toolCallToProto(toolCall) });
    },

    async listStuck(request) {
      const limit = pageSize(request.pageSize, limits.maxPageSize);
      const after = decodePageToken(request.pageToken, stuckPosition);
      const page = await engine.listStuck({ after, limit });
      return create(ListStuckResponseSchema, {
        threads: page.threads.map(stuckThreadToProto),
        toolCalls: page.toolCalls.map(stuckToolCallToProto),
        nextPageToken: page.next === undefined ? "" : encodePageToken(page.next),
      });
    },
  };
}

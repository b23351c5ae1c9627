// AdminService handlers: recovery on demand (B20). ForceFailThread, RequeueToolCall and ListStuck
// (X10) arrive with the scaled deployment (issue #5); until then they answer UNIMPLEMENTED.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  RecoverThreadsResponseSchema,
  ResumePendingToolExecutionsResponseSchema,
} from "@durable-agents/core/proto";
import type { Engine } from "../engine/engine.js";

export function createAdminService(engine: Engine): Partial<ServiceImpl<typeof AdminService>> {
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
  };
}

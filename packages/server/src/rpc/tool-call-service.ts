// ToolCallService handlers.
import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { protoValueToJson } from "@durable-agents/core";
import {
  AddToolErrorResponseSchema,
  AddToolResultResponseSchema,
  GetToolCallResponseSchema,
  ListToolCallsResponseSchema,
  ListToolsResponseSchema,
  type RegisterToolsRequest,
  type RegisterToolsResponse,
  RegisterToolsResponseSchema,
  SetToolCallTimeoutResponseSchema,
  type ToolCallService,
} from "@durable-agents/core/proto";
import { z } from "zod";
import type { Engine } from "../engine/engine.js";
import type { ToolDefinitionRecord } from "../store/records.js";
import type { CallOwner } from "./caller.js";
import { toolCallStatusFromProto, toolKindFromProto } from "./convert/enums.js";
import { toolCallToProto, toolDefinitionToProto } from "./convert/records.js";
import { invalidArgument } from "./errors.js";
import { decodePageToken, pageSize, paginate } from "./page-token.js";
import { checkToolErrorSize, checkToolResultSize, type RequestLimits } from "./request-limits.js";
import { durationToMs, requireId, requireText } from "./request-validation.js";

const toolCallPosition = z.object({ createdAt: z.number(), toolCallId: z.string() });
const toolPosition = z.object({ name: z.string() });
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * RegisterTools, for the RPC and for runners that register over NATS (runner.proto): validates
 * the definitions and stores them, replacing earlier ones of the same name.
 */
export async function registerTools(
  engine: Engine,
  request: RegisterToolsRequest,
): Promise<RegisterToolsResponse> {
  const now = engine.context.now();
  const tools: ToolDefinitionRecord[] = request.tools.map((tool, index) => {
    if (!TOOL_NAME.test(tool.name)) {
      throw invalidArgument([
        {
          field: `tools[${index}].name`,
          description: "must be 1–64 letters, digits, '_' or '-'",
        },
      ]);
    }
    const backoff = tool.retry?.backoff;
    const field = `tools[${index}]`;
    /** A delay or timeout of the definition: a valid duration, not negative (X5). */
    const nonNegativeMs = (duration: Duration, name: string) => {
      const ms = durationToMs(duration, `${field}.${name}`);
      if (ms < 0)
        throw invalidArgument([{ field: `${field}.${name}`, description: "must not be negative" }]);
      return ms;
    };
    // A NaN or infinite multiplier would make every retry delay NaN or infinite (B15).
    if (backoff !== undefined && !Number.isFinite(backoff.multiplier)) {
      throw invalidArgument([
        { field: `${field}.retry.backoff.multiplier`, description: "must be a finite number" },
      ]);
    }
    const timeoutMs = tool.timeout === undefined ? null : nonNegativeMs(tool.timeout, "timeout");
    if (timeoutMs === 0) {
      throw invalidArgument([{ field: `${field}.timeout`, description: "must be positive" }]);
    }
    return {
      name: tool.name,
      description: tool.description,
      inputSchema: (tool.inputSchema ?? {
        type: "object",
      }) as ToolDefinitionRecord["inputSchema"],
      kind: toolKindFromProto(tool.kind),
      retry:
        tool.retry === undefined || !tool.retry.enabled
          ? null
          : {
              maxAttempts: tool.retry.maxAttempts > 0 ? tool.retry.maxAttempts : 3,
              initialDelayMs:
                backoff?.initialDelay === undefined
                  ? 500
                  : nonNegativeMs(backoff.initialDelay, "retry.backoff.initial_delay"),
              multiplier: backoff === undefined || backoff.multiplier < 1 ? 2 : backoff.multiplier,
              maxDelayMs:
                backoff === undefined
                  ? 10_000
                  : backoff.maxDelay === undefined
                    ? null
                    : nonNegativeMs(backoff.maxDelay, "retry.backoff.max_delay"),
              jitter: backoff?.jitter ?? true,
            },
      timeoutMs,
      runnerId: request.runnerId === "" ? null : request.runnerId,
      registeredAt: now,
    };
  });
  const stored = await engine.registerTools(tools);
  return create(RegisterToolsResponseSchema, { tools: stored.map(toolDefinitionToProto) });
}

export function createToolCallService(
  engine: Engine,
  caller: CallOwner,
  limits: RequestLimits,
): ServiceImpl<typeof ToolCallService> {
  const ids = (request: { threadId: string; toolCallId: string }) => ({
    threadId: requireId(request.threadId, "thread_id"),
    toolCallId: requireId(request.toolCallId, "tool_call_id"),
  });
  return {
    async addToolResult(request, handlerContext) {
      const toolResult = protoValueToJson(request.result) ?? null;
      checkToolResultSize(toolResult, "result", limits);
      const result = await engine.completeToolCall({
        ...ids(request),
        owner: caller(handlerContext),
        result: toolResult,
      });
      return create(AddToolResultResponseSchema, {
        toolCall: toolCallToProto(result.toolCall),
        applied: result.applied,
      });
    },

    async addToolError(request, handlerContext) {
      checkToolErrorSize(requireText(request.error, "error"), "error", limits);
      const result = await engine.completeToolCall({
        ...ids(request),
        owner: caller(handlerContext),
        error: request.error,
      });
      return create(AddToolErrorResponseSchema, {
        toolCall: toolCallToProto(result.toolCall),
        applied: result.applied,
      });
    },

    async setToolCallTimeout(request, handlerContext) {
      const toolCall = await engine.setToolCallTimeout({
        ...ids(request),
        owner: caller(handlerContext),
        timeoutMs: request.timeout === undefined ? null : durationToMs(request.timeout, "timeout"),
      });
      return create(SetToolCallTimeoutResponseSchema, { toolCall: toolCallToProto(toolCall) });
    },

    async getToolCall(request, handlerContext) {
      const toolCall = await engine.getToolCall({
        ...ids(request),
        owner: caller(handlerContext),
      });
      return create(GetToolCallResponseSchema, { toolCall: toolCallToProto(toolCall) });
    },

    async listToolCalls(request, handlerContext) {
      const limit = pageSize(request.pageSize, limits.maxPageSize);
      const statuses = request.statuses.map((status, index) => {
        const domain = toolCallStatusFromProto(status);
        if (domain === undefined)
          throw invalidArgument([{ field: `statuses[${index}]`, description: "unknown status" }]);
        return domain;
      });
      const calls = await engine.listToolCalls({
        threadId: requireId(request.threadId, "thread_id"),
        owner: caller(handlerContext),
        statuses: statuses.length === 0 ? undefined : statuses,
        after: decodePageToken(request.pageToken, toolCallPosition),
        limit: limit + 1,
      });
      const { page, nextPageToken } = paginate(calls, limit, (call) => ({
        createdAt: call.createdAt,
        toolCallId: call.toolCallId,
      }));
      return create(ListToolCallsResponseSchema, {
        toolCalls: page.map(toolCallToProto),
        nextPageToken,
      });
    },

    registerTools: (request) => registerTools(engine, request),

    async listTools(request) {
      const limit = pageSize(request.pageSize, limits.maxPageSize);
      const after = decodePageToken(request.pageToken, toolPosition);
      const tools = await engine.context.store.listTools(after?.name, limit + 1);
      const { page, nextPageToken } = paginate(tools, limit, (tool) => ({ name: tool.name }));
      return create(ListToolsResponseSchema, {
        tools: page.map(toolDefinitionToProto),
        nextPageToken,
      });
    },
  };
}

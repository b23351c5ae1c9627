// ThreadService handlers: decode and validate, call the engine, encode (STYLE §3).
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AddMessageResponseSchema,
  CreateThreadResponseSchema,
  DeleteThreadResponseSchema,
  GetThreadResponseSchema,
  ListMessagesResponseSchema,
  ListThreadsResponseSchema,
  ResumeThreadResponseSchema,
  SendMessageResponseSchema,
  StopThreadResponseSchema,
  type ThreadService,
} from "@durable-agents/core/proto";
import { z } from "zod";
import type { Engine } from "../engine/engine.js";
import { userTextMessage } from "../engine/messages.js";
import type { JsonObject } from "../store/records.js";
import type { CallOwner } from "./caller.js";
import { busyPolicyFromProto, threadStatusFromProto } from "./convert/enums.js";
import { messageFromProto } from "./convert/messages.js";
import { messageToProto, threadToProto } from "./convert/records.js";
import { invalidArgument } from "./errors.js";
import { decodePageToken, pageSize, paginate } from "./page-token.js";
import { checkMetadataSize, checkPromptLength, type RequestLimits } from "./request-limits.js";
import { refuseRequestId, requireId, requireText } from "./request-validation.js";

const threadPosition = z.object({ createdAt: z.number(), threadId: z.string() });
const messagePosition = z.object({ position: z.number() });

export function createThreadService(
  engine: Engine,
  caller: CallOwner,
  limits: RequestLimits,
): ServiceImpl<typeof ThreadService> {
  const { context } = engine;
  /** A prompt must hold text and fit `limits.maxPromptChars`. */
  const checkPrompt = (prompt: string, field: string) => {
    requireText(prompt, field);
    checkPromptLength(prompt, field, limits);
    return prompt;
  };
  return {
    async createThread(request, handlerContext) {
      const owner = caller(handlerContext);
      refuseRequestId(request.requestId);
      requireText(request.agent, "agent");
      const messages = request.messages.map((message, index) =>
        messageFromProto(context, message, `messages[${index}]`, { requireUser: false, limits }),
      );
      if (request.prompt !== undefined) checkPrompt(request.prompt, "prompt");
      checkMetadataSize(request.metadata ?? {}, "metadata", limits);
      const thread = await engine.createThread({
        agent: request.agent,
        prompt: request.prompt,
        messages,
        autoStart: request.autoStart ?? false,
        metadata: (request.metadata ?? {}) as JsonObject,
        owner,
      });
      return create(CreateThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async getThread(request, handlerContext) {
      const thread = await engine.getThread(
        requireId(request.threadId, "thread_id"),
        caller(handlerContext),
      );
      return create(GetThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async listThreads(request, handlerContext) {
      const limit = pageSize(request.pageSize, limits.maxPageSize);
      const statuses = request.statuses.map((status, index) => {
        const domain = threadStatusFromProto(status);
        if (domain === undefined)
          throw invalidArgument([{ field: `statuses[${index}]`, description: "unknown status" }]);
        return domain;
      });
      const threads = await engine.listThreads({
        owner: caller(handlerContext),
        agent: request.agent === "" ? undefined : request.agent,
        statuses: statuses.length === 0 ? undefined : statuses,
        after: decodePageToken(request.pageToken, threadPosition),
        limit: limit + 1,
      });
      const { page, nextPageToken } = paginate(threads, limit, (thread) => ({
        createdAt: thread.createdAt,
        threadId: thread.threadId,
      }));
      return create(ListThreadsResponseSchema, {
        threads: page.map((thread) => threadToProto(thread)),
        nextPageToken,
      });
    },

    async deleteThread(request, handlerContext) {
      await engine.deleteThread(requireId(request.threadId, "thread_id"), caller(handlerContext));
      return create(DeleteThreadResponseSchema, {});
    },

    async sendMessage(request, handlerContext) {
      const threadId = requireId(request.threadId, "thread_id");
      refuseRequestId(request.requestId);
      const onBusy = busyPolicyFromProto(request.onBusy);
      if (onBusy === undefined)
        throw invalidArgument([{ field: "on_busy", description: "unknown policy" }]);
      const { content } = request;
      let message: ReturnType<typeof userTextMessage>;
      switch (content.case) {
        case "prompt":
          message = userTextMessage(context, checkPrompt(content.value, "prompt"));
          break;
        case "message":
          message = messageFromProto(context, content.value, "message", {
            requireUser: true,
            limits,
          });
          break;
        default:
          throw invalidArgument([
            { field: "content", description: "a prompt or a message is required" },
          ]);
      }
      const result = await engine.sendMessage({
        threadId,
        owner: caller(handlerContext),
        message,
        onBusy,
      });
      return create(SendMessageResponseSchema, {
        thread: threadToProto(result.thread),
        message: messageToProto({ ...result.message, threadId, committedSeq: 0, position: 0 }),
        enqueued: result.enqueued,
      });
    },

    async addMessage(request, handlerContext) {
      const threadId = requireId(request.threadId, "thread_id");
      if (request.message === undefined)
        throw invalidArgument([{ field: "message", description: "is required" }]);
      const message = messageFromProto(context, request.message, "message", {
        requireUser: false,
        limits,
      });
      const result = await engine.addMessage({
        threadId,
        owner: caller(handlerContext),
        message,
      });
      return create(AddMessageResponseSchema, {
        message: messageToProto(result.message),
        thread: threadToProto(result.thread),
      });
    },

    async resumeThread(request, handlerContext) {
      const threadId = requireId(request.threadId, "thread_id");
      if (request.prompt !== undefined) checkPrompt(request.prompt, "prompt");
      const thread = await engine.resumeThread({
        threadId,
        owner: caller(handlerContext),
        prompt: request.prompt,
      });
      return create(ResumeThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async stopThread(request, handlerContext) {
      const thread = await engine.stopThread(
        requireId(request.threadId, "thread_id"),
        caller(handlerContext),
      );
      return create(StopThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async listMessages(request, handlerContext) {
      const limit = pageSize(request.pageSize, limits.maxPageSize);
      const after = decodePageToken(request.pageToken, messagePosition);
      const messages = await engine.listMessages({
        threadId: requireId(request.threadId, "thread_id"),
        owner: caller(handlerContext),
        afterPosition: after?.position,
        includeSystem: request.includeSystem,
        limit: limit + 1,
      });
      const { page, nextPageToken } = paginate(messages, limit, (message) => ({
        position: message.position,
      }));
      return create(ListMessagesResponseSchema, {
        messages: page.map(messageToProto),
        nextPageToken,
      });
    },
  };
}

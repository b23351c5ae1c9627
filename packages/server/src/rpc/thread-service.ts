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
import type { CallerResolver } from "./caller.js";
import { busyPolicyFromProto, threadStatusFromProto } from "./convert/enums.js";
import { messageFromProto } from "./convert/messages.js";
import { messageToProto, threadToProto } from "./convert/records.js";
import { invalidArgument } from "./errors.js";
import { decodePageToken, pageSize, paginate } from "./page-token.js";
import { refuseRequestId, requireId, requireText } from "./request-validation.js";

const threadPosition = z.object({ createdAt: z.number(), threadId: z.string() });
const messagePosition = z.object({ position: z.number() });

export function createThreadService(
  engine: Engine,
  caller: CallerResolver,
): ServiceImpl<typeof ThreadService> {
  const { context } = engine;
  return {
    async createThread(request, handlerContext) {
      const owner = caller(handlerContext.requestHeader);
      refuseRequestId(request.requestId);
      requireText(request.agent, "agent");
      const messages = request.messages.map((message, index) =>
        messageFromProto(context, message, `messages[${index}]`, { requireUser: false }),
      );
      if (request.prompt !== undefined) requireText(request.prompt, "prompt");
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
        caller(handlerContext.requestHeader),
      );
      return create(GetThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async listThreads(request, handlerContext) {
      const limit = pageSize(request.pageSize);
      const statuses = request.statuses.map((status, index) => {
        const domain = threadStatusFromProto(status);
        if (domain === undefined)
          throw invalidArgument([{ field: `statuses[${index}]`, description: "unknown status" }]);
        return domain;
      });
      const threads = await engine.listThreads({
        owner: caller(handlerContext.requestHeader),
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
      await engine.deleteThread(
        requireId(request.threadId, "thread_id"),
        caller(handlerContext.requestHeader),
      );
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
          message = userTextMessage(context, requireText(content.value, "prompt"));
          break;
        case "message":
          message = messageFromProto(context, content.value, "message", { requireUser: true });
          break;
        default:
          throw invalidArgument([
            { field: "content", description: "a prompt or a message is required" },
          ]);
      }
      const result = await engine.sendMessage({
        threadId,
        owner: caller(handlerContext.requestHeader),
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
      const message = messageFromProto(context, request.message, "message", { requireUser: false });
      const result = await engine.addMessage({
        threadId,
        owner: caller(handlerContext.requestHeader),
        message,
      });
      return create(AddMessageResponseSchema, {
        message: messageToProto(result.message),
        thread: threadToProto(result.thread),
      });
    },

    async resumeThread(request, handlerContext) {
      const threadId = requireId(request.threadId, "thread_id");
      if (request.prompt !== undefined) requireText(request.prompt, "prompt");
      const thread = await engine.resumeThread({
        threadId,
        owner: caller(handlerContext.requestHeader),
        prompt: request.prompt,
      });
      return create(ResumeThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async stopThread(request, handlerContext) {
      const thread = await engine.stopThread(
        requireId(request.threadId, "thread_id"),
        caller(handlerContext.requestHeader),
      );
      return create(StopThreadResponseSchema, { thread: threadToProto(thread) });
    },

    async listMessages(request, handlerContext) {
      const limit = pageSize(request.pageSize);
      const after = decodePageToken(request.pageToken, messagePosition);
      const messages = await engine.listMessages({
        threadId: requireId(request.threadId, "thread_id"),
        owner: caller(handlerContext.requestHeader),
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

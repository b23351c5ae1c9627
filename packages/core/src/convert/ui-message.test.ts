import { create, fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { readUIMessageStream, type UIMessage, validateUIMessages } from "ai";
import { describe, expect, test } from "vitest";
import {
  type Message,
  MessageSchema,
  Role,
  UIMessageChunkSchema,
  UsageSchema,
} from "../gen/durable_agents/v1/message_pb.js";
import { isConversionError } from "./conversion-error.js";
import { protoToUIChunk, uiChunkToProto } from "./ui-chunk.js";
import { protoToUIMessage, uiMessageToProto } from "./ui-message.js";
import type { UIChunk } from "./ui-types.js";

const assistantMessage: UIMessage = {
  id: "msg_1",
  role: "assistant",
  metadata: { model: "demo:echo", createdAt: 1_700_000_000_000 },
  parts: [
    { type: "step-start" },
    { type: "reasoning", text: "The user wants weather.", state: "done" },
    {
      type: "tool-get_weather",
      toolCallId: "call_1",
      state: "output-available",
      input: { location: "Oslo" },
      output: { weather: "sunny", temperature: 22 },
    },
    { type: "step-start" },
    { type: "text", text: "The weather in Oslo is sunny, 22°C.", state: "done" },
    { type: "data-usage", id: "u", data: { tokens: 42 } },
  ],
};

function throughBinary(message: Message): Message {
  return fromBinary(MessageSchema, toBinary(MessageSchema, message));
}

function throughJson(message: Message): Message {
  return fromJsonString(MessageSchema, toJsonString(MessageSchema, message));
}

describe("message round trip", () => {
  test.each([
    ["an assistant message with tool calls", assistantMessage],
    ["a user message", { id: "u1", role: "user", parts: [{ type: "text", text: "Hi" }] }],
    ["a system message", { id: "s1", role: "system", parts: [{ type: "text", text: "Be brief" }] }],
    ["a message without parts", { id: "e1", role: "assistant", parts: [] }],
    ["a message with null metadata", { id: "n1", role: "user", metadata: null, parts: [] }],
  ] satisfies Array<[string, UIMessage]>)("%s survives the wire unchanged", (_name, message) => {
    const proto = uiMessageToProto(message);
    expect(protoToUIMessage(proto)).toStrictEqual(message);
    expect(protoToUIMessage(throughBinary(proto))).toStrictEqual(message);
    expect(protoToUIMessage(throughJson(proto))).toStrictEqual(message);
  });

  test("absent metadata stays absent, null metadata stays null", () => {
    const absent = throughBinary(uiMessageToProto({ id: "a", role: "user", parts: [] }));
    const nullMetadata = throughBinary(
      uiMessageToProto({ id: "a", role: "user", metadata: null, parts: [] }),
    );
    expect(absent.metadata).toBeUndefined();
    expect("metadata" in protoToUIMessage(absent)).toBe(false);
    expect(protoToUIMessage(nullMetadata).metadata).toBeNull();
  });

  test("keys the schema does not model travel in extra_fields", () => {
    const message = { id: "x", role: "user", parts: [], createdAt: "2025-01-01" } as UIMessage;
    const proto = uiMessageToProto(message);
    expect(proto.extraFields).toEqual({ createdAt: "2025-01-01" });
    expect(protoToUIMessage(throughJson(proto))).toStrictEqual(message);
  });
});

describe("stored fields", () => {
  test("are set from what the server knows", () => {
    const createTime = new Date("2025-03-04T05:06:07.089Z");
    const usage = create(UsageSchema, { inputTokens: 10n, outputTokens: 5n });
    const proto = uiMessageToProto(assistantMessage, {
      threadId: "th_1",
      committedSeq: 7,
      createTime,
      usage,
    });
    expect(proto.messageId).toBe("msg_1");
    expect(proto.threadId).toBe("th_1");
    expect(proto.role).toBe(Role.ASSISTANT);
    expect(proto.committedSeq).toBe(7n);
    expect(proto.createTime && timestampDate(proto.createTime)).toEqual(createTime);
    expect(proto.usage?.inputTokens).toBe(10n);
  });

  test("default to not stored yet", () => {
    const proto = uiMessageToProto(assistantMessage);
    expect(proto.threadId).toBe("");
    expect(proto.committedSeq).toBe(0n);
    expect(proto.createTime).toBeUndefined();
    expect(proto.usage).toBeUndefined();
  });

  test("are not part of the AI SDK message given back", () => {
    const proto = uiMessageToProto(assistantMessage, { threadId: "t", committedSeq: 3 });
    expect(protoToUIMessage(proto)).toStrictEqual(assistantMessage);
  });
});

describe("invalid messages", () => {
  test("an unknown role is refused on the way in", () => {
    const message = { id: "x", role: "tool", parts: [] } as unknown as UIMessage;
    expect(() => uiMessageToProto(message)).toThrow(/unknown role/);
  });

  test("an unspecified role is a ConversionError on the way out", () => {
    const proto = create(MessageSchema, { messageId: "m" });
    let thrown: unknown;
    try {
      protoToUIMessage(proto);
    } catch (error) {
      thrown = error;
    }
    expect(isConversionError(thrown)).toBe(true);
  });
});

describe("interplay with the AI SDK", () => {
  test("a message from protobuf passes the AI SDK's own validation", async () => {
    const message = protoToUIMessage(throughBinary(uiMessageToProto(assistantMessage)));
    await expect(validateUIMessages({ messages: [message] })).resolves.toStrictEqual([message]);
  });

  test("chunks that crossed the wire build the same message in the AI SDK", async () => {
    const chunks: UIChunk[] = [
      { type: "start", messageId: "m1", messageMetadata: { model: "demo" } },
      { type: "start-step" },
      { type: "reasoning-start", id: "r" },
      { type: "reasoning-delta", id: "r", delta: "Weather " },
      { type: "reasoning-delta", id: "r", delta: "question." },
      { type: "reasoning-end", id: "r" },
      { type: "tool-input-start", toolCallId: "c1", toolName: "get_weather" },
      { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '{"location":' },
      { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '"Oslo"}' },
      {
        type: "tool-input-available",
        toolCallId: "c1",
        toolName: "get_weather",
        input: { location: "Oslo" },
      },
      { type: "tool-output-available", toolCallId: "c1", output: { weather: "sunny" } },
      { type: "finish-step" },
      { type: "start-step" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "Sunny" },
      { type: "text-delta", id: "t", delta: " in Oslo." },
      { type: "text-end", id: "t" },
      { type: "data-weather", id: "w", data: { city: "Oslo" } },
      { type: "source-url", sourceId: "s", url: "https://weather.example" },
      { type: "finish-step" },
      { type: "finish", finishReason: "stop" },
    ];
    const wired = chunks.map((chunk) =>
      protoToUIChunk(
        fromBinary(UIMessageChunkSchema, toBinary(UIMessageChunkSchema, uiChunkToProto(chunk))),
      ),
    );
    const original = await lastMessage(chunks);
    expect(original?.parts.map((part) => part.type)).toEqual([
      "step-start",
      "reasoning",
      "tool-get_weather",
      "step-start",
      "text",
      "data-weather",
      "source-url",
    ]);
    expect(await lastMessage(wired)).toStrictEqual(original);
  });
});

async function lastMessage(chunks: UIChunk[]): Promise<UIMessage | undefined> {
  const stream = new ReadableStream<UIChunk>({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(chunk);
      }
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream<UIMessage>({ stream })) {
    last = structuredClone(message);
  }
  return last;
}

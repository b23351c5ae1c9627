import { create, fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import {
  FinishReason,
  type UIMessageChunk,
  UIMessageChunkSchema,
} from "../gen/durable_agents/v1/message_pb.js";
import { isConversionError } from "./conversion-error.js";
import { protoToUIChunk, uiChunkToProto } from "./ui-chunk.js";
import type { UIChunk } from "./ui-types.js";

const providerMetadata = { openai: { itemId: "msg_1" }, other: { list: [1, { a: null }] } };
const toolMetadata = { version: 3, labels: ["x"] };

type ChunkCase = UIMessageChunk["chunk"]["case"];

/** For every chunk type: a minimal fixture and one with every optional field set. */
const fixtures: Array<[string, UIChunk, ChunkCase]> = [
  ["text-start", { type: "text-start", id: "t1" }, "textStart"],
  ["text-start full", { type: "text-start", id: "t1", providerMetadata }, "textStart"],
  ["text-delta", { type: "text-delta", id: "t1", delta: "Hel" }, "textDelta"],
  ["text-delta empty", { type: "text-delta", id: "t1", delta: "" }, "textDelta"],
  ["text-delta full", { type: "text-delta", id: "t1", delta: "lo", providerMetadata }, "textDelta"],
  ["text-end", { type: "text-end", id: "t1" }, "textEnd"],
  ["text-end full", { type: "text-end", id: "t1", providerMetadata }, "textEnd"],
  ["reasoning-start", { type: "reasoning-start", id: "r1" }, "reasoningStart"],
  [
    "reasoning-start full",
    { type: "reasoning-start", id: "r1", providerMetadata },
    "reasoningStart",
  ],
  ["reasoning-delta", { type: "reasoning-delta", id: "r1", delta: "hmm" }, "reasoningDelta"],
  [
    "reasoning-delta full",
    { type: "reasoning-delta", id: "r1", delta: "hmm", providerMetadata },
    "reasoningDelta",
  ],
  ["reasoning-end", { type: "reasoning-end", id: "r1" }, "reasoningEnd"],
  ["reasoning-end full", { type: "reasoning-end", id: "r1", providerMetadata }, "reasoningEnd"],
  ["error", { type: "error", errorText: "Rate limited" }, "error"],
  [
    "tool-input-start",
    { type: "tool-input-start", toolCallId: "c1", toolName: "get_weather" },
    "toolInputStart",
  ],
  [
    "tool-input-start full",
    {
      type: "tool-input-start",
      toolCallId: "c1",
      toolName: "get_weather",
      inputEncoding: "text",
      providerExecuted: false,
      providerMetadata,
      toolMetadata,
      dynamic: true,
      title: "Weather",
    },
    "toolInputStart",
  ],
  [
    "tool-input-delta",
    { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '{"loc' },
    "toolInputDelta",
  ],
  [
    "tool-input-available",
    { type: "tool-input-available", toolCallId: "c1", toolName: "t", input: { a: 1 } },
    "toolInputAvailable",
  ],
  [
    "tool-input-available null input",
    { type: "tool-input-available", toolCallId: "c1", toolName: "t", input: null },
    "toolInputAvailable",
  ],
  [
    "tool-input-available full",
    {
      type: "tool-input-available",
      toolCallId: "c1",
      toolName: "t",
      input: [1, "2"],
      providerExecuted: true,
      providerMetadata,
      toolMetadata,
      dynamic: false,
      title: "T",
    },
    "toolInputAvailable",
  ],
  [
    "tool-input-error",
    { type: "tool-input-error", toolCallId: "c1", toolName: "t", input: "{bad", errorText: "x" },
    "toolInputError",
  ],
  [
    "tool-input-error full",
    {
      type: "tool-input-error",
      toolCallId: "c1",
      toolName: "t",
      input: { a: "b" },
      providerExecuted: false,
      providerMetadata,
      toolMetadata,
      dynamic: true,
      errorText: "Schema mismatch",
      title: "T",
    },
    "toolInputError",
  ],
  [
    "tool-approval-request",
    { type: "tool-approval-request", approvalId: "a1", toolCallId: "c1" },
    "toolApprovalRequest",
  ],
  [
    "tool-approval-request full",
    {
      type: "tool-approval-request",
      approvalId: "a1",
      toolCallId: "c1",
      approvalDescriptor: { action: "rm -rf" },
      inputSchemaInput: null,
      signature: "sig",
    },
    "toolApprovalRequest",
  ],
  [
    "tool-output-available",
    { type: "tool-output-available", toolCallId: "c1", output: { weather: "sunny" } },
    "toolOutputAvailable",
  ],
  [
    "tool-output-available full",
    {
      type: "tool-output-available",
      toolCallId: "c1",
      output: 22,
      providerExecuted: true,
      providerMetadata,
      toolMetadata,
      dynamic: false,
      preliminary: true,
    },
    "toolOutputAvailable",
  ],
  [
    "tool-output-error",
    { type: "tool-output-error", toolCallId: "c1", errorText: "boom" },
    "toolOutputError",
  ],
  [
    "tool-output-error full",
    {
      type: "tool-output-error",
      toolCallId: "c1",
      errorText: "boom",
      providerExecuted: false,
      providerMetadata,
      toolMetadata,
      dynamic: true,
    },
    "toolOutputError",
  ],
  ["tool-output-denied", { type: "tool-output-denied", toolCallId: "c1" }, "toolOutputDenied"],
  ["source-url", { type: "source-url", sourceId: "s", url: "https://a.b" }, "sourceUrl"],
  [
    "source-url full",
    { type: "source-url", sourceId: "s", url: "https://a.b", title: "A", providerMetadata },
    "sourceUrl",
  ],
  [
    "source-document",
    { type: "source-document", sourceId: "s", mediaType: "text/plain", title: "T" },
    "sourceDocument",
  ],
  [
    "source-document full",
    {
      type: "source-document",
      sourceId: "s",
      mediaType: "text/plain",
      title: "T",
      filename: "t.txt",
      providerMetadata,
    },
    "sourceDocument",
  ],
  ["file", { type: "file", url: "https://a.b/c.png", mediaType: "image/png" }, "file"],
  [
    "file full",
    { type: "file", url: "data:image/png;base64,AA==", mediaType: "image/png", providerMetadata },
    "file",
  ],
  ["data", { type: "data-weather", data: { city: "Oslo" } }, "data"],
  ["data full", { type: "data-weather", id: "w1", data: null, transient: true }, "data"],
  ["data not transient", { type: "data-x", data: [], transient: false }, "data"],
  ["start-step", { type: "start-step" }, "startStep"],
  ["finish-step", { type: "finish-step" }, "finishStep"],
  ["start", { type: "start" }, "start"],
  ["start full", { type: "start", messageId: "m1", messageMetadata: { model: "demo" } }, "start"],
  ["start null metadata", { type: "start", messageMetadata: null }, "start"],
  ["finish", { type: "finish" }, "finish"],
  ["finish full", { type: "finish", finishReason: "tool-calls", messageMetadata: 1 }, "finish"],
  ["abort", { type: "abort" }, "abort"],
  ["abort full", { type: "abort", reason: "stopSignal" }, "abort"],
  ["message-metadata", { type: "message-metadata", messageMetadata: { a: 1 } }, "messageMetadata"],
  ["message-metadata null", { type: "message-metadata", messageMetadata: null }, "messageMetadata"],
];

const finishReasons = ["stop", "length", "content-filter", "tool-calls", "error", "other"] as const;

/** fromNewerPeer stands for an enum number this build does not know. */
function fromNewerPeer<Enum extends number>(value: number): Enum {
  return value as Enum;
}

function throughBinary(chunk: UIMessageChunk): UIMessageChunk {
  return fromBinary(UIMessageChunkSchema, toBinary(UIMessageChunkSchema, chunk));
}

function throughJson(chunk: UIMessageChunk): UIMessageChunk {
  return fromJsonString(UIMessageChunkSchema, toJsonString(UIMessageChunkSchema, chunk));
}

describe.each(fixtures)("chunk %s", (_name, chunk, expectedCase) => {
  test("round-trips AI SDK -> proto -> AI SDK unchanged", () => {
    expect(protoToUIChunk(uiChunkToProto(chunk))).toStrictEqual(chunk);
  });

  test("survives the binary and the JSON wire", () => {
    const proto = uiChunkToProto(chunk);
    expect(protoToUIChunk(throughBinary(proto))).toStrictEqual(chunk);
    expect(protoToUIChunk(throughJson(proto))).toStrictEqual(chunk);
  });

  test(`maps to the ${expectedCase} case with every key modelled`, () => {
    const proto = uiChunkToProto(chunk);
    expect(proto.chunk.case).toBe(expectedCase);
    expect(proto.extraFields).toBeUndefined();
  });
});

test("the fixtures cover every typed case of the chunk oneof", () => {
  const typedCases = UIMessageChunkSchema.fields
    .filter((field) => field.oneof !== undefined && field.localName !== "other")
    .map((field) => field.localName);
  expect(new Set(fixtures.map(([, , expectedCase]) => expectedCase))).toEqual(new Set(typedCases));
});

describe("finish reasons", () => {
  test.each(finishReasons)("%s maps to its enum value and back", (finishReason) => {
    const proto = uiChunkToProto({ type: "finish", finishReason });
    expect(proto.chunk.case === "finish" && proto.chunk.value.finishReason).not.toBe(
      FinishReason.UNSPECIFIED,
    );
    expect(protoToUIChunk(throughBinary(proto))).toStrictEqual({ type: "finish", finishReason });
  });
});

describe("lossless fallbacks", () => {
  const cases: Array<[string, object, ChunkCase]> = [
    ["a chunk type this build does not know", { type: "tool-progress", percent: 40 }, "other"],
    ["an unknown finish reason", { type: "finish", finishReason: "refusal" }, "other"],
    [
      "an unknown tool input encoding",
      { type: "tool-input-start", toolCallId: "c", toolName: "t", inputEncoding: "xml" },
      "other",
    ],
    [
      "a text delta with a new key",
      { type: "text-delta", id: "t", delta: "a", seq: 4 },
      "textDelta",
    ],
    ["a finish-step with a new key", { type: "finish-step", usage: { tokens: 3 } }, "finishStep"],
    ["a data chunk with a new key", { type: "data-x", data: 1, ttlMs: 500 }, "data"],
  ];

  test.each(cases)("%s comes back identical", (_name, chunk, expectedCase) => {
    const proto = uiChunkToProto(chunk as UIChunk);
    expect(proto.chunk.case).toBe(expectedCase);
    expect(protoToUIChunk(throughBinary(proto))).toStrictEqual(chunk);
    expect(protoToUIChunk(throughJson(proto))).toStrictEqual(chunk);
  });
});

describe("malformed protobuf chunks", () => {
  test.each([
    ["no case set", create(UIMessageChunkSchema)],
    [
      "a finish reason from a newer peer",
      create(UIMessageChunkSchema, {
        chunk: { case: "finish", value: { finishReason: fromNewerPeer(77) } },
      }),
    ],
    [
      "a tool input start with an unknown encoding",
      create(UIMessageChunkSchema, {
        chunk: {
          case: "toolInputStart",
          value: { toolCallId: "c", inputEncoding: fromNewerPeer(9) },
        },
      }),
    ],
    [
      "an other chunk without a type",
      create(UIMessageChunkSchema, { chunk: { case: "other", value: {} } }),
    ],
  ])("%s is a ConversionError", (_name, proto) => {
    let thrown: unknown;
    try {
      protoToUIChunk(proto);
    } catch (error) {
      thrown = error;
    }
    expect(isConversionError(thrown)).toBe(true);
  });
});

test("provider metadata with undefined values is normalised like JSON", () => {
  const chunk = {
    type: "text-delta",
    id: "t",
    delta: "a",
    providerMetadata: { p: { kept: 1, dropped: undefined } },
  } as UIChunk;
  expect(protoToUIChunk(throughBinary(uiChunkToProto(chunk)))).toStrictEqual({
    type: "text-delta",
    id: "t",
    delta: "a",
    providerMetadata: { p: { kept: 1 } },
  });
});

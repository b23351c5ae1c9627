import { create, fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import {
  type MessagePart,
  MessagePartSchema,
  TextPartState,
  ToolPartSchema,
  ToolPartState,
} from "../gen/durable_agents/v1/message_pb.js";
import { isConversionError } from "./conversion-error.js";
import { protoToUIPart, uiPartToProto } from "./ui-part.js";
import type { UIPart } from "./ui-types.js";

const providerMetadata = { openai: { itemId: "rs_1", cached: true, tokens: [1, 2, null] } };
const approval = { id: "appr_1" };

/** One fixture per part type and per state, with and without the optional fields. */
const typedFixtures: Record<string, UIPart> = {
  "text minimal": { type: "text", text: "Hello" },
  "text empty": { type: "text", text: "" },
  "text streaming": { type: "text", text: "Hel", state: "streaming" },
  "text done with provider metadata": { type: "text", text: "Hi", state: "done", providerMetadata },
  "text with empty provider metadata": { type: "text", text: "Hi", providerMetadata: {} },
  "reasoning minimal": { type: "reasoning", text: "thinking" },
  "reasoning streaming": { type: "reasoning", text: "thin", state: "streaming" },
  "reasoning full": {
    type: "reasoning",
    id: "r1",
    text: "done thinking",
    state: "done",
    providerMetadata,
  },
  "step-start": { type: "step-start" },
  "source-url minimal": { type: "source-url", sourceId: "s1", url: "https://example.com" },
  "source-url full": {
    type: "source-url",
    sourceId: "s1",
    url: "https://example.com/a?b=c",
    title: "Example",
    providerMetadata,
  },
  "source-document minimal": {
    type: "source-document",
    sourceId: "d1",
    mediaType: "application/pdf",
    title: "Report",
  },
  "source-document full": {
    type: "source-document",
    sourceId: "d1",
    mediaType: "application/pdf",
    title: "Report",
    filename: "report.pdf",
    providerMetadata,
  },
  "file minimal": { type: "file", mediaType: "image/png", url: "https://example.com/a.png" },
  "file full": {
    type: "file",
    mediaType: "text/plain",
    filename: "a.txt",
    url: "data:text/plain;base64,aGk=",
    providerMetadata,
  },
  "data object": { type: "data-weather", data: { city: "Oslo", temperature: 22.5 } },
  "data with id": { type: "data-progress", id: "p1", data: [1, "two", { three: 3 }] },
  "data null": { type: "data-empty", data: null },
  "data string": { type: "data-note", data: "plain" },
  "data with dashed name": { type: "data-my-data-type", data: true },
  "tool input-streaming no input": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "input-streaming",
  },
  "tool input-streaming partial": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "input-streaming",
    input: { location: "Os" },
    rawInput: '{"location":"Os',
    inputEncoding: "json",
    callProviderMetadata: providerMetadata,
  },
  "tool input-streaming text encoding": {
    type: "tool-echo",
    toolCallId: "c1",
    state: "input-streaming",
    rawInput: "free text",
    inputEncoding: "text",
  },
  "tool input-available": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "input-available",
    input: { location: "Oslo" },
  },
  "tool input-available null input": {
    type: "tool-ping",
    toolCallId: "c2",
    state: "input-available",
    input: null,
  },
  "tool input-available full": {
    type: "tool-get_weather",
    toolCallId: "c1",
    title: "Weather",
    toolMetadata: { version: 2, tags: ["a"] },
    providerExecuted: false,
    state: "input-available",
    input: { location: "Oslo" },
    callProviderMetadata: providerMetadata,
  },
  "tool approval-requested": {
    type: "tool-delete_file",
    toolCallId: "c3",
    state: "approval-requested",
    input: { path: "/tmp/x" },
    approval,
  },
  "tool approval-requested full": {
    type: "tool-delete_file",
    toolCallId: "c3",
    state: "approval-requested",
    input: { path: "/tmp/x" },
    approval: {
      id: "appr_1",
      descriptor: { action: "delete", risk: "high" },
      signature: "sig",
      inputSchemaInput: { path: "/tmp/x" },
    },
  },
  "tool approval-responded approved": {
    type: "tool-delete_file",
    toolCallId: "c3",
    state: "approval-responded",
    input: { path: "/tmp/x" },
    approval: { id: "appr_1", approved: true, reason: "fine" },
  },
  "tool approval-responded denied": {
    type: "tool-delete_file",
    toolCallId: "c3",
    state: "approval-responded",
    input: { path: "/tmp/x" },
    approval: { id: "appr_1", approved: false },
  },
  "tool output-available": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "output-available",
    input: { location: "Oslo" },
    output: { weather: "sunny", temperature: 22 },
  },
  "tool output-available null output": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "output-available",
    input: {},
    output: null,
  },
  "tool output-available full": {
    type: "tool-get_weather",
    toolCallId: "c1",
    title: "Weather",
    toolMetadata: {},
    providerExecuted: true,
    state: "output-available",
    input: { location: "Oslo" },
    output: "sunny",
    preliminary: true,
    callProviderMetadata: providerMetadata,
    resultProviderMetadata: { anthropic: { cacheHit: false } },
    approval: { id: "appr_1", approved: true, descriptor: "d", signature: "s", reason: "ok" },
  },
  "tool output-error": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "output-error",
    input: { location: 1 },
    errorText: "Invalid input",
  },
  "tool output-error full": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "output-error",
    input: "not json",
    rawInput: "not json",
    errorText: "",
    callProviderMetadata: providerMetadata,
    resultProviderMetadata: providerMetadata,
    approval: { id: "appr_1", approved: true },
  },
  "tool output-denied": {
    type: "tool-delete_file",
    toolCallId: "c3",
    state: "output-denied",
    input: { path: "/" },
    approval: { id: "appr_1", approved: false, reason: "too risky" },
  },
  "dynamic-tool input-streaming": {
    type: "dynamic-tool",
    toolName: "mcp_search",
    toolCallId: "d1",
    state: "input-streaming",
    input: { q: "o" },
    rawInput: '{"q":"o',
  },
  "dynamic-tool input-available": {
    type: "dynamic-tool",
    toolName: "mcp_search",
    toolCallId: "d1",
    state: "input-available",
    input: { q: "oslo" },
  },
  "dynamic-tool normalized from static": {
    type: "dynamic-tool",
    dynamic: false,
    toolName: "get_weather",
    toolCallId: "d1",
    state: "input-available",
    input: { location: "Oslo" },
  },
  "dynamic-tool approval-requested": {
    type: "dynamic-tool",
    toolName: "mcp_delete",
    toolCallId: "d2",
    state: "approval-requested",
    input: {},
    approval,
  },
  "dynamic-tool approval-responded": {
    type: "dynamic-tool",
    toolName: "mcp_delete",
    toolCallId: "d2",
    state: "approval-responded",
    input: {},
    approval: { id: "appr_1", approved: true },
  },
  "dynamic-tool output-available": {
    type: "dynamic-tool",
    toolName: "mcp_search",
    toolCallId: "d1",
    title: "Search",
    toolMetadata: { server: "mcp" },
    providerExecuted: true,
    state: "output-available",
    input: { q: "oslo" },
    output: [{ title: "Oslo" }],
    preliminary: false,
  },
  "dynamic-tool output-error": {
    type: "dynamic-tool",
    toolName: "mcp_search",
    toolCallId: "d1",
    state: "output-error",
    input: { q: "oslo" },
    errorText: "Server unavailable",
  },
  "dynamic-tool output-denied": {
    type: "dynamic-tool",
    toolName: "mcp_delete",
    toolCallId: "d2",
    state: "output-denied",
    input: {},
    approval: { id: "appr_1", approved: false },
  },
};

/**
 * Shapes the AI SDK produces at run time that its types do not admit: a failed call whose input
 * never parsed has no `input` key at all.
 */
const untypedFixtures: Record<string, object> = {
  "tool output-error without input": {
    type: "tool-get_weather",
    toolCallId: "c1",
    state: "output-error",
    rawInput: "{broken",
    errorText: "Invalid JSON",
  },
  "dynamic-tool output-error without input": {
    type: "dynamic-tool",
    toolName: "x",
    toolCallId: "d1",
    state: "output-error",
    errorText: "Invalid JSON",
  },
};

const allFixtures: Array<[string, UIPart]> = [
  ...Object.entries(typedFixtures),
  ...Object.entries(untypedFixtures).map(([name, part]): [string, UIPart] => [
    name,
    part as UIPart,
  ]),
];

/** fromNewerPeer stands for an enum number this build does not know. */
function fromNewerPeer<Enum extends number>(value: number): Enum {
  return value as Enum;
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the action to throw");
}

function throughBinary(part: MessagePart): MessagePart {
  return fromBinary(MessagePartSchema, toBinary(MessagePartSchema, part));
}

function throughJson(part: MessagePart): MessagePart {
  return fromJsonString(MessagePartSchema, toJsonString(MessagePartSchema, part));
}

describe.each(allFixtures)("part %s", (_name, part) => {
  test("round-trips AI SDK -> proto -> AI SDK unchanged", () => {
    expect(protoToUIPart(uiPartToProto(part))).toStrictEqual(part);
  });

  test("survives the binary wire", () => {
    expect(protoToUIPart(throughBinary(uiPartToProto(part)))).toStrictEqual(part);
  });

  test("survives the JSON wire", () => {
    expect(protoToUIPart(throughJson(uiPartToProto(part)))).toStrictEqual(part);
  });

  test("maps to a typed case with every key modelled", () => {
    const proto = uiPartToProto(part);
    expect(proto.part.case).not.toBe("other");
    expect(proto.extraFields).toBeUndefined();
  });
});

test("the fixtures cover every typed case of the part oneof and every tool state", () => {
  const typedCases = MessagePartSchema.fields
    .filter((field) => field.oneof !== undefined && field.localName !== "other")
    .map((field) => field.localName);
  const protos = allFixtures.map(([, part]) => uiPartToProto(part));
  expect(new Set(protos.map((proto) => proto.part.case))).toEqual(new Set(typedCases));
  const toolStates = (dynamic: boolean) =>
    new Set(
      protos.flatMap((proto) =>
        proto.part.case === "tool" && proto.part.value.dynamic === dynamic
          ? [proto.part.value.state]
          : [],
      ),
    );
  const allStates = Object.values(ToolPartState).filter(
    (state) => typeof state === "number" && state !== ToolPartState.UNSPECIFIED,
  );
  expect(toolStates(false)).toEqual(new Set(allStates));
  expect(toolStates(true)).toEqual(new Set(allStates));
});

describe("typed fields", () => {
  test("a static tool part takes its tool name from the type", () => {
    const proto = uiPartToProto({
      type: "tool-get_weather",
      toolCallId: "c1",
      state: "input-available",
      input: {},
    });
    expect(proto.part.case).toBe("tool");
    expect(proto.part.value).toMatchObject({
      toolName: "get_weather",
      dynamic: false,
      state: ToolPartState.INPUT_AVAILABLE,
    });
  });

  test("a dynamic tool part keeps its name and is marked dynamic", () => {
    const proto = uiPartToProto({
      type: "dynamic-tool",
      toolName: "tool-like-name",
      toolCallId: "d1",
      state: "input-available",
      input: {},
    });
    expect(proto.part.value).toMatchObject({ toolName: "tool-like-name", dynamic: true });
    expect(protoToUIPart(proto).type).toBe("dynamic-tool");
  });

  test("absent tool input stays unset while JSON null input is a null Value", () => {
    const absent = uiPartToProto({ type: "tool-t", toolCallId: "c", state: "input-streaming" });
    const nullInput = uiPartToProto({
      type: "tool-t",
      toolCallId: "c",
      state: "input-available",
      input: null,
    });
    expect(absent.part.case === "tool" && absent.part.value.input).toBeUndefined();
    expect(nullInput.part.case === "tool" && nullInput.part.value.input?.kind.case).toBe(
      "nullValue",
    );
  });

  test("an absent text state is TEXT_PART_STATE_UNSPECIFIED", () => {
    const proto = uiPartToProto({ type: "text", text: "a" });
    expect(proto.part.case === "text" && proto.part.value.state).toBe(TextPartState.UNSPECIFIED);
  });

  test("the data part name is the type after `data-`", () => {
    const proto = uiPartToProto({ type: "data-my-thing", id: "x", data: 1 });
    expect(proto.part.value).toMatchObject({ name: "my-thing", id: "x" });
  });
});

describe("lossless fallbacks", () => {
  const lossless: Array<[string, object, MessagePart["part"]["case"]]> = [
    ["a part type this build does not know", { type: "audio", url: "x", seconds: 3 }, "other"],
    ["an unknown text state", { type: "text", text: "a", state: "paused" }, "other"],
    ["an unknown tool state", { type: "tool-x", toolCallId: "c", state: "queued" }, "other"],
    [
      "an unknown input encoding",
      { type: "tool-x", toolCallId: "c", state: "input-streaming", inputEncoding: "yaml" },
      "other",
    ],
    [
      "an approval with a key the schema lacks",
      {
        type: "tool-x",
        toolCallId: "c",
        state: "approval-requested",
        input: {},
        approval: { id: "a", expiresAt: "tomorrow" },
      },
      "other",
    ],
    [
      "a dynamic tool part with dynamic: true",
      {
        type: "dynamic-tool",
        dynamic: true,
        toolName: "t",
        toolCallId: "c",
        state: "input-available",
        input: 1,
      },
      "other",
    ],
    ["a text part with a new key", { type: "text", text: "a", language: "en" }, "text"],
    [
      "a static tool part carrying toolName and dynamic keys",
      {
        type: "tool-x",
        toolName: "y",
        dynamic: true,
        toolCallId: "c",
        state: "input-available",
        input: 1,
      },
      "tool",
    ],
    ["a step-start part with a new key", { type: "step-start", stepNumber: 2 }, "stepStart"],
    ["a data part with a new key", { type: "data-x", data: 1, version: { major: 1 } }, "data"],
  ];

  test.each(lossless)("%s comes back identical", (_name, part, expectedCase) => {
    const proto = uiPartToProto(part as UIPart);
    expect(proto.part.case).toBe(expectedCase);
    expect(protoToUIPart(throughBinary(proto))).toStrictEqual(part);
    expect(protoToUIPart(throughJson(proto))).toStrictEqual(part);
  });

  test("unmodelled keys of a typed part are kept in extra_fields", () => {
    const proto = uiPartToProto({ type: "text", text: "a", language: "en" } as UIPart);
    expect(proto.extraFields).toEqual({ language: "en" });
  });
});

describe("normalisation", () => {
  test("keys holding undefined are dropped, as JSON would", () => {
    const part = {
      type: "text",
      text: "a",
      state: undefined,
      providerMetadata: { p: { a: undefined, b: 1 } },
    } as UIPart;
    expect(protoToUIPart(uiPartToProto(part))).toStrictEqual({
      type: "text",
      text: "a",
      providerMetadata: { p: { b: 1 } },
    });
  });

  test("an explicitly undefined tool input is treated as absent", () => {
    const part = {
      type: "tool-x",
      toolCallId: "c",
      state: "input-streaming",
      input: undefined,
    } as UIPart;
    expect(protoToUIPart(uiPartToProto(part))).toStrictEqual({
      type: "tool-x",
      toolCallId: "c",
      state: "input-streaming",
    });
  });
});

describe("malformed protobuf parts", () => {
  test.each([
    ["no case set", create(MessagePartSchema)],
    [
      "a tool part with an unspecified state",
      create(MessagePartSchema, {
        part: { case: "tool", value: create(ToolPartSchema, { toolCallId: "c", toolName: "t" }) },
      }),
    ],
    [
      "a tool part with a state from a newer peer",
      create(MessagePartSchema, {
        part: {
          case: "tool",
          value: create(ToolPartSchema, { toolName: "t", state: fromNewerPeer(99) }),
        },
      }),
    ],
    [
      "a text part with an unknown state",
      create(MessagePartSchema, {
        part: { case: "text", value: { text: "a", state: fromNewerPeer(42) } },
      }),
    ],
    [
      "an other part without a string type",
      create(MessagePartSchema, { part: { case: "other", value: { kind: "x" } } }),
    ],
  ])("%s is a ConversionError", (_name, proto) => {
    expect(isConversionError(thrownBy(() => protoToUIPart(proto)))).toBe(true);
  });

  test("a part without a string type is refused on the way in", () => {
    expect(() => uiPartToProto({ type: 7 } as unknown as UIPart)).toThrow(/string `type`/);
  });
});

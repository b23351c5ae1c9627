// The demo conversations (DESIGN §8) reduced to lines that every interop client's output can be
// compared with exactly, whatever its message representation: proto-loader's objects (grpc-js),
// or the proto3 JSON mapping (the Python client's json_format output, Connect's JSON).
import { WEATHER_ANSWER, WEATHER_PROMPT } from "./interop-server.js";

/** `weather in Paris` (§8): the tool part with its input and output, then the final sentence. */
export const WEATHER_OUTLINE = [
  ["ROLE_USER", `text: ${WEATHER_PROMPT}`],
  [
    "ROLE_ASSISTANT",
    "step_start",
    'tool get_weather TOOL_PART_STATE_OUTPUT_AVAILABLE input={"location":"Paris"} output={"temperature":22,"weather":"sunny"}',
    "step_start",
    `text: ${WEATHER_ANSWER}`,
  ],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted, so outlines do not depend on a map's order on the wire. */
export function canonicalJson(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(
        Object.entries(item)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, entry]) => [key, sort(entry)]),
      );
    }
    return item;
  };
  return JSON.stringify(sort(value));
}

const toolLine = (name: string, state: string, input: unknown, output: unknown, error?: string) =>
  `tool ${name} ${state} input=${canonicalJson(input)} output=${canonicalJson(output)}${
    error === undefined || error === "" ? "" : ` error=${error}`
  }`;

// proto-loader's shape (keepCase, longs String, enums String, defaults, oneofs). The well-known
// types come from protobufjs's bundled definitions, whose field names are lowerCamel.

/** A `google.protobuf.Value` as proto-loader decodes it. */
export interface LoaderValue {
  kind?: string;
  nullValue?: string;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields: Record<string, LoaderValue> };
  listValue?: { values: LoaderValue[] };
}

export interface LoaderPart {
  part?: string;
  text?: { text: string };
  tool?: {
    tool_name: string;
    state: string;
    input: LoaderValue | null;
    output: LoaderValue | null;
    error_text?: string;
  };
}

export interface LoaderMessage {
  message_id: string;
  role: string;
  parts: LoaderPart[];
  committed_seq: string;
}

/** A proto-loader `google.protobuf.Value` as plain JSON. */
export function loaderValueToJson(value: LoaderValue | null | undefined): Json {
  if (value === null || value === undefined) return null;
  switch (value.kind) {
    case "numberValue":
      return value.numberValue ?? 0;
    case "stringValue":
      return value.stringValue ?? "";
    case "boolValue":
      return value.boolValue ?? false;
    case "structValue":
      return Object.fromEntries(
        Object.entries(value.structValue?.fields ?? {}).map(([key, entry]) => [
          key,
          loaderValueToJson(entry),
        ]),
      );
    case "listValue":
      return (value.listValue?.values ?? []).map(loaderValueToJson);
    default:
      return null;
  }
}

export function outlineLoaderMessages(messages: readonly LoaderMessage[]): string[][] {
  return messages.map((message) => [
    message.role,
    ...message.parts.map((part) => {
      if (part.part === "text") return `text: ${part.text?.text}`;
      if (part.part === "tool" && part.tool !== undefined) {
        const { tool } = part;
        return toolLine(
          tool.tool_name,
          tool.state,
          loaderValueToJson(tool.input),
          loaderValueToJson(tool.output),
          tool.error_text,
        );
      }
      return part.part ?? "unset";
    }),
  ]);
}

export function loaderMessageText(message: LoaderMessage | undefined): string {
  return (message?.parts ?? []).map((part) => part.text?.text ?? "").join("");
}

// The proto3 JSON mapping: lowerCamel names, int64 as strings, enums by name, defaults omitted,
// a oneof as whichever of its fields is present, Value/Struct as plain JSON.

export interface JsonPart {
  text?: { text?: string };
  stepStart?: Record<string, never>;
  tool?: { toolName?: string; state?: string; input?: Json; output?: Json; errorText?: string };
  [other: string]: unknown;
}

export interface JsonMessage {
  messageId?: string;
  role?: string;
  parts?: JsonPart[];
  committedSeq?: string;
}

export function outlineJsonMessages(messages: readonly JsonMessage[]): string[][] {
  return messages.map((message) => [
    message.role ?? "ROLE_UNSPECIFIED",
    ...(message.parts ?? []).map((part) => {
      if (part.text !== undefined) return `text: ${part.text.text ?? ""}`;
      if (part.stepStart !== undefined) return "step_start";
      if (part.tool !== undefined) {
        const { tool } = part;
        return toolLine(
          tool.toolName ?? "",
          tool.state ?? "TOOL_PART_STATE_UNSPECIFIED",
          tool.input ?? null,
          tool.output ?? null,
          tool.errorText,
        );
      }
      return Object.keys(part).join(",");
    }),
  ]);
}

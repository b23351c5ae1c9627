// Fuzz payloads for one RPC, built from its request message's descriptor so new RPCs and fields
// are covered without listing them: random messages with wrong wire types, invalid UTF-8,
// unknown enum values and fields and extreme numbers; byte-level mutations; random bytes;
// structures nested 10 000 deep; strings near and above the request size limit; broken gRPC
// framing; Connect JSON bodies that are not JSON or not the message.
import { gzipSync } from "node:zlib";
import { type DescField, type DescMessage, type DescMethod, ScalarType } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Random } from "./random.js";
import { grpcFrame } from "./raw-rpc.js";

/** One request to send: raw gRPC (HTTP/2) or a Connect JSON body (HTTP/1.1). */
export type FuzzCase =
  | { transport: "grpc"; strategy: string; body: Uint8Array; headers: Record<string, string> }
  | { transport: "connect-json"; strategy: string; body: Uint8Array };

/** Ids the fuzzer may use so requests reach the engine; never the threads it must not change. */
export interface FuzzVocabulary {
  /** Read at every request, so a caller may replace the list while fuzzing. */
  threadIds: readonly string[];
  toolCallIds: readonly string[];
}

export interface PayloadOptions {
  random: Random;
  vocabulary: FuzzVocabulary;
  /** The server's `limits.maxRequestBytes`. */
  maxRequestBytes: number;
  /** How deep the deeply nested payloads go. */
  nestingDepth: number;
}

const JSON_CONTAINERS = new Set([
  "google.protobuf.Value",
  "google.protobuf.Struct",
  "google.protobuf.ListValue",
]);

const WIRE_TYPES = [
  WireType.Varint,
  WireType.Bit64,
  WireType.LengthDelimited,
  WireType.StartGroup,
  WireType.EndGroup,
  WireType.Bit32,
];

const EXTREME_INTEGERS = [
  0n,
  1n,
  -1n,
  2n ** 31n - 1n,
  -(2n ** 31n),
  2n ** 32n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
];

const EXTREME_DOUBLES = [0, -0, 1.5, -1e308, 1e308, Number.NaN, Infinity, -Infinity, 5e-324];

/** Byte sequences that are not UTF-8: a stray continuation, an overlong form, a surrogate. */
const INVALID_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xe2, 0x28, 0xa1],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x61, 0x80, 0x62],
].map((bytes) => new Uint8Array(bytes));

/** The scalar types and the wire type each is written with. */
const SCALAR_WIRE_TYPE: Record<ScalarType, WireType> = {
  [ScalarType.DOUBLE]: WireType.Bit64,
  [ScalarType.FLOAT]: WireType.Bit32,
  [ScalarType.INT64]: WireType.Varint,
  [ScalarType.UINT64]: WireType.Varint,
  [ScalarType.INT32]: WireType.Varint,
  [ScalarType.FIXED64]: WireType.Bit64,
  [ScalarType.FIXED32]: WireType.Bit32,
  [ScalarType.BOOL]: WireType.Varint,
  [ScalarType.STRING]: WireType.LengthDelimited,
  [ScalarType.BYTES]: WireType.LengthDelimited,
  [ScalarType.UINT32]: WireType.Varint,
  [ScalarType.SFIXED32]: WireType.Bit32,
  [ScalarType.SFIXED64]: WireType.Bit64,
  [ScalarType.SINT32]: WireType.Varint,
  [ScalarType.SINT64]: WireType.Varint,
};

function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** A length-delimited field around `payload`. */
function lengthDelimited(fieldNo: number, payload: Uint8Array): Uint8Array {
  return new BinaryWriter().tag(fieldNo, WireType.LengthDelimited).bytes(payload).finish();
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * A google.protobuf.Value nested `depth` deep through list values (Value.list_value = 6,
 * ListValue.values = 1), written in one pass: the lengths are summed from the inside out first,
 * so no level copies the levels inside it.
 */
export function deepListValue(depth: number): Uint8Array {
  const leaf = [0x1a, 0x01, 0x78]; // string_value "x"
  const innerLengths = [leaf.length];
  for (let level = 1; level <= depth; level += 1) {
    const inner = innerLengths[level - 1] ?? 0;
    const list = 1 + varintBytes(inner).length + inner;
    innerLengths.push(1 + varintBytes(list).length + list);
  }
  const bytes: number[] = [];
  for (let level = depth; level >= 1; level -= 1) {
    const inner = innerLengths[level - 1] ?? 0;
    const list = 1 + varintBytes(inner).length + inner;
    bytes.push(0x32, ...varintBytes(list), 0x0a, ...varintBytes(inner));
  }
  bytes.push(...leaf);
  return new Uint8Array(bytes);
}

/** Unknown field 1999 as groups nested `depth` deep: a reader that recurses into them overflows. */
function deepGroups(depth: number): Uint8Array {
  const start = new BinaryWriter().tag(1999, WireType.StartGroup).finish();
  const end = new BinaryWriter().tag(1999, WireType.EndGroup).finish();
  const bytes = new Uint8Array((start.length + end.length) * depth);
  for (let level = 0; level < depth; level += 1) {
    bytes.set(start, level * start.length);
    bytes.set(end, depth * start.length + level * end.length);
  }
  return bytes;
}

/** A JSON value nested `depth` deep, as text. */
function deepJson(depth: number, random: Random): string {
  return random.chance(0.5)
    ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Fields most requests need set, so that requests get past their first check. */
const USUALLY_SET = new Set(["agent", "role", "parts", "message", "prompt", "name", "tools"]);

/**
 * How often a random message sets a field: ids and the fields above nearly always, request_id
 * (refused while idempotent retries are unsupported) rarely, anything else half the time.
 */
function inclusionChance(field: DescField): number {
  if (field.name === "request_id") return 0.1;
  if (field.name.endsWith("_id") || USUALLY_SET.has(field.name)) return 0.9;
  return 0.5;
}

/** The fields leading from a message to a Value, Struct or ListValue field, if any. */
function pathToJsonContainer(desc: DescMessage, depth = 0): DescField[] | undefined {
  if (depth > 3) return undefined;
  for (const field of desc.fields) {
    const target = field.message;
    if (target === undefined || field.fieldKind === "map") continue;
    if (JSON_CONTAINERS.has(target.typeName)) return [field];
  }
  for (const field of desc.fields) {
    const target = field.message;
    if (target === undefined || field.fieldKind === "map") continue;
    const rest = pathToJsonContainer(target, depth + 1);
    if (rest !== undefined) return [field, ...rest];
  }
  return undefined;
}

/** The encoded form of a Value, Struct or ListValue holding `deep` (a Value). */
function asContainer(typeName: string, deep: Uint8Array): Uint8Array {
  switch (typeName) {
    case "google.protobuf.Struct": {
      const entry = concat([new Uint8Array([0x0a, 0x01, 0x61]), lengthDelimited(2, deep)]);
      return lengthDelimited(1, entry);
    }
    case "google.protobuf.ListValue":
      return lengthDelimited(1, deep);
    default:
      return deep;
  }
}

export function createPayloads(options: PayloadOptions) {
  const { random, vocabulary, maxRequestBytes, nestingDepth } = options;

  const randomText = (maxLength: number) => {
    const alphabet = 'abcXYZ 019_-:./{}"\\\u0000\u00e9\u4e2d\u{1f600}\ud800';
    let text = "";
    const length = random.int(maxLength + 1);
    for (let index = 0; index < length; index += 1) text += random.pick([...alphabet]);
    return text;
  };

  /** A string for a field, biased by its name so some requests reach the engine. */
  const stringFor = (field: DescField): string => {
    const name = field.name;
    if (random.chance(0.05)) return "";
    if (random.chance(0.15)) return randomText(24);
    if (name.endsWith("thread_id")) return random.pick(vocabulary.threadIds);
    if (name.endsWith("tool_call_id")) return random.pick(vocabulary.toolCallIds);
    if (name === "agent") return random.pick(["demo", "demo", "nope"]);
    if (name === "prompt" || name === "text") {
      return random.pick(["hi", "weather in Paris", "approve this", " ", ""]);
    }
    if (name === "page_token") {
      return random.pick([
        "",
        "e30",
        Buffer.from('{"createdAt":1,"threadId":"x"}').toString("base64url"),
        Buffer.from('{"position":-5}').toString("base64url"),
        randomText(12),
      ]);
    }
    if (name === "name" || name === "tool_name") {
      return random.pick(["get_weather", "request_approval", "demo", "x".repeat(65), "a b"]);
    }
    return randomText(16);
  };

  const writeScalar = (writer: BinaryWriter, field: DescField, scalar: ScalarType) => {
    const integer = random.chance(0.6) ? random.pick(EXTREME_INTEGERS) : BigInt(random.int(200));
    const asInt32 = Number(BigInt.asIntN(32, integer));
    switch (scalar) {
      case ScalarType.STRING:
        if (random.chance(0.03)) writer.bytes(random.pick(INVALID_UTF8));
        else writer.string(stringFor(field));
        return;
      case ScalarType.BYTES:
        writer.bytes(random.bytes(random.int(16)));
        return;
      case ScalarType.BOOL:
        // A varint other than 0 or 1 is still a bool to protobuf.
        if (random.chance(0.2)) writer.uint64(integer & 0xffffn);
        else writer.bool(random.chance(0.5));
        return;
      case ScalarType.DOUBLE:
        writer.double(random.pick(EXTREME_DOUBLES));
        return;
      case ScalarType.FLOAT:
        writer.float(random.pick(EXTREME_DOUBLES.filter(Number.isNaN).concat([1.5, -2, 3e38])));
        return;
      case ScalarType.INT64:
        writer.int64(BigInt.asIntN(64, integer));
        return;
      case ScalarType.SINT64:
        writer.sint64(BigInt.asIntN(64, integer));
        return;
      case ScalarType.SFIXED64:
        writer.sfixed64(BigInt.asIntN(64, integer));
        return;
      case ScalarType.UINT64:
        writer.uint64(BigInt.asUintN(64, integer));
        return;
      case ScalarType.FIXED64:
        writer.fixed64(BigInt.asUintN(64, integer));
        return;
      case ScalarType.INT32:
        writer.int32(asInt32);
        return;
      case ScalarType.SINT32:
        writer.sint32(asInt32);
        return;
      case ScalarType.SFIXED32:
        writer.sfixed32(asInt32);
        return;
      case ScalarType.UINT32:
        writer.uint32(asInt32 >>> 0);
        return;
      case ScalarType.FIXED32:
        writer.fixed32(asInt32 >>> 0);
        return;
    }
  };

  /** A value of the wire type given, whatever the field expects. */
  const writeAnyWireType = (writer: BinaryWriter, fieldNo: number, wireType: WireType) => {
    writer.tag(fieldNo, wireType);
    switch (wireType) {
      case WireType.Varint:
        writer.uint64(random.pick(EXTREME_INTEGERS) & 0xffffffffffffffffn);
        return;
      case WireType.Bit64:
        writer.fixed64(BigInt(random.int(1 << 30)));
        return;
      case WireType.Bit32:
        writer.fixed32(random.int(1 << 30));
        return;
      case WireType.LengthDelimited:
        writer.bytes(random.bytes(random.int(12)));
        return;
      case WireType.StartGroup:
        writer.tag(fieldNo, WireType.EndGroup);
        return;
      case WireType.EndGroup:
        return;
    }
  };

  const writeEnum = (writer: BinaryWriter, values: readonly { number: number }[]) => {
    // Mostly a known value other than _UNSPECIFIED, so requests get past their enums.
    const known = values.filter((value) => value.number !== 0);
    writer.int32(
      random.chance(0.15)
        ? random.pick([-1, 999, 2 ** 31 - 1, -(2 ** 31)])
        : random.pick(known.length > 0 && random.chance(0.9) ? known : values).number,
    );
  };

  const messageBytes = (desc: DescMessage, depth: number): Uint8Array => {
    const writer = new BinaryWriter();
    const chosenOneofs = new Set<string>();
    for (const field of desc.fields) {
      if (!random.chance(inclusionChance(field))) continue;
      if (field.oneof !== undefined) {
        // One member of a oneof, mostly; sometimes two, where the last one wins.
        if (chosenOneofs.has(field.oneof.name) && !random.chance(0.1)) continue;
        chosenOneofs.add(field.oneof.name);
      }
      if (random.chance(0.015)) {
        writeAnyWireType(writer, field.number, random.pick(WIRE_TYPES));
        continue;
      }
      writeField(writer, field, depth);
    }
    if (random.chance(0.1)) {
      writeAnyWireType(writer, 1000 + random.int(5000), random.pick(WIRE_TYPES));
    }
    return writer.finish();
  };

  const writeMessageField = (
    writer: BinaryWriter,
    fieldNo: number,
    desc: DescMessage,
    depth: number,
  ) => {
    writer
      .tag(fieldNo, WireType.LengthDelimited)
      .bytes(depth > 5 ? new Uint8Array(0) : messageBytes(desc, depth + 1));
  };

  const writeField = (writer: BinaryWriter, field: DescField, depth: number) => {
    switch (field.fieldKind) {
      case "scalar":
        writer.tag(field.number, SCALAR_WIRE_TYPE[field.scalar]);
        writeScalar(writer, field, field.scalar);
        return;
      case "enum":
        writer.tag(field.number, WireType.Varint);
        writeEnum(writer, field.enum.values);
        return;
      case "message":
        writeMessageField(writer, field.number, field.message, depth);
        return;
      case "list": {
        // Mostly a few items; sometimes many, past a parts-per-message limit.
        const count = random.chance(0.03) ? 150 + random.int(300) : random.int(4);
        for (let index = 0; index < count; index += 1) {
          if (field.listKind === "message")
            writeMessageField(writer, field.number, field.message, depth);
          else if (field.listKind === "enum") {
            writer.tag(field.number, WireType.Varint);
            writeEnum(writer, field.enum.values);
          } else {
            writer.tag(field.number, SCALAR_WIRE_TYPE[field.scalar]);
            writeScalar(writer, field, field.scalar);
          }
        }
        return;
      }
      case "map": {
        const count = random.int(3);
        for (let index = 0; index < count; index += 1) {
          const entry = new BinaryWriter();
          entry.tag(1, SCALAR_WIRE_TYPE[field.mapKey]);
          writeScalar(entry, field, field.mapKey);
          if (field.mapKind === "message") writeMessageField(entry, 2, field.message, depth);
          else if (field.mapKind === "enum") {
            entry.tag(2, WireType.Varint);
            writeEnum(entry, field.enum.values);
          } else {
            entry.tag(2, SCALAR_WIRE_TYPE[field.scalar]);
            writeScalar(entry, field, field.scalar);
          }
          writer.tag(field.number, WireType.LengthDelimited).bytes(entry.finish());
        }
        return;
      }
    }
  };

  /** Flips, cuts, inserts or repeats bytes of a message. */
  const mutateBytes = (bytes: Uint8Array): Uint8Array => {
    const copy = Array.from(bytes);
    const edits = 1 + random.int(4);
    for (let edit = 0; edit < edits; edit += 1) {
      const at = random.int(copy.length + 1);
      switch (random.int(5)) {
        case 0:
          if (copy.length > 0) copy[Math.min(at, copy.length - 1)] = random.int(256);
          break;
        case 1:
          copy.length = at;
          break;
        case 2:
          copy.splice(at, 0, ...random.bytes(1 + random.int(8)));
          break;
        case 3:
          copy.splice(at, 0, ...copy.slice(at, at + 1 + random.int(16)));
          break;
        default:
          copy.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
      }
    }
    return new Uint8Array(copy);
  };

  /** A message whose Value/Struct field (or an unknown group field) is nested very deep. */
  const deepMessage = (desc: DescMessage): Uint8Array => {
    const path = pathToJsonContainer(desc);
    const last = path?.at(-1)?.message;
    if (path === undefined || last === undefined || random.chance(0.25)) {
      return deepGroups(nestingDepth);
    }
    let bytes = asContainer(last.typeName, deepListValue(nestingDepth));
    for (const field of [...path].reverse()) bytes = lengthDelimited(field.number, bytes);
    return bytes;
  };

  /** A string field (or an unknown one) holding a string near or above the request size limit. */
  const hugeStringMessage = (desc: DescMessage): Uint8Array => {
    const stringFields = desc.fields.filter(
      (field) => field.fieldKind === "scalar" && field.scalar === ScalarType.STRING,
    );
    const fieldNo = stringFields.length > 0 ? random.pick(stringFields).number : 999;
    const size = random.chance(0.5)
      ? maxRequestBytes - 16 - random.int(256)
      : maxRequestBytes + random.int(4096);
    return new BinaryWriter()
      .tag(fieldNo, WireType.LengthDelimited)
      .string("w".repeat(size))
      .finish();
  };

  /** A valid-looking message in broken gRPC framing. */
  const brokenFraming = (payload: Uint8Array): FuzzCase => {
    const grpc = (strategy: string, body: Uint8Array, headers: Record<string, string> = {}) =>
      ({ transport: "grpc", strategy, body, headers }) satisfies FuzzCase;
    switch (random.int(11)) {
      case 0:
        return grpc(
          "framing: length too long",
          grpcFrame(payload, 0, payload.length + 1 + random.int(100)),
        );
      case 1:
        return grpc(
          "framing: length too short",
          grpcFrame(payload, 0, random.int(payload.length + 1)),
        );
      case 2:
        return grpc("framing: compressed flag, no encoding", grpcFrame(payload, 1));
      case 3:
        return grpc("framing: compressed flag, gzip header, not gzip", grpcFrame(payload, 1), {
          "grpc-encoding": "gzip",
        });
      case 4:
        return grpc("framing: gzip", grpcFrame(gzipSync(payload), 1), { "grpc-encoding": "gzip" });
      case 5:
        return grpc("framing: unknown encoding", grpcFrame(payload, 1), {
          "grpc-encoding": "snappy",
        });
      case 6:
        return grpc(
          "framing: odd flags",
          grpcFrame(payload, random.pick([0x02, 0x80, 0x7e, 0xff])),
        );
      case 7:
        return grpc("framing: two messages", concat([grpcFrame(payload), grpcFrame(payload)]));
      case 8:
        return grpc("framing: no message", new Uint8Array(0));
      case 9:
        return grpc("framing: partial header", random.bytes(1 + random.int(4)));
      default:
        return grpc("framing: 4 GiB announced", grpcFrame(payload, 0, 0xffffffff));
    }
  };

  /** A Connect JSON body: not JSON, not UTF-8, the wrong shape, or nested very deep. */
  const connectJson = (desc: DescMessage): FuzzCase => {
    const json = (strategy: string, text: string | Uint8Array) =>
      ({
        transport: "connect-json",
        strategy,
        body: typeof text === "string" ? new TextEncoder().encode(text) : text,
      }) satisfies FuzzCase;
    const names = desc.fields.map((field) => field.jsonName);
    const someName = () => (names.length > 0 ? random.pick(names) : "unknownField");
    switch (random.int(8)) {
      case 0:
        return json("json: random bytes", random.bytes(random.int(64)));
      case 1:
        return json("json: not json", randomText(40));
      case 2:
        return json(
          "json: truncated",
          `{"${someName()}": "${randomText(8)}`.slice(0, 1 + random.int(20)),
        );
      case 3:
        return json(
          "json: wrong types",
          JSON.stringify({
            [someName()]: random.pick([5, true, [], {}, null, "x", -1e300, "NaN"]),
            [someName()]: random.pick([{ a: 1 }, [1, 2], "99999999999999999999999", 3.5]),
          }),
        );
      case 4:
        return json("json: deep", `{"${someName()}": ${deepJson(nestingDepth, random)}}`);
      case 5:
        return json(
          "json: huge string",
          `{"${someName()}": "${"w".repeat(maxRequestBytes + random.int(64) - 32)}"}`,
        );
      case 6:
        return json("json: not an object", random.pick(["[]", "null", "1", '"x"', "true", ""]));
      default:
        return json(
          "json: invalid escapes",
          `{"${someName()}": "\\ud800\\u00zz${randomText(4)}", "${someName()}": "${random.pick(vocabulary.threadIds)}"}`,
        );
    }
  };

  const grpcCase = (strategy: string, payload: Uint8Array): FuzzCase => ({
    transport: "grpc",
    strategy,
    body: grpcFrame(payload),
    headers: {},
  });

  return {
    /** The next request for `method`. */
    next(method: DescMethod): FuzzCase {
      const input = method.input;
      const roll = random.next();
      if (roll < 0.42) return grpcCase("message: random fields", messageBytes(input, 0));
      if (roll < 0.57)
        return grpcCase("message: mutated bytes", mutateBytes(messageBytes(input, 0)));
      if (roll < 0.63) return grpcCase("random bytes", random.bytes(random.int(128)));
      if (roll < 0.7) return grpcCase("nested 10 000 deep", deepMessage(input));
      if (roll < 0.74) return grpcCase("huge string", hugeStringMessage(input));
      // Bidi streaming needs HTTP/2, so Connect over HTTP/1.1 is only for the others.
      if (roll < 0.86 || method.methodKind === "bidi_streaming") {
        return brokenFraming(messageBytes(input, 0));
      }
      return connectJson(input);
    },
  };
}

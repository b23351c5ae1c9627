import {
  type DescMessage,
  fromBinary,
  fromJsonString,
  type MessageShape,
  toBinary,
  toJsonString,
} from "@bufbuild/protobuf";
import type { UIMessage } from "ai";
import { describe, expect, test } from "vitest";
import {
  MessagePartSchema,
  MessageSchema,
  UIMessageChunkSchema,
} from "../gen/durable_agents/v1/message_pb.js";
import { protoToUIChunk, uiChunkToProto } from "./ui-chunk.js";
import { protoToUIMessage, uiMessageToProto } from "./ui-message.js";
import { protoToUIPart, uiPartToProto } from "./ui-part.js";
import type { UIChunk, UIPart } from "./ui-types.js";

/**
 * Property tests: many random AI SDK parts, chunks and messages, in every state and with any mix
 * of optional fields, must come back identical directly, through binary protobuf and through
 * protobuf JSON. The generator is seeded, so every run checks the same cases and a failure names
 * the seed that reproduces it.
 */

const CASES = 600;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** mulberry32: a small, well-distributed seeded PRNG. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXT_PIECES = ["a", "Oslo", " ", "é", "🙂", "\n", '"', "\\", "中文", "0", "-", "<b>", ""];
const KEY_PIECES = ["a", "b", "city", "items", "x_y", "Key", "ü", "type", "id", "1"];

class Arbitrary {
  constructor(private readonly random: () => number) {}

  int(bound: number): number {
    return Math.floor(this.random() * bound);
  }

  bool(): boolean {
    return this.random() < 0.5;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) {
      throw new Error("pick from an empty list");
    }
    return item;
  }

  /** maybe gives a value half of the time and `undefined` (the key is left out) otherwise. */
  maybe<T>(make: () => T): T | undefined {
    return this.bool() ? make() : undefined;
  }

  text(): string {
    return Array.from({ length: this.int(6) }, () => this.pick(TEXT_PIECES)).join("");
  }

  name(): string {
    return `${this.pick(["get", "mcp", "x", "my-tool", "a_b"])}${this.int(100)}`;
  }

  number(): number {
    return this.pick([
      () => this.int(1000),
      () => 0 - this.int(1000), // never -0, which JSON cannot carry
      () => this.random() * 1e6,
      () => Number.MAX_SAFE_INTEGER,
      () => 1e-7,
    ])();
  }

  json(depth = 0): Json {
    const leaf = depth >= 3 || this.int(3) > 0;
    if (leaf) {
      return this.pick<() => Json>([
        () => null,
        () => this.bool(),
        () => this.number(),
        () => this.text(),
      ])();
    }
    return this.bool()
      ? Array.from({ length: this.int(4) }, () => this.json(depth + 1))
      : this.jsonObject(depth + 1);
  }

  jsonObject(depth = 0): { [key: string]: Json } {
    const result: { [key: string]: Json } = {};
    for (let index = this.int(4); index > 0; index--) {
      result[`${this.pick(KEY_PIECES)}${this.int(10)}`] = this.json(depth + 1);
    }
    return result;
  }

  providerMetadata(): { [provider: string]: { [key: string]: Json } } {
    const result: { [provider: string]: { [key: string]: Json } } = {};
    for (let index = this.int(3); index > 0; index--) {
      result[this.pick(["openai", "anthropic", "google", "local"])] = this.jsonObject(1);
    }
    return result;
  }
}

/** defined drops keys the generator left undefined: they stand for "key absent". */
function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Now and then a key a future AI SDK might add, which must survive too. */
function withFutureKey(a: Arbitrary, record: Record<string, unknown>): Record<string, unknown> {
  return a.int(10) === 0 ? { ...record, futureField: a.json() } : record;
}

const TOOL_STATES = [
  "input-streaming",
  "input-available",
  "approval-requested",
  "approval-responded",
  "output-available",
  "output-error",
  "output-denied",
] as const;

function approval(a: Arbitrary, approved: boolean | undefined): Record<string, unknown> {
  return defined({
    id: `approval_${a.int(100)}`,
    approved,
    descriptor: a.maybe(() => a.json()),
    reason: approved === undefined ? undefined : a.maybe(() => a.text()),
    signature: a.maybe(() => a.text()),
    inputSchemaInput: a.maybe(() => a.json()),
  });
}

function toolStateFields(a: Arbitrary, state: (typeof TOOL_STATES)[number]) {
  switch (state) {
    case "input-streaming":
      return {
        input: a.maybe(() => a.json()),
        rawInput: a.maybe(() => a.text()),
        inputEncoding: a.maybe(() => a.pick(["json", "text"])),
      };
    case "input-available":
      return { input: a.json() };
    case "approval-requested":
      return { input: a.json(), approval: approval(a, undefined) };
    case "approval-responded":
      return { input: a.json(), approval: approval(a, a.bool()) };
    case "output-available":
      return {
        input: a.json(),
        output: a.json(),
        preliminary: a.maybe(() => a.bool()),
        resultProviderMetadata: a.maybe(() => a.providerMetadata()),
        approval: a.maybe(() => approval(a, true)),
      };
    case "output-error":
      return {
        input: a.maybe(() => a.json()),
        rawInput: a.maybe(() => a.json()),
        errorText: a.text(),
        resultProviderMetadata: a.maybe(() => a.providerMetadata()),
        approval: a.maybe(() => approval(a, true)),
      };
    case "output-denied":
      return { input: a.json(), approval: approval(a, false) };
  }
}

function toolPart(a: Arbitrary): Record<string, unknown> {
  const state = a.pick(TOOL_STATES);
  const identity = a.bool()
    ? { type: "dynamic-tool", toolName: a.name(), dynamic: a.maybe(() => false) }
    : { type: `tool-${a.name()}` };
  return defined({
    ...identity,
    toolCallId: `call_${a.int(1000)}`,
    title: a.maybe(() => a.text()),
    toolMetadata: a.maybe(() => a.jsonObject()),
    providerExecuted: a.maybe(() => a.bool()),
    state,
    callProviderMetadata: a.maybe(() => a.providerMetadata()),
    ...toolStateFields(a, state),
  });
}

function part(a: Arbitrary): UIPart {
  const streamState = () => a.maybe(() => a.pick(["streaming", "done"]));
  const metadata = () => a.maybe(() => a.providerMetadata());
  const makers: Array<() => Record<string, unknown>> = [
    () => ({ type: "text", text: a.text(), state: streamState(), providerMetadata: metadata() }),
    () => ({
      type: "reasoning",
      id: a.maybe(() => a.text()),
      text: a.text(),
      state: streamState(),
      providerMetadata: metadata(),
    }),
    () => ({ type: "step-start" }),
    () => ({
      type: "source-url",
      sourceId: a.text(),
      url: `https://example.com/${a.int(100)}`,
      title: a.maybe(() => a.text()),
      providerMetadata: metadata(),
    }),
    () => ({
      type: "source-document",
      sourceId: a.text(),
      mediaType: a.pick(["application/pdf", "text/plain"]),
      title: a.text(),
      filename: a.maybe(() => a.text()),
      providerMetadata: metadata(),
    }),
    () => ({
      type: "file",
      mediaType: "image/png",
      filename: a.maybe(() => a.text()),
      url: "data:image/png;base64,AA==",
      providerMetadata: metadata(),
    }),
    () => ({ type: `data-${a.name()}`, id: a.maybe(() => a.text()), data: a.json() }),
    () => toolPart(a),
    () => toolPart(a),
    () => ({ type: `future-${a.name()}`, payload: a.json() }),
  ];
  return withFutureKey(a, defined(a.pick(makers)())) as UIPart;
}

function chunk(a: Arbitrary): UIChunk {
  const metadata = () => a.maybe(() => a.providerMetadata());
  const toolFields = () => ({
    toolCallId: `call_${a.int(1000)}`,
    providerExecuted: a.maybe(() => a.bool()),
    providerMetadata: metadata(),
    toolMetadata: a.maybe(() => a.jsonObject()),
    dynamic: a.maybe(() => a.bool()),
  });
  const makers: Array<() => Record<string, unknown>> = [
    () => ({
      type: a.pick(["text-start", "text-end", "reasoning-start", "reasoning-end"]),
      id: a.text(),
      providerMetadata: metadata(),
    }),
    () => ({
      type: a.pick(["text-delta", "reasoning-delta"]),
      id: a.text(),
      delta: a.text(),
      providerMetadata: metadata(),
    }),
    () => ({ type: "error", errorText: a.text() }),
    () => ({
      type: "tool-input-start",
      ...toolFields(),
      toolName: a.name(),
      inputEncoding: a.maybe(() => a.pick(["json", "text"])),
      title: a.maybe(() => a.text()),
    }),
    () => ({ type: "tool-input-delta", toolCallId: a.text(), inputTextDelta: a.text() }),
    () => ({
      type: "tool-input-available",
      ...toolFields(),
      toolName: a.name(),
      input: a.json(),
      title: a.maybe(() => a.text()),
    }),
    () => ({
      type: "tool-input-error",
      ...toolFields(),
      toolName: a.name(),
      input: a.json(),
      errorText: a.text(),
      title: a.maybe(() => a.text()),
    }),
    () => ({
      type: "tool-approval-request",
      approvalId: a.text(),
      toolCallId: a.text(),
      approvalDescriptor: a.maybe(() => a.json()),
      inputSchemaInput: a.maybe(() => a.json()),
      signature: a.maybe(() => a.text()),
    }),
    () => ({
      type: "tool-output-available",
      ...toolFields(),
      output: a.json(),
      preliminary: a.maybe(() => a.bool()),
    }),
    () => ({ type: "tool-output-error", ...toolFields(), errorText: a.text() }),
    () => ({ type: "tool-output-denied", toolCallId: a.text() }),
    () => ({
      type: "source-url",
      sourceId: a.text(),
      url: a.text(),
      title: a.maybe(() => a.text()),
      providerMetadata: metadata(),
    }),
    () => ({
      type: "source-document",
      sourceId: a.text(),
      mediaType: a.text(),
      title: a.text(),
      filename: a.maybe(() => a.text()),
      providerMetadata: metadata(),
    }),
    () => ({ type: "file", url: a.text(), mediaType: a.text(), providerMetadata: metadata() }),
    () => ({
      type: `data-${a.name()}`,
      id: a.maybe(() => a.text()),
      data: a.json(),
      transient: a.maybe(() => a.bool()),
    }),
    () => ({ type: a.pick(["start-step", "finish-step"]) }),
    () => ({
      type: "start",
      messageId: a.maybe(() => a.text()),
      messageMetadata: a.maybe(() => a.json()),
    }),
    () => ({
      type: "finish",
      finishReason: a.maybe(() =>
        a.pick(["stop", "length", "content-filter", "tool-calls", "error", "other"]),
      ),
      messageMetadata: a.maybe(() => a.json()),
    }),
    () => ({ type: "abort", reason: a.maybe(() => a.text()) }),
    () => ({ type: "message-metadata", messageMetadata: a.json() }),
    () => ({ type: `future-${a.name()}`, payload: a.json() }),
  ];
  return withFutureKey(a, defined(a.pick(makers)())) as UIChunk;
}

function message(a: Arbitrary): UIMessage {
  const value: UIMessage = {
    id: `msg_${a.int(1e6)}`,
    role: a.pick(["system", "user", "assistant"] as const),
    parts: Array.from({ length: a.int(6) }, () => part(a)),
  };
  if (a.bool()) {
    value.metadata = a.json();
  }
  return a.int(10) === 0 ? Object.assign(value, { futureField: a.json() }) : value;
}

function throughBinary<Desc extends DescMessage>(
  schema: Desc,
  proto: MessageShape<Desc>,
): MessageShape<Desc> {
  return fromBinary(schema, toBinary(schema, proto));
}

function throughJson<Desc extends DescMessage>(
  schema: Desc,
  proto: MessageShape<Desc>,
): MessageShape<Desc> {
  return fromJsonString(schema, toJsonString(schema, proto));
}

/** forEachCase runs `check` on CASES generated values, naming the seed in every failure. */
function forEachCase<T>(generate: (a: Arbitrary) => T, check: (value: T, seed: string) => void) {
  for (let seed = 1; seed <= CASES; seed++) {
    check(generate(new Arbitrary(createRandom(seed))), `seed ${seed}`);
  }
}

describe("random parts", () => {
  test("round-trip directly", () => {
    forEachCase(part, (value, seed) => {
      expect(protoToUIPart(uiPartToProto(value)), seed).toStrictEqual(value);
    });
  });

  test("round-trip through binary protobuf", () => {
    forEachCase(part, (value, seed) => {
      const proto = throughBinary(MessagePartSchema, uiPartToProto(value));
      expect(protoToUIPart(proto), seed).toStrictEqual(value);
    });
  });

  test("round-trip through protobuf JSON", () => {
    forEachCase(part, (value, seed) => {
      const proto = throughJson(MessagePartSchema, uiPartToProto(value));
      expect(protoToUIPart(proto), seed).toStrictEqual(value);
    });
  });

  test("only unknown part types fall back to `other`", () => {
    forEachCase(part, (value, seed) => {
      const isKnown = !value.type.startsWith("future-");
      expect(uiPartToProto(value).part.case !== "other", seed).toBe(isKnown);
    });
  });
});

describe("random chunks", () => {
  test("round-trip directly", () => {
    forEachCase(chunk, (value, seed) => {
      expect(protoToUIChunk(uiChunkToProto(value)), seed).toStrictEqual(value);
    });
  });

  test("round-trip through binary protobuf", () => {
    forEachCase(chunk, (value, seed) => {
      const proto = throughBinary(UIMessageChunkSchema, uiChunkToProto(value));
      expect(protoToUIChunk(proto), seed).toStrictEqual(value);
    });
  });

  test("round-trip through protobuf JSON", () => {
    forEachCase(chunk, (value, seed) => {
      const proto = throughJson(UIMessageChunkSchema, uiChunkToProto(value));
      expect(protoToUIChunk(proto), seed).toStrictEqual(value);
    });
  });

  test("only unknown chunk types fall back to `other`", () => {
    forEachCase(chunk, (value, seed) => {
      const isKnown = !value.type.startsWith("future-");
      expect(uiChunkToProto(value).chunk.case !== "other", seed).toBe(isKnown);
    });
  });
});

describe("random messages", () => {
  test("round-trip through binary protobuf and protobuf JSON", () => {
    forEachCase(message, (value, seed) => {
      const proto = uiMessageToProto(value, { threadId: "t", committedSeq: 3 });
      expect(protoToUIMessage(throughBinary(MessageSchema, proto)), seed).toStrictEqual(value);
      expect(protoToUIMessage(throughJson(MessageSchema, proto)), seed).toStrictEqual(value);
    });
  });
});

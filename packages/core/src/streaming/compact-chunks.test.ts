import type { UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { compactChunks } from "./compact-chunks.js";

const providerMetadata = { anthropic: { signature: "sig" } };

describe("compactChunks (B5)", () => {
  it.each<{ name: string; chunks: UIMessageChunk[]; expected: UIMessageChunk[] }>([
    { name: "an empty batch stays empty", chunks: [], expected: [] },
    {
      name: "adjacent text-deltas of the same id are joined",
      chunks: [
        { type: "text-delta", id: "t1", delta: "Hel" },
        { type: "text-delta", id: "t1", delta: "lo" },
        { type: "text-delta", id: "t1", delta: "!" },
      ],
      expected: [{ type: "text-delta", id: "t1", delta: "Hello!" }],
    },
    {
      name: "adjacent reasoning-deltas of the same id are joined",
      chunks: [
        { type: "reasoning-delta", id: "r1", delta: "think" },
        { type: "reasoning-delta", id: "r1", delta: "ing" },
      ],
      expected: [{ type: "reasoning-delta", id: "r1", delta: "thinking" }],
    },
    {
      name: "text-deltas of different ids are not joined",
      chunks: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "text-delta", id: "t2", delta: "b" },
      ],
      expected: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "text-delta", id: "t2", delta: "b" },
      ],
    },
    {
      name: "a text-delta and a reasoning-delta of the same id are not joined",
      chunks: [
        { type: "reasoning-delta", id: "x", delta: "a" },
        { type: "text-delta", id: "x", delta: "b" },
      ],
      expected: [
        { type: "reasoning-delta", id: "x", delta: "a" },
        { type: "text-delta", id: "x", delta: "b" },
      ],
    },
    {
      name: "text-deltas separated by another chunk are not joined",
      chunks: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "reasoning-delta", id: "r1", delta: "r" },
        { type: "text-delta", id: "t1", delta: "b" },
      ],
      expected: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "reasoning-delta", id: "r1", delta: "r" },
        { type: "text-delta", id: "t1", delta: "b" },
      ],
    },
    {
      name: "a text-end between deltas of the same id keeps them apart",
      chunks: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "text-end", id: "t1" },
        { type: "text-delta", id: "t1", delta: "b" },
      ],
      expected: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "text-end", id: "t1" },
        { type: "text-delta", id: "t1", delta: "b" },
      ],
    },
    {
      name: "tool-input-delta chunks are dropped by default",
      chunks: [
        { type: "tool-input-start", toolCallId: "c1", toolName: "get_weather" },
        { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '{"loc' },
        { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '":"Oslo"}' },
        {
          type: "tool-input-available",
          toolCallId: "c1",
          toolName: "get_weather",
          input: { loc: "Oslo" },
        },
      ],
      expected: [
        { type: "tool-input-start", toolCallId: "c1", toolName: "get_weather" },
        {
          type: "tool-input-available",
          toolCallId: "c1",
          toolName: "get_weather",
          input: { loc: "Oslo" },
        },
      ],
    },
    {
      name: "text-deltas separated only by a dropped tool-input-delta become adjacent and join",
      chunks: [
        { type: "text-delta", id: "t1", delta: "a" },
        { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: "{" },
        { type: "text-delta", id: "t1", delta: "b" },
      ],
      expected: [{ type: "text-delta", id: "t1", delta: "ab" }],
    },
    {
      name: "provider metadata is removed from every chunk that carries it",
      chunks: [
        { type: "text-start", id: "t1", providerMetadata },
        { type: "text-end", id: "t1", providerMetadata },
        { type: "reasoning-start", id: "r1", providerMetadata },
        { type: "reasoning-end", id: "r1", providerMetadata },
        {
          type: "tool-input-start",
          toolCallId: "c1",
          toolName: "search",
          providerExecuted: true,
          providerMetadata,
        },
        {
          type: "tool-input-error",
          toolCallId: "c1",
          toolName: "search",
          input: 1,
          errorText: "bad",
          providerMetadata,
        },
        { type: "tool-output-available", toolCallId: "c1", output: "ok", providerMetadata },
        { type: "tool-output-error", toolCallId: "c2", errorText: "no", providerMetadata },
        { type: "source-url", sourceId: "s1", url: "https://x.test", providerMetadata },
        {
          type: "source-document",
          sourceId: "s2",
          mediaType: "text/plain",
          title: "Doc",
          providerMetadata,
        },
        { type: "file", url: "https://x.test/a.png", mediaType: "image/png", providerMetadata },
      ],
      expected: [
        { type: "text-start", id: "t1" },
        { type: "text-end", id: "t1" },
        { type: "reasoning-start", id: "r1" },
        { type: "reasoning-end", id: "r1" },
        { type: "tool-input-start", toolCallId: "c1", toolName: "search", providerExecuted: true },
        {
          type: "tool-input-error",
          toolCallId: "c1",
          toolName: "search",
          input: 1,
          errorText: "bad",
        },
        { type: "tool-output-available", toolCallId: "c1", output: "ok" },
        { type: "tool-output-error", toolCallId: "c2", errorText: "no" },
        { type: "source-url", sourceId: "s1", url: "https://x.test" },
        { type: "source-document", sourceId: "s2", mediaType: "text/plain", title: "Doc" },
        { type: "file", url: "https://x.test/a.png", mediaType: "image/png" },
      ],
    },
    {
      name: "joined deltas carry no provider metadata",
      chunks: [
        { type: "reasoning-delta", id: "r1", delta: "a", providerMetadata },
        { type: "reasoning-delta", id: "r1", delta: "b", providerMetadata },
      ],
      expected: [{ type: "reasoning-delta", id: "r1", delta: "ab" }],
    },
    {
      name: "tool and message metadata are kept: they are not provider metadata",
      chunks: [
        { type: "start", messageId: "m1", messageMetadata: { model: "demo" } },
        {
          type: "tool-input-available",
          toolCallId: "c1",
          toolName: "t",
          input: {},
          toolMetadata: { sensitive: true },
          providerMetadata,
        },
        { type: "message-metadata", messageMetadata: { step: 1 } },
        { type: "finish", finishReason: "stop", messageMetadata: { model: "demo" } },
      ],
      expected: [
        { type: "start", messageId: "m1", messageMetadata: { model: "demo" } },
        {
          type: "tool-input-available",
          toolCallId: "c1",
          toolName: "t",
          input: {},
          toolMetadata: { sensitive: true },
        },
        { type: "message-metadata", messageMetadata: { step: 1 } },
        { type: "finish", finishReason: "stop", messageMetadata: { model: "demo" } },
      ],
    },
    {
      name: "a whole turn keeps every other chunk, in order",
      chunks: [
        { type: "start", messageId: "m1" },
        { type: "start-step" },
        { type: "reasoning-start", id: "r1" },
        { type: "reasoning-delta", id: "r1", delta: "Let me " },
        { type: "reasoning-delta", id: "r1", delta: "check." },
        { type: "reasoning-end", id: "r1" },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Checking" },
        { type: "text-delta", id: "t1", delta: "..." },
        { type: "text-end", id: "t1" },
        { type: "data-progress", id: "d1", data: { percent: 50 } },
        { type: "tool-input-start", toolCallId: "c1", toolName: "get_weather" },
        { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: "{}" },
        { type: "tool-input-available", toolCallId: "c1", toolName: "get_weather", input: {} },
        { type: "tool-approval-request", approvalId: "a1", toolCallId: "c1" },
        { type: "tool-output-denied", toolCallId: "c1" },
        { type: "error", errorText: "boom" },
        { type: "abort", reason: "stopped" },
        { type: "finish-step" },
        { type: "finish", finishReason: "tool-calls" },
      ],
      expected: [
        { type: "start", messageId: "m1" },
        { type: "start-step" },
        { type: "reasoning-start", id: "r1" },
        { type: "reasoning-delta", id: "r1", delta: "Let me check." },
        { type: "reasoning-end", id: "r1" },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Checking..." },
        { type: "text-end", id: "t1" },
        { type: "data-progress", id: "d1", data: { percent: 50 } },
        { type: "tool-input-start", toolCallId: "c1", toolName: "get_weather" },
        { type: "tool-input-available", toolCallId: "c1", toolName: "get_weather", input: {} },
        { type: "tool-approval-request", approvalId: "a1", toolCallId: "c1" },
        { type: "tool-output-denied", toolCallId: "c1" },
        { type: "error", errorText: "boom" },
        { type: "abort", reason: "stopped" },
        { type: "finish-step" },
        { type: "finish", finishReason: "tool-calls" },
      ],
    },
  ])("$name", ({ chunks, expected }) => {
    expect(compactChunks(chunks)).toStrictEqual(expected);
  });

  it.each<{ name: string; includeToolInputDeltas: boolean; expected: UIMessageChunk[] }>([
    {
      name: "includeToolInputDeltas keeps tool-input-deltas, unjoined",
      includeToolInputDeltas: true,
      expected: [
        { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '{"a"' },
        { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: ":1}" },
      ],
    },
    {
      name: "includeToolInputDeltas false drops them",
      includeToolInputDeltas: false,
      expected: [],
    },
  ])("$name", ({ includeToolInputDeltas, expected }) => {
    const chunks: UIMessageChunk[] = [
      { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: '{"a"' },
      { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: ":1}" },
    ];
    expect(compactChunks(chunks, { includeToolInputDeltas })).toStrictEqual(expected);
  });

  it("never mutates the input chunks", () => {
    const chunks: UIMessageChunk[] = [
      { type: "text-delta", id: "t1", delta: "a", providerMetadata },
      { type: "text-delta", id: "t1", delta: "b" },
      { type: "tool-input-delta", toolCallId: "c1", inputTextDelta: "{" },
    ];
    const before = structuredClone(chunks);
    compactChunks(chunks);
    expect(chunks).toStrictEqual(before);
  });
});

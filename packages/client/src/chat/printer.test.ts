// The chat's view and printer fed with WatchThread events as the server sends them: what the
// terminal shows, each thing once, whatever order and repetition the events come in.
import { Writable } from "node:stream";
import { create, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { jsonToProtoValue } from "@durable-agents/core";
import {
  ErrorKind,
  type MessagePartSchema,
  Role,
  StreamStatus,
  ThreadStatus,
  ToolCallStatus,
  ToolKind,
  type UIMessageChunkSchema,
  type WatchThreadResponse,
  WatchThreadResponseSchema,
} from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { ChatOutput } from "./output.js";
import { ChatPrinter } from "./printer.js";
import { ThreadView } from "./thread-view.js";

type EventInit = NonNullable<MessageInitShape<typeof WatchThreadResponseSchema>["event"]>;
type ChunkInit = NonNullable<MessageInitShape<typeof UIMessageChunkSchema>["chunk"]>;
type PartInit = NonNullable<MessageInitShape<typeof MessagePartSchema>["part"]>;

const response = (event: EventInit) => create(WatchThreadResponseSchema, { event });

const threadEvent = (
  status: ThreadStatus,
  version: number,
  retry?: { attempt: number; nextRetryMs: number },
) =>
  response({
    case: "thread",
    value: {
      threadId: "t",
      agent: "demo",
      status,
      version: BigInt(version),
      retryState:
        retry === undefined
          ? undefined
          : {
              attempt: retry.attempt,
              maxAttempts: 3,
              nextRetryTime: timestampFromMs(retry.nextRetryMs),
              kind: ErrorKind.RATE_LIMITED,
              error: "Rate limit reached",
            },
    },
  });

const text = (id: string, delta: string): ChunkInit => ({
  case: "textDelta",
  value: { id, delta },
});

const delta = (streamSeq: number, chunks: ChunkInit[], messageId = "m1") =>
  response({
    case: "delta",
    value: {
      streamId: `s${streamSeq}`,
      streamSeq: BigInt(streamSeq),
      messageId,
      chunks: chunks.map((chunk) => ({ chunk })),
    },
  });

const textPart = (value: string): PartInit => ({ case: "text", value: { text: value } });

const message = (role: Role, committedSeq: number, parts: PartInit[], messageId = "m1") =>
  response({
    case: "message",
    value: {
      messageId,
      threadId: "t",
      role,
      committedSeq: BigInt(committedSeq),
      parts: parts.map((part) => ({ part })),
    },
  });

const toolCall = (status: ToolCallStatus, fields: { result?: JsonValue; error?: string } = {}) =>
  response({
    case: "toolCall",
    value: {
      threadId: "t",
      toolCallId: "call_1",
      toolName: "get_weather",
      kind: ToolKind.SYNC,
      args: jsonToProtoValue({ location: "Paris" }),
      status,
      result: fields.result === undefined ? undefined : jsonToProtoValue(fields.result),
      error: fields.error ?? "",
    },
  });

const streamAborted = (streamSeq: number) =>
  response({
    case: "streamState",
    value: {
      streamId: `s${streamSeq}`,
      streamSeq: BigInt(streamSeq),
      status: StreamStatus.ABORTED,
      abortReason: "stopSignal",
    },
  });

/** A view and a printer writing to a string, as the chat wires them. */
function screen(now = 0) {
  let written = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  });
  const view = new ThreadView();
  const printer = new ChatPrinter(new ChatOutput(stream, { color: false }), () => now);
  return {
    view,
    printer,
    apply(...events: WatchThreadResponse[]) {
      for (const event of events) {
        view.apply(event);
        printer.render(view.view());
      }
    },
    text: () => written,
  };
}

describe("chat view and printer", () => {
  it("X1 prints streamed text as it comes and not again when the message is committed", () => {
    const chat = screen();
    chat.apply(delta(1, [text("t1", "You ")]));
    expect(chat.text()).toBe("You ");
    chat.apply(delta(1, [text("t1", "said: hi")]));
    chat.apply(message(Role.ASSISTANT, 1, [textPart("You said: hi")]));
    chat.apply(threadEvent(ThreadStatus.COMPLETED, 5));
    expect(chat.text()).toBe("You said: hi");
    expect(chat.view.view().messages).toEqual([
      { messageId: "m1", role: "assistant", parts: [{ type: "text", text: "You said: hi" }] },
    ]);
  });

  it("prints the committed rest of a text the deltas had not brought yet", () => {
    const chat = screen();
    chat.apply(delta(1, [text("t1", "You said")]));
    chat.apply(message(Role.ASSISTANT, 1, [textPart("You said: hi")]));
    expect(chat.text()).toBe("You said: hi");
  });

  it("B6 B15 shows a tool call and its result once, whichever source reports them", () => {
    const chat = screen();
    chat.apply(
      toolCall(ToolCallStatus.PENDING),
      toolCall(ToolCallStatus.COMPLETED, { result: { weather: "sunny" } }),
      delta(2, [
        {
          case: "toolOutputAvailable",
          value: {
            toolCallId: "call_1",
            output: jsonToProtoValue({ weather: "sunny" }),
          },
        },
      ]),
      // The next turn continues the same assistant message (a later stream of it).
      delta(3, [text("text_1", "Sunny.")]),
    );
    expect(chat.text()).toBe('⚙ get_weather {"location":"Paris"}\n✓ {"weather":"sunny"}\nSunny.');
    expect(chat.view.view().messages[0]?.parts).toEqual([{ type: "text", text: "Sunny." }]);
  });

  it("shows a failed tool call with its error", () => {
    const chat = screen();
    chat.apply(toolCall(ToolCallStatus.FAILED, { error: "denied" }));
    expect(chat.text()).toBe('⚙ get_weather {"location":"Paris"}\n✗ denied\n');
  });

  it("B9 X8 shows a scheduled retry with its delay, kind and attempt, once", () => {
    const chat = screen(1_000);
    const retrying = threadEvent(ThreadStatus.STREAMING, 4, { attempt: 1, nextRetryMs: 3_000 });
    chat.apply(retrying, retrying);
    expect(chat.text()).toBe("↻ retrying in 2.0 s (rate_limited, attempt 1/3)\n");
  });

  it("X2 shows 'stopped' under the partial answer the server saves after the stop", () => {
    const chat = screen();
    chat.apply(
      delta(1, [text("t1", "You said: one")]),
      threadEvent(ThreadStatus.STOPPED, 6),
      streamAborted(1),
    );
    expect(chat.view.view().awaitingPartial).toBe(true);
    expect(chat.text()).toBe("You said: one");
    chat.apply(message(Role.ASSISTANT, 1, [textPart("You said: one two")]));
    expect(chat.view.view().awaitingPartial).toBe(false);
    expect(chat.text()).toBe("You said: one two\n■ stopped\n");
  });

  it("echoes user messages from elsewhere (history), not the ones typed here", () => {
    const chat = screen();
    chat.printer.expectUserMessage("typed");
    chat.apply(
      message(Role.USER, 0, [textPart("from history")], "u1"),
      message(Role.USER, 0, [textPart("typed")], "u2"),
    );
    expect(chat.text()).toBe("you> from history\n");
  });
});

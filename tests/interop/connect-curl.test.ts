// X4 and the one-port edge (docs/decisions.md): the Connect protocol with JSON over HTTP/1.1,
// spoken by curl with no client library. It creates a thread and reads its messages, reads the
// stored deltas through a server-streaming call, and gets Connect's error format for a mistake.
import { fromBinary } from "@bufbuild/protobuf";
import { googleRpc } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isIdle, waitForThread } from "../support/wait.js";
import {
  type JsonMessage,
  outlineJsonMessages,
  WEATHER_OUTLINE,
} from "./support/conversation-outline.js";
import { assertToolsPresent, onPath, requireTools } from "./support/external-tools.js";
import {
  type InteropServer,
  startInteropServer,
  WEATHER_ANSWER,
  WEATHER_PROMPT,
} from "./support/interop-server.js";
import { runProcess } from "./support/run-process.js";

const requirement = requireTools("the Connect-over-curl interop test", [onPath("curl", "curl")]);

interface CurlResponse {
  status: number;
  httpVersion: string;
  body: Buffer;
}

/** The flag of the end-of-stream message of a Connect streaming response. */
const END_STREAM_FLAG = 0x02;

/** One message of a Connect streaming body: a flag byte, a 4-byte big-endian length, the data. */
function envelope(json: unknown): Buffer {
  const data = Buffer.from(JSON.stringify(json), "utf8");
  const header = Buffer.alloc(5);
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

interface Envelope {
  flags: number;
  json: unknown;
}

function parseEnvelopes(body: Buffer): Envelope[] {
  const messages: Envelope[] = [];
  let offset = 0;
  while (offset < body.length) {
    const flags = body.readUInt8(offset);
    const length = body.readUInt32BE(offset + 1);
    const data = body.subarray(offset + 5, offset + 5 + length);
    if (data.length !== length) throw new Error("a truncated Connect envelope");
    messages.push({ flags, json: JSON.parse(data.toString("utf8")) });
    offset += 5 + length;
  }
  return messages;
}

const asJson = (body: Buffer): unknown => JSON.parse(body.toString("utf8"));

// The proto3 JSON shapes this client reads (lowerCamel names, int64 as strings).
interface JsonThread {
  threadId: string;
  agent: string;
  status?: string;
  seq?: string;
}

interface JsonStreamUpdate {
  delta?: {
    streamSeq?: string;
    deltaSeq?: string;
    messageId?: string;
    chunks?: { textDelta?: { delta?: string } }[];
  };
  streamState?: { streamSeq?: string; status?: string };
  caughtUp?: Record<string, never>;
}

describe.skipIf(requirement.skip)(
  `X4 Connect protocol, JSON over HTTP/1.1, with curl${requirement.titleSuffix}`,
  () => {
    let server: InteropServer | undefined;
    let teardown = new AbortController();

    beforeEach(async () => {
      teardown = new AbortController();
      server = await startInteropServer();
    });

    afterEach(async () => {
      teardown.abort();
      await server?.close();
      server = undefined;
    });

    const started = (): InteropServer => {
      if (server === undefined) throw new Error("the server did not start");
      return server;
    };

    /** POSTs `body` to `/<service>/<method>` with curl over HTTP/1.1. */
    async function post(
      path: string,
      body: string | Buffer,
      contentType = "application/json",
    ): Promise<CurlResponse> {
      assertToolsPresent(requirement);
      const separator = "\n--curl-write-out--";
      const result = await runProcess(
        "curl",
        [
          "--http1.1",
          "--silent",
          "--show-error",
          "--max-time",
          "20",
          "--header",
          `Content-Type: ${contentType}`,
          "--header",
          "Connect-Protocol-Version: 1",
          "--data-binary",
          "@-",
          "--write-out",
          `${separator}%{http_code} %{http_version}`,
          `${started().baseUrl}/${path}`,
        ],
        { input: body, signal: teardown.signal, timeoutMs: 30_000 },
      );
      if (result.exitCode !== 0) throw new Error(`curl failed: ${result.stderr}`);
      const split = result.stdoutBytes.lastIndexOf(separator);
      const [status = "0", httpVersion = ""] = result.stdoutBytes
        .subarray(split + separator.length)
        .toString("utf8")
        .split(" ");
      return { status: Number(status), httpVersion, body: result.stdoutBytes.subarray(0, split) };
    }

    async function createWeatherThread(): Promise<string> {
      const created = await post(
        "durable_agents.v1.ThreadService/CreateThread",
        JSON.stringify({ agent: "demo", prompt: WEATHER_PROMPT }),
      );
      expect(created).toMatchObject({ status: 200, httpVersion: "1.1" });
      const { thread } = asJson(created.body) as { thread: JsonThread };
      expect(thread).toMatchObject({ agent: "demo", seq: "1" });
      await waitForThread(started().streams, thread.threadId, isIdle);
      return thread.threadId;
    }

    it("X4 B1 B6 B15 B19 creates a thread and reads its messages (unary JSON calls)", async () => {
      const threadId = await createWeatherThread();

      const got = await post(
        "durable_agents.v1.ThreadService/GetThread",
        JSON.stringify({ threadId }),
      );
      expect(got).toMatchObject({ status: 200, httpVersion: "1.1" });
      expect(asJson(got.body)).toMatchObject({
        thread: { threadId, agent: "demo", status: "THREAD_STATUS_COMPLETED" },
      });

      const listed = await post(
        "durable_agents.v1.ThreadService/ListMessages",
        JSON.stringify({ threadId }),
      );
      expect(listed).toMatchObject({ status: 200, httpVersion: "1.1" });
      const { messages } = asJson(listed.body) as { messages: JsonMessage[] };
      expect(outlineJsonMessages(messages)).toEqual(WEATHER_OUTLINE);
    });

    it("X4 X1 reads the stored deltas with a server-streaming StreamUpdates call", async () => {
      const threadId = await createWeatherThread();

      const response = await post(
        "durable_agents.v1.StreamService/StreamUpdates",
        envelope({ threadId, fromSeq: "1", historyOnly: true }),
        "application/connect+json",
      );
      expect(response).toMatchObject({ status: 200, httpVersion: "1.1" });
      const envelopes = parseEnvelopes(response.body);
      // The call ends by itself after the stored updates (history_only), with an empty trailer.
      expect(envelopes.at(-1)).toEqual({ flags: END_STREAM_FLAG, json: {} });
      const updates = envelopes.slice(0, -1).map((message) => message.json as JsonStreamUpdate);
      expect(updates.at(-1)).toMatchObject({ caughtUp: {} });
      const streamed = updates
        .flatMap((update) => update.delta?.chunks ?? [])
        .map((chunk) => chunk.textDelta?.delta ?? "")
        .join("");
      expect(streamed).toBe(WEATHER_ANSWER);
      expect(
        updates.filter((update) => update.streamState?.status === "STREAM_STATUS_FINISHED"),
      ).not.toHaveLength(0);
    });

    it("X4 maps a mistake to Connect's JSON error (unknown thread → 404 not_found)", async () => {
      const response = await post(
        "durable_agents.v1.ThreadService/GetThread",
        JSON.stringify({ threadId: "01000000-0000-7000-8000-000000000000" }),
      );
      expect(response).toMatchObject({ status: 404, httpVersion: "1.1" });
      expect(asJson(response.body)).toMatchObject({
        code: "not_found",
        message: expect.stringContaining("01000000-0000-7000-8000-000000000000"),
        details: [expect.objectContaining({ type: "google.rpc.ErrorInfo" })],
      });
      // The detail's value is the binary ErrorInfo in base64: its reason is the ErrorReason name.
      const [detail] = (asJson(response.body) as { details: { value: string }[] }).details;
      const errorInfo = fromBinary(
        googleRpc.ErrorInfoSchema,
        Buffer.from(detail?.value ?? "", "base64"),
      );
      expect(errorInfo).toMatchObject({ reason: "THREAD_NOT_FOUND", domain: "durable-agents" });
    });
  },
);

// A fake OpenAI-compatible HTTP server for fault tests (DESIGN §9): a real `node:http` server on
// 127.0.0.1, port 0, speaking the chat-completions API the way `@ai-sdk/openai-compatible` calls it
// (POST /v1/chat/completions with `stream: true`, answered with SSE `data:` lines ending in
// `data: [DONE]`). Each request takes the next planned response from a queue, so a test scripts
// the provider's failures (429 with Retry-After, 5xx, connection resets, 401, context overflow)
// and then reads back every request with its arrival time to check retries and their delays.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";

/** A tool call the fake model makes, streamed in `delta.tool_calls`. */
export interface PlannedToolCall {
  id: string;
  name: string;
  /** The call's arguments as JSON text, as OpenAI sends them. */
  arguments: string;
}

/** Token counts of the `usage` chunk, in OpenAI's names. */
export interface PlannedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** What the fake answers to one request. */
export type PlannedResponse =
  | {
      /** Destroys the connection with a TCP reset once the request is read, before any byte. */
      resetBeforeResponse: true;
    }
  | {
      /** An error status, answered with `body` as JSON (an OpenAI error object by default). */
      status: number;
      headers?: Readonly<Record<string, string>>;
      body?: unknown;
    }
  | {
      /** Text deltas, one SSE chunk each. */
      stream: readonly string[];
      toolCalls?: readonly PlannedToolCall[];
      /** @default "tool_calls" with tool calls, else "stop" */
      finishReason?: string;
      /** The usage chunk; null sends none. @default counts derived from the text */
      usage?: PlannedUsage | null;
      /**
       * Sends the status line, headers and this many text chunks, then resets the connection
       * (no finish reason, no usage, no `[DONE]`).
       */
      resetAfterChunks?: number;
    };

/** A request the fake received. */
export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  /** `performance.now()` when the request's headers arrived (monotonic, ms). */
  receivedAtMs: number;
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** What was answered. */
  response: PlannedResponse;
}

export interface FakeOpenAI {
  /** The base URL a provider is configured with, e.g. http://127.0.0.1:4567/v1. */
  readonly baseURL: string;
  /** Every request received so far, in order of arrival. */
  readonly requests: readonly RecordedRequest[];
  /** Queues responses for the next requests, in order. */
  plan(...responses: PlannedResponse[]): void;
  /** Planned responses not taken yet. */
  pendingCount(): number;
  /** Resolves once `count` requests have arrived; rejects at the deadline. */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly RecordedRequest[]>;
  /** Milliseconds between the arrivals of consecutive requests. */
  gapsMs(): number[];
  close(): Promise<void>;
}

/** The answer when a test planned too few responses: loud, and not a provider error class. */
const UNPLANNED: PlannedResponse = {
  status: 418,
  body: {
    error: { message: "fake-openai: no planned response left", type: "test_error", code: null },
  },
};

/** OpenAI's error body for a status, used when a planned error gives none. */
function defaultErrorBody(status: number): unknown {
  return {
    error: { message: `fake error with status ${status}`, type: "server_error", code: null },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function modelOf(body: unknown): string {
  if (typeof body === "object" && body !== null && "model" in body) {
    const { model } = body;
    if (typeof model === "string") return model;
  }
  return "fake-model";
}

/** Writes and resolves once the data is handed to the socket. */
function write(response: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    response.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/** Resets the connection (RST, not FIN): the client sees ECONNRESET, as from a dropped proxy. */
function resetConnection(socket: Socket): void {
  socket.resetAndDestroy();
}

async function answerStream(
  response: ServerResponse,
  planned: Extract<PlannedResponse, { stream: readonly string[] }>,
  requestIndex: number,
  model: string,
): Promise<void> {
  const id = `chatcmpl-fake-${requestIndex}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (fields: Record<string, unknown>) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, ...fields })}\n\n`;
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  response.flushHeaders();
  for (const [index, text] of planned.stream.entries()) {
    if (planned.resetAfterChunks !== undefined && index >= planned.resetAfterChunks) break;
    const delta = index === 0 ? { role: "assistant", content: text } : { content: text };
    await write(response, chunk({ choices: [{ index: 0, delta, finish_reason: null }] }));
  }
  if (planned.resetAfterChunks !== undefined) {
    resetConnection(response.socket ?? response.req.socket);
    return;
  }
  for (const [index, call] of (planned.toolCalls ?? []).entries()) {
    // The name first, then the arguments in a second delta, as OpenAI streams them.
    const toolDelta = (fields: Record<string, unknown>) =>
      chunk({
        choices: [{ index: 0, delta: { tool_calls: [{ index, ...fields }] }, finish_reason: null }],
      });
    await write(
      response,
      toolDelta({ id: call.id, type: "function", function: { name: call.name, arguments: "" } }),
    );
    await write(response, toolDelta({ function: { arguments: call.arguments } }));
  }
  const finishReason =
    planned.finishReason ?? ((planned.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop");
  await write(response, chunk({ choices: [{ index: 0, delta: {}, finish_reason: finishReason }] }));
  const text = planned.stream.join("");
  const usage =
    planned.usage === undefined
      ? { prompt_tokens: 10, completion_tokens: Math.ceil(text.length / 4) }
      : planned.usage;
  if (usage !== null) {
    // `stream_options.include_usage`: a last chunk with no choices carries the usage.
    await write(
      response,
      chunk({
        choices: [],
        usage: {
          ...usage,
          total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
        },
      }),
    );
  }
  await write(response, "data: [DONE]\n\n");
  response.end();
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  planned: PlannedResponse,
  requestIndex: number,
  model: string,
): Promise<void> {
  if ("resetBeforeResponse" in planned) {
    resetConnection(request.socket);
    return;
  }
  if ("status" in planned) {
    const body = JSON.stringify(planned.body ?? defaultErrorBody(planned.status));
    response.writeHead(planned.status, { "content-type": "application/json", ...planned.headers });
    response.end(body);
    return;
  }
  await answerStream(response, planned, requestIndex, model);
}

export interface FakeOpenAIOptions {
  /**
   * Picks the answer to each request from the request itself (its index and body), for tests
   * whose replies depend on what the model is asked; without it, answers come from `plan`.
   */
  respond?: (request: { index: number; body: unknown }) => PlannedResponse;
}

/** Starts the fake on 127.0.0.1, port 0. Close it after the test. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue: PlannedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    const receivedAtMs = performance.now();
    void (async () => {
      const text = await readBody(request);
      const body = parseJson(text);
      const index = requests.length;
      const planned =
        request.method !== "POST" || request.url !== "/v1/chat/completions"
          ? { status: 404, body: { error: { message: `no route ${request.url}`, type: "test" } } }
          : options.respond !== undefined
            ? options.respond({ index, body })
            : (queue.shift() ?? UNPLANNED);
      requests.push({
        index,
        receivedAtMs,
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body,
        response: planned,
      });
      for (const wake of waiters) wake();
      await answer(request, response, planned, index, modelOf(body));
    })().catch(() => {
      // The client went away mid-answer (a stopped turn aborts its fetch): nothing to answer.
      request.socket.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake-openai: no port");
  const { port } = address;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    plan(...responses) {
      queue.push(...responses);
    },
    pendingCount() {
      return queue.length;
    },
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `fake-openai received ${requests.length} requests, not ${count}, within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    gapsMs() {
      return requests.slice(1).map((request, index) => {
        const previous = requests[index];
        return previous === undefined ? 0 : request.receivedAtMs - previous.receivedAtMs;
      });
    },
    async close() {
      const closed = once(server, "close");
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

// A minimal OpenAI-compatible chat completions server for the crash tests. It runs in the test
// process, so it outlives the server processes the tests kill, and answers each request with the
// reply its script picks: an HTTP error (with headers such as retry-after-ms), streamed text, or a
// streamed tool call. It counts the requests, so a test can prove none was repeated.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export type ScriptedReply =
  | { type: "error"; status: number; headers?: Record<string, string>; body: unknown }
  | { type: "text"; text: string }
  | { type: "tool_call"; toolCallId: string; toolName: string; input: unknown };

/** One chat completions request as the server received it. */
export interface ScriptedRequest {
  /** 0 for the first request, 1 for the second, … */
  index: number;
  body: { messages?: { role?: string }[] } & Record<string, unknown>;
}

export interface ScriptedOpenAI {
  /** The provider's baseURL, ending in /v1. */
  readonly baseURL: string;
  readonly requests: readonly ScriptedRequest[];
  close(): Promise<void>;
}

function sse(response: ServerResponse, chunks: readonly unknown[]): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  for (const chunk of chunks) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  response.end("data: [DONE]\n\n");
}

function completionChunk(index: number, delta: unknown, finishReason: string | null) {
  return {
    id: `chatcmpl-${index}`,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "scripted",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...(finishReason === null
      ? {}
      : { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }),
  };
}

function reply(response: ServerResponse, index: number, scripted: ScriptedReply): void {
  switch (scripted.type) {
    case "error":
      response.writeHead(scripted.status, {
        "content-type": "application/json",
        ...scripted.headers,
      });
      response.end(JSON.stringify(scripted.body));
      return;
    case "text":
      sse(response, [
        completionChunk(index, { role: "assistant", content: "" }, null),
        // Word by word, like a real model.
        ...(scripted.text.match(/\s+|\S+\s*/gu) ?? []).map((word) =>
          completionChunk(index, { content: word }, null),
        ),
        completionChunk(index, {}, "stop"),
      ]);
      return;
    case "tool_call":
      sse(response, [
        completionChunk(
          index,
          {
            role: "assistant",
            tool_calls: [
              {
                index: 0,
                id: scripted.toolCallId,
                type: "function",
                function: { name: scripted.toolName, arguments: JSON.stringify(scripted.input) },
              },
            ],
          },
          null,
        ),
        completionChunk(index, {}, "tool_calls"),
      ]);
      return;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = "";
  request.setEncoding("utf8");
  for await (const chunk of request) text += String(chunk);
  return text;
}

/** Starts the server on a free port of 127.0.0.1; `script` picks the reply to each request. */
export async function startScriptedOpenAI(
  script: (request: ScriptedRequest) => ScriptedReply,
): Promise<ScriptedOpenAI> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== "POST" || request.url !== "/v1/chat/completions") {
        response.writeHead(404).end();
        return;
      }
      const recorded: ScriptedRequest = {
        index: requests.length,
        body: JSON.parse(await readBody(request)) as ScriptedRequest["body"],
      };
      requests.push(recorded);
      reply(response, recorded.index, script(recorded));
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  const { port } = address;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error === undefined ? resolve() : reject(error))),
      );
    },
  };
}

// `durable-agents chat` (issue #6, deliverable 3) driven through a pseudo-terminal against a real
// server on port 0: what a person sees when they chat with the demo agent, answer its approval
// tool, stop a long answer with Ctrl-C and leave with Ctrl-D. Each case checks the screen and the
// conversation the server kept.
import { createServer as createHttp2Server } from "node:http2";
import { protoValueToJson } from "@durable-agents/core";
import { ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { type ChatTerminal, CTRL_C, CTRL_D, ENTER, startChat } from "./chat-terminal.js";

const PROMPT = "you> ";
const TIMEOUT_MS = 30_000;

describe("terminal chat through a pseudo-terminal (issue #6)", () => {
  let server: TestServer | undefined;
  let chat: ChatTerminal | undefined;
  let fake: FakeOpenAI | undefined;
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await chat?.close();
    chat = undefined;
    await proxy?.close();
    proxy = undefined;
    await server?.close();
    server = undefined;
    await fake?.close();
    fake = undefined;
  });

  async function start(
    options: { config?: Record<string, unknown>; args?: readonly string[] } = {},
  ): Promise<{ server: TestServer; chat: ChatTerminal }> {
    server = await startTestServer({ config: options.config });
    chat = startChat(["--url", server.server.url, ...(options.args ?? [])]);
    await chat.waitFor(PROMPT);
    return { server, chat };
  }

  /** The only thread of the server (the chat starts one with its first message). */
  async function onlyThreadId(test: TestServer): Promise<string> {
    const { threads } = await test.threads.listThreads({});
    expect(threads).toHaveLength(1);
    return threads[0]?.threadId ?? "";
  }

  it(
    "B1 B13 X1 shows the demo's streamed echo, then exits with code 0 on Ctrl-D",
    async () => {
      const { server, chat } = await start();

      chat.type(`hello${ENTER}`);
      const answered = await chat.waitFor("You said: hello\n");
      await chat.waitFor(PROMPT, { from: answered });
      chat.type(CTRL_D);

      expect(await chat.exit()).toEqual({ code: 0, signal: null });
      const threadId = await onlyThreadId(server);
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:hello"],
        ["assistant", "text:You said: hello"],
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    "B6 B15 B19 shows the get_weather call, its result and the final sentence, in order",
    async () => {
      const { chat } = await start();

      chat.type(`what is the weather in Paris?${ENTER}`);
      const call = await chat.waitFor('⚙ get_weather {"location":"Paris"}\n');
      const result = await chat.waitFor('✓ {"weather":"sunny","temperature":22}\n', {
        from: call,
      });
      const sentence = await chat.waitFor("The weather in Paris is sunny, 22°C.\n", {
        from: result,
      });
      await chat.waitFor(PROMPT, { from: sentence });

      // Each line once: the committed message repeats what the deltas and tool call showed.
      const screen = chat.screen();
      expect(screen.split("⚙ get_weather").length - 1).toBe(1);
      expect(screen.split("✓ ").length - 1).toBe(1);
      expect(screen.split("The weather in Paris").length - 1).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    "B16 B17 asks to approve the async tool: y sends {approved:true}, n sends the error denied",
    async () => {
      const { server, chat } = await start();

      chat.type(`please approve this${ENTER}`);
      const call = await chat.waitFor('⚙ request_approval {"request":"please approve this"}\n');
      await chat.waitFor("approve? [y/n] ", { from: call });
      chat.type(`y${ENTER}`);
      const approved = await chat.waitFor('Approval result: {"approved":true}\n', { from: call });
      expect(chat.screen().slice(call, approved)).toContain('✓ {"approved":true}\n');
      const prompt = await chat.waitFor(PROMPT, { from: approved });

      chat.type(`approve the second one${ENTER}`);
      const asked = await chat.waitFor("approve? [y/n] ", { from: prompt });
      // An answer that is neither yes nor no is asked again.
      chat.type(`maybe${ENTER}`);
      await chat.waitFor("approve? [y/n] ", { from: asked });
      chat.type(`n${ENTER}`);
      const denied = await chat.waitFor("Approval failed: denied\n", { from: asked });
      expect(chat.screen().slice(asked, denied)).toContain("✗ denied\n");
      await chat.waitFor(PROMPT, { from: denied });

      const threadId = await onlyThreadId(server);
      const { toolCalls } = await server.toolCalls.listToolCalls({ threadId });
      expect(
        toolCalls.map((toolCall) => ({
          name: toolCall.toolName,
          status: toolCall.status,
          result: protoValueToJson(toolCall.result),
          error: toolCall.error,
        })),
      ).toMatchObject([
        {
          name: "request_approval",
          status: ToolCallStatus.COMPLETED,
          result: { approved: true },
          error: "",
        },
        { name: "request_approval", status: ToolCallStatus.FAILED, error: "denied" },
      ]);
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:please approve this"],
        [
          "assistant",
          "tool-request_approval:output-available",
          'text:Approval result: {"approved":true}',
        ],
        ["user", "text:approve the second one"],
        ["assistant", "tool-request_approval:output-error", "text:Approval failed: denied"],
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    "B11 B16 Ctrl-C at the approval question stops the thread and leaves the call pending",
    async () => {
      const { server, chat } = await start();

      chat.type(`please approve this${ENTER}`);
      const asked = await chat.waitFor("approve? [y/n] ");
      chat.type(CTRL_C);
      const stopped = await chat.waitFor("■ stopped\n", { from: asked });
      await chat.waitFor(PROMPT, { from: stopped });

      const threadId = await onlyThreadId(server);
      const { thread } = await server.threads.getThread({ threadId });
      expect(thread).toMatchObject({ status: ThreadStatus.STOPPED, stopSignal: true });
      const { toolCalls } = await server.toolCalls.listToolCalls({ threadId });
      expect(toolCalls.map((call) => [call.toolName, call.status])).toEqual([
        ["request_approval", ToolCallStatus.PENDING],
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    "X1 a dropped connection during an answer is resumed: the whole answer shows once",
    async () => {
      server = await startTestServer({
        config: { providers: { demo: { type: "demo", chunkDelayMs: 10 } } },
      });
      proxy = await startTcpProxy(server.server.url);
      chat = startChat(["--url", proxy.url]);
      await chat.waitFor(PROMPT);
      const words = Array.from({ length: 150 }, (_, index) => `word${index}`).join(" ");
      const fullAnswer = `You said: ${words}`;

      chat.type(`${words}${ENTER}`);
      const streaming = await chat.waitFor("You said: word0 word1 word2");
      expect(proxy.cut()).toBeGreaterThan(0);
      const lost = await chat.waitFor(/connection lost \([^\n]*\); reconnecting…\n/, {
        from: streaming,
      });
      const back = await chat.waitFor("reconnected\n", { from: lost });
      await chat.waitFor(PROMPT, { from: back });
      // The drop came in the middle of the answer.
      expect(chat.screen().indexOf("word149", streaming)).toBeGreaterThan(back);

      // The answer is interrupted only by the two notice lines: no word lost or repeated.
      const answer = chat
        .screen()
        .slice(chat.screen().indexOf("You said: word0"))
        .replace(/\n?connection lost \([^\n]*\); reconnecting…\n/, "")
        .replace(/reconnected\n/, "");
      expect(answer.startsWith(`${fullAnswer}\n${PROMPT}`)).toBe(true);
      const threadId = await onlyThreadId(server);
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", `text:${words}`],
        ["assistant", `text:${fullAnswer}`],
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    "X2 B11 Ctrl-C during a long answer stops the thread, keeps the partial answer and returns to the prompt",
    async () => {
      // 300 words 10 ms apart: the answer takes 3 s, the stop comes after the first words.
      const { server, chat } = await start({
        config: { providers: { demo: { type: "demo", chunkDelayMs: 10 } } },
      });
      const words = Array.from({ length: 300 }, (_, index) => `word${index}`).join(" ");
      const fullAnswer = `You said: ${words}`;

      chat.type(`${words}${ENTER}`);
      const streaming = await chat.waitFor("You said: word0 word1 word2");
      chat.type(CTRL_C);
      const stopped = await chat.waitFor("■ stopped\n", { from: streaming });
      await chat.waitFor(PROMPT, { from: stopped });

      const threadId = await onlyThreadId(server);
      const thread = await waitForThread(server.streams, threadId, isIdle);
      expect(thread).toMatchObject({ status: ThreadStatus.STOPPED, stopSignal: true });
      const messages = await listAllMessages(server.threads, threadId);
      expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
      const partial = textOf(messages[1]);
      expect(partial.startsWith("You said: word0 word1 word2")).toBe(true);
      expect(partial.length).toBeLessThan(fullAnswer.length);
      expect(fullAnswer.startsWith(partial)).toBe(true);
      // The screen shows exactly the partial answer the server kept, then the stop.
      expect(chat.screen()).toContain(`\n${partial}\n■ stopped\n`);
      expect(chat.screen()).not.toContain(fullAnswer);

      chat.type(CTRL_D);
      expect(await chat.exit()).toEqual({ code: 0, signal: null });
    },
    TIMEOUT_MS,
  );

  it(
    "Ctrl-C clears a half-typed line, and on an empty line exits with code 0",
    async () => {
      const { server, chat } = await start();

      chat.type("abc");
      await chat.waitFor(`${PROMPT}abc`);
      chat.type(CTRL_C);
      chat.type(`hi${ENTER}`);
      const answered = await chat.waitFor("You said: hi\n");
      await chat.waitFor(PROMPT, { from: answered });
      chat.type(CTRL_C);

      expect(await chat.exit()).toEqual({ code: 0, signal: null });
      const threadId = await onlyThreadId(server);
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:hi"],
        ["assistant", "text:You said: hi"],
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    "B12 B13 --thread shows the thread so far and continues it",
    async () => {
      server = await startTestServer();
      const created = await server.threads.createThread({ agent: "demo", prompt: "first" });
      const threadId = created.thread?.threadId ?? "";
      await waitForThread(server.streams, threadId, isIdle);

      chat = startChat(["--url", server.server.url, "--thread", threadId]);
      const history = await chat.waitFor(`${PROMPT.trimEnd()} first\nYou said: first\n`);
      const prompt = await chat.waitFor(PROMPT, { from: history });
      chat.type(`second${ENTER}`);
      const answered = await chat.waitFor("You said: second\n", { from: prompt });
      await chat.waitFor(PROMPT, { from: answered });
      chat.type(CTRL_D);

      expect(await chat.exit()).toEqual({ code: 0, signal: null });
      expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
        ["user", "text:first"],
        ["assistant", "text:You said: first"],
        ["user", "text:second"],
        ["assistant", "text:You said: second"],
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    "X5 --token is sent as a bearer token; a refusal is shown and the chat exits with code 1",
    async () => {
      // A bare HTTP/2 server standing in for a server with authentication (issue #7): it records
      // the credentials and refuses every call with UNAUTHENTICATED (a trailers-only response).
      const authorizations: (string | undefined)[] = [];
      const gate = createHttp2Server((request, response) => {
        authorizations.push(request.headers.authorization);
        response.writeHead(200, {
          "content-type": "application/grpc",
          "grpc-status": "16",
          "grpc-message": "invalid token",
        });
        response.end();
      });
      await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
      const address = gate.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      try {
        chat = startChat(["--url", `http://127.0.0.1:${port}`, "--token", "secret-token"]);
        await chat.waitFor('✗ cannot use agent "demo": invalid token\n');
        expect(await chat.exit()).toEqual({ code: 1, signal: null });
        expect(authorizations).toEqual(["Bearer secret-token"]);
      } finally {
        await new Promise<void>((resolve) => gate.close(() => resolve()));
      }
    },
    TIMEOUT_MS,
  );

  /** A chat with `agent`, whose model is a fake OpenAI-compatible server the test scripts. */
  async function startWithFakeProvider(agent: "faulty" | "no-retry") {
    const provider = await startFakeOpenAI();
    fake = provider;
    const started = await start({
      config: {
        providers: {
          demo: { type: "demo", chunkDelayMs: 0 },
          fake: { type: "openai-compatible", baseURL: provider.baseURL, apiKey: "k" },
        },
        agents: [
          {
            name: "faulty",
            model: "fake:gpt-test",
            retry: {
              maxAttempts: 3,
              backoff: {
                strategy: "exponential",
                initialDelayMs: 100,
                multiplier: 2,
                maxDelayMs: 1_000,
                jitter: "none",
              },
            },
          },
          { name: "no-retry", model: "fake:gpt-test", retry: { enabled: false } },
        ],
      },
      args: ["--agent", agent],
    });
    return { ...started, fake: provider };
  }

  it(
    "B9 B22 X8 shows the retry a 429 scheduled, then the answer",
    async () => {
      const { chat, fake } = await startWithFakeProvider("faulty");
      fake.plan(
        {
          status: 429,
          headers: { "retry-after-ms": "300" },
          body: {
            error: {
              message: "Rate limit reached for requests",
              type: "requests",
              code: "rate_limit_exceeded",
            },
          },
        },
        { stream: ["After ", "the wait."] },
      );

      chat.type(`hi${ENTER}`);
      // The delay counts down from the provider's 300 ms by the time the chat hears of it.
      const retrying = await chat.waitFor(
        /↻ retrying in 0\.[0-3] s \(rate_limited, attempt 1\/3\)\n/,
      );
      const answered = await chat.waitFor("After the wait.\n", { from: retrying });
      await chat.waitFor(PROMPT, { from: answered });
      expect(fake.requests).toHaveLength(2);
    },
    TIMEOUT_MS,
  );

  it(
    "B22 X8 shows why a thread failed",
    async () => {
      const { chat, fake } = await startWithFakeProvider("no-retry");
      fake.plan({
        status: 401,
        body: {
          error: {
            message: "Incorrect API key provided: k.",
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        },
      });

      chat.type(`hi${ENTER}`);
      const failed = await chat.waitFor(/✗ failed \(auth\): [^\n]*Incorrect API key provided/);
      await chat.waitFor(PROMPT, { from: failed });
    },
    TIMEOUT_MS,
  );
});

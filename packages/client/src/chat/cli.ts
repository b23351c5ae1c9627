#!/usr/bin/env node
// `durable-agents-chat` (also `durable-agents chat`, which forwards here): the terminal chat.
import { parseChatArgs, USAGE } from "./args.js";
import { createChatBackend } from "./backend.js";
import { runChat } from "./chat.js";

async function main(): Promise<number> {
  const parsed = parseChatArgs(process.argv.slice(2), process.env);
  if (parsed.type === "help") {
    console.log(USAGE);
    return 0;
  }
  if (parsed.type === "error") {
    console.error(`${parsed.message}\n${USAGE}`);
    return 2;
  }
  const { args } = parsed;
  // Killed while readline holds the terminal in raw mode: give the terminal back first.
  process.on("SIGTERM", () => {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.exit(143);
  });
  const backend = createChatBackend({ baseUrl: args.baseUrl, token: args.token });
  return runChat(
    { baseUrl: args.baseUrl, agent: args.agent, threadId: args.threadId },
    backend,
    { input: process.stdin, output: process.stdout },
    // Without a TTY (or from `kill -INT`) Ctrl-C is a signal, not a keypress.
    (interrupt) => process.on("SIGINT", interrupt),
  );
}

main().then(
  // Open HTTP/2 sessions would keep the process alive: leave once the chat is done (runChat
  // flushed its output).
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

// Command line of `durable-agents chat` (DESIGN §5). With no flags it talks to the embedded
// server's default address and starts a thread of the demo agent.
import { parseArgs } from "node:util";

export const DEFAULT_URL = "http://127.0.0.1:7700";
export const DEFAULT_AGENT = "demo";

export const USAGE = `usage: durable-agents chat [--url URL] [--token TOKEN] [--agent NAME] [--thread ID]

  --url URL       the server (default ${DEFAULT_URL})
  --token TOKEN   a bearer token (default: $DURABLE_AGENTS_TOKEN)
  --agent NAME    the agent of a new thread (default ${DEFAULT_AGENT})
  --thread ID     continue this thread instead of starting a new one
  -h, --help      show this help

Type a message and press Enter; the answer streams as it is written. Ctrl-C stops an answer
(StopThread; what was written stays). When the agent waits for an async tool, the chat asks for
its answer (approve? [y/n] for approvals; JSON, or !reason to fail it, otherwise).
Ctrl-D, or Ctrl-C on an empty line, exits.`;

export interface ChatArgs {
  baseUrl: string;
  token: string | undefined;
  agent: string;
  threadId: string | undefined;
}

export type ParsedChatArgs =
  | { type: "run"; args: ChatArgs }
  | { type: "help" }
  | { type: "error"; message: string };

/** `127.0.0.1:7700` → `http://127.0.0.1:7700`; a trailing slash is dropped. */
export function normaliseUrl(url: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  return withScheme.replace(/\/+$/, "");
}

export function parseChatArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedChatArgs {
  let values: {
    url?: string | undefined;
    token?: string | undefined;
    agent?: string | undefined;
    thread?: string | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        token: { type: "string" },
        agent: { type: "string" },
        thread: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error: unknown) {
    return { type: "error", message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { type: "help" };
  for (const name of ["url", "agent", "thread", "token"] as const) {
    if (values[name] === "") return { type: "error", message: `--${name} needs a value` };
  }
  const token = values.token ?? env.DURABLE_AGENTS_TOKEN;
  return {
    type: "run",
    args: {
      baseUrl: normaliseUrl(values.url ?? DEFAULT_URL),
      token: token === "" ? undefined : token,
      agent: values.agent ?? DEFAULT_AGENT,
      threadId: values.thread,
    },
  };
}

// Starting a bench server process (bench-server.ts) and talking to it: gRPC clients on its URL,
// and its memory over IPC.
import { fileURLToPath } from "node:url";
import { clientsFor } from "../support/test-server.js";
import { type ChildScript, startScript } from "./child-process.js";

const serverScript = fileURLToPath(new URL("./bench-server.js", import.meta.url));

/** A bench server's resident memory and V8 heap after a full GC, in bytes. */
export interface MemoryReport {
  rss: number;
  heapUsed: number;
}

export type ServerProcess = ReturnType<typeof clientsFor> & {
  readonly url: string;
  /** Collects garbage in the server, then reports its memory. */
  memory(): Promise<MemoryReport>;
  kill(): Promise<void>;
};

function isMemoryReport(value: unknown): value is MemoryReport {
  return (
    typeof value === "object" &&
    value !== null &&
    "rss" in value &&
    typeof value.rss === "number" &&
    "heapUsed" in value &&
    typeof value.heapUsed === "number"
  );
}

/** The URL of the server's `{ "url": … }` line; undefined for its log lines and partial lines. */
function urlOf(line: string): string | undefined {
  if (!line.startsWith('{"url":')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null && "url" in parsed
      ? String(parsed.url)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a bench server with `config` (as a config file would hold it) once it serves. */
export async function startServerProcess(
  name: string,
  config: Record<string, unknown>,
): Promise<ServerProcess> {
  const child: ChildScript = startScript(name, serverScript, [], {
    nodeArgs: ["--expose-gc"],
    env: { BENCH_SERVER_CONFIG: JSON.stringify(config) },
    ipc: true,
  });
  try {
    await child.waitForLine((line) => urlOf(line) !== undefined, "its URL", 30_000);
  } catch (error: unknown) {
    await child.kill();
    throw error;
  }
  const url = child
    .output()
    .split("\n")
    .map(urlOf)
    .find((found) => found !== undefined);
  if (url === undefined) throw new Error(`${name} printed no URL`);
  return {
    ...clientsFor(url),
    url,
    async memory() {
      const report = await child.request("memory");
      if (!isMemoryReport(report)) throw new Error(`${name} answered ${JSON.stringify(report)}`);
      return report;
    },
    kill: () => child.kill(),
  };
}

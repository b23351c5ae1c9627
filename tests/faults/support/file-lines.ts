// Reading a line-per-event file another process appends to, and waiting on it without sleeping:
// the wait re-reads the file whenever its directory changes, and fails at its deadline.
import { existsSync, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";

/** The file's non-empty lines; none when it does not exist yet. */
export function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

export async function waitForLines(
  path: string,
  accept: (lines: string[]) => boolean,
  timeoutMs = 20_000,
): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const check = () => {
      const lines = readLines(path);
      if (!accept(lines)) return;
      finish();
      resolve(lines);
    };
    const watcher = watch(dirname(path), check);
    const timer = setTimeout(() => {
      finish();
      reject(
        new Error(
          `${path} did not hold the expected lines within ${timeoutMs} ms: ${JSON.stringify(readLines(path))}`,
        ),
      );
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      watcher.close();
    };
    // The lines may already be there before the first change.
    check();
  });
}

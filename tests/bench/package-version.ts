// The installed version of a package, for the peers' figure lines.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

function versionIn(manifestPath: string, name: string): string | undefined {
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (typeof manifest !== "object" || manifest === null || !("name" in manifest)) return undefined;
  return manifest.name === name && "version" in manifest ? String(manifest.version) : undefined;
}

/**
 * The installed version of a package: its package.json, found beside its entry point when its
 * `exports` hide it (DBOS), or directly when it has no entry point (the Restate server).
 */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return versionIn(require.resolve(`${name}/package.json`), name) ?? "unknown";
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifestPath = join(dir, "package.json");
    const version = existsSync(manifestPath) ? versionIn(manifestPath, name) : undefined;
    if (version !== undefined) return version;
  }
  return "unknown";
}

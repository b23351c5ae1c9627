import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/** Each public entry point of a workspace package, mapped to its source file. */
const workspaceEntryPoints: Record<string, string> = {
  "@durable-agents/core": "core/src/index.ts",
  "@durable-agents/core/proto": "core/src/proto.ts",
  "@durable-agents/server": "server/src/index.ts",
  "@durable-agents/client": "client/src/index.ts",
  "@durable-agents/client/react": "client/src/react/index.ts",
  "@durable-agents/tool-runner": "tool-runner/src/index.ts",
};

/**
 * The vitest config every workspace package uses. Workspace packages resolve to their `src` so
 * tests never need a build, and each run leaves a JSON report that `scripts/test-summary.mjs`
 * adds up into the suite's closing line (and its "0 skipped" rule).
 */
export function packageTestConfig(name: string, test: ViteUserConfig["test"] = {}): ViteUserConfig {
  return defineConfig({
    resolve: {
      // Exact matches, so "@durable-agents/core" does not swallow "@durable-agents/core/proto".
      alias: Object.entries(workspaceEntryPoints).map(([specifier, path]) => ({
        find: new RegExp(`^${specifier}$`),
        replacement: source(path),
      })),
    },
    test: {
      name,
      include: ["src/**/*.test.ts"],
      reporters: ["default", ["json", { outputFile: ".vitest-results/results.json" }]],
      ...test,
    },
  });
}

// A resolved server configuration for tests: port 0, a fresh store, the demo model without pauses
// between deltas, and whatever else the test's config file would hold.
import { resolveServerConfig, type ServerConfig } from "@durable-agents/server";

export interface TestConfigInput {
  store: string;
  /** Extra configuration, as a config file would hold it (top-level keys replace the defaults). */
  file?: Record<string, unknown>;
}

export function testConfig(input: TestConfigInput): ServerConfig {
  return resolveServerConfig({
    file: {
      path: "test-config.json",
      data: {
        listen: "127.0.0.1:0",
        store: input.store,
        providers: { demo: { type: "demo", chunkDelayMs: 0 } },
        ...input.file,
      },
    },
    env: {},
    args: {},
  });
}

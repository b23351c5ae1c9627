import { defineConfig } from "vitest/config";

// One root config lists every project, so `vitest` at the root runs the whole suite while each
// package can still run its own tests (`pnpm --filter … test`).
export default defineConfig({
  test: {
    projects: ["packages/*", "tests"],
  },
});

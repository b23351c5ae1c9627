import { fileURLToPath } from "node:url";
import { packageTestConfig } from "../../vitest.shared.js";

/**
 * `pnpm test:faults`: the fault suite alone, its JSON report apart from the package's
 * (`scripts/faults-table.mjs` prints the table from it). The cases mostly wait on processes,
 * timers and leases, so files run four at a time even on two cores. `pnpm test` runs the same
 * files through the package's own config.
 */
export default packageTestConfig("faults", {
  // The tests package, wherever vitest is started from.
  root: fileURLToPath(new URL("..", import.meta.url)),
  include: ["faults/**/*.test.ts"],
  reporters: ["default", ["json", { outputFile: ".vitest-results/faults.json" }]],
  maxWorkers: 4,
});

// Adds up the JSON reports each workspace package's vitest run leaves in .vitest-results/ and
// prints the suite's closing line. Skipped tests are counted and named; under CI they fail the
// run, because CI provides every service a test needs (DESIGN §9).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const projectDirs = [
  ...readdirSync(join(root, "packages")).map((name) => join("packages", name)),
  "tests",
];

const totals = { passed: 0, failed: 0, skipped: 0 };
const skippedTests = [];
for (const dir of projectDirs) {
  const reportPath = join(root, dir, ".vitest-results/results.json");
  if (!existsSync(reportPath)) continue;
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  const skipped = report.numPendingTests + report.numTodoTests;
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += skipped;
  console.log(
    `${dir.padEnd(24)} ${String(report.numPassedTests).padStart(5)} passed ${String(report.numFailedTests).padStart(3)} failed ${String(skipped).padStart(3)} skipped`,
  );
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      if (test.status === "pending" || test.status === "skipped" || test.status === "todo") {
        skippedTests.push(`${dir}: ${test.fullName}`);
      }
    }
  }
}

for (const name of skippedTests) console.warn(`SKIPPED ${name}`);
const failsRun = totals.failed > 0 || (process.env.CI === "true" && totals.skipped > 0);
if (process.env.CI === "true" && totals.skipped > 0) {
  console.error("Tests were skipped under CI, where every service they need must be present.");
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failsRun ? 1 : 0);

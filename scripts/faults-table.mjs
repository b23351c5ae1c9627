// Prints the fault suite's table (DESIGN §9, issue #7) from the JSON report of its vitest run
// (tests/faults/vitest.config.ts, or the tests package's whole report limited to a folder, as
// `pnpm test` does): one row per case with its id, deployment, fault, outcome and
// duration, then the closing "N passed, N failed, N skipped" line. Exits non-zero when a case
// failed or was skipped (a skipped case proves nothing), when a test file did not run, when a
// title is not of the `faultCase()` form (tests/faults/support/fault-case.ts), when two cases
// share an id, or when the suite has fewer cases than issue #7 asks for.
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";

const MIN_CASES = 20;
/** `FAULT-07 embedded: <fault> → <expectation>`, as faultCase() writes it. */
const TITLE = /^(FAULT-\d{2,}) (\w+): (.+?) → (.+)$/u;
const OUTCOMES = { passed: "PASS", failed: "FAIL" };

const reportPath = process.argv[2];
/** Optional: only the report's files below this folder (a whole package's report holds others). */
const onlyUnder = process.argv[3];
if (reportPath === undefined || !existsSync(reportPath)) {
  console.error(`faults-table: no vitest JSON report at ${reportPath ?? "(none given)"}`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportPath, "utf8"));

const rows = [];
const problems = [];
const files =
  onlyUnder === undefined
    ? report.testResults
    : report.testResults.filter(
        (file) => !relative(resolve(onlyUnder), file.name).startsWith(".."),
      );
for (const file of files) {
  const fileName = relative(process.cwd(), file.name);
  if (file.status === "failed" && file.assertionResults.length === 0) {
    problems.push(`${fileName} did not run: ${file.message.split("\n")[0]}`);
  }
  for (const test of file.assertionResults) {
    const match = TITLE.exec(test.title);
    if (match === null) {
      problems.push(`${fileName}: "${test.title}" is not a fault case title (see faultCase())`);
      continue;
    }
    const [, id, deployment, fault, expectation] = match;
    rows.push({
      id,
      deployment,
      fault,
      expectation,
      outcome: OUTCOMES[test.status] ?? "SKIP",
      duration: test.duration === undefined ? "" : `${(test.duration / 1000).toFixed(1)} s`,
      // A case skipped for a missing service says why in its describe title ("… SKIPPED: why").
      note: /SKIPPED: (.+)$/u.exec(test.ancestorTitles.join(" "))?.[1] ?? "",
    });
  }
}
rows.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));

const seen = new Set();
for (const row of rows) {
  if (seen.has(row.id)) problems.push(`${row.id} is used by more than one case`);
  seen.add(row.id);
}
if (rows.length < MIN_CASES) {
  problems.push(`${rows.length} fault cases, fewer than the ${MIN_CASES} issue #7 asks for`);
}

const columns = [
  ["case", (row) => row.id],
  ["deployment", (row) => row.deployment],
  ["fault", (row) => row.fault],
  ["outcome", (row) => row.outcome],
  ["duration", (row) => row.duration, "right"],
  ["expected", (row) => (row.note === "" ? row.expectation : `${row.expectation} (${row.note})`)],
];
const widths = columns.map(([header, cell]) =>
  Math.max(header.length, ...rows.map((row) => cell(row).length)),
);
const line = (cells) =>
  cells
    .map((text, index) =>
      index === cells.length - 1
        ? text
        : columns[index][2] === "right"
          ? text.padStart(widths[index])
          : text.padEnd(widths[index]),
    )
    .join("  ");
console.log("");
console.log(line(columns.map(([header]) => header)));
console.log(line(widths.map((width) => "-".repeat(width))));
for (const row of rows) console.log(line(columns.map(([, cell]) => cell(row))));
console.log("");

for (const problem of problems) console.error(`faults-table: ${problem}`);
const count = (outcome) => rows.filter((row) => row.outcome === outcome).length;
const [passed, failed, skipped] = [count("PASS"), count("FAIL"), count("SKIP")];
console.log(`faults: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || skipped > 0 || problems.length > 0 ? 1 : 0);

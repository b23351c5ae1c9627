// Fails when the committed generated code (packages/core/src/gen) differs from what `buf generate`
// makes from proto/ now: someone changed a .proto without regenerating, or edited generated code.
// It generates into a temporary directory, so it never rewrites the working tree.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const corePackage = join(root, "packages/core");
const committed = join(corePackage, "src/gen");
const scratch = mkdtempSync(join(tmpdir(), "durable-agents-gen-"));

function listFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map((entry) => join(dir, entry.toString()))
    .filter((path) => statSync(path).isFile())
    .map((path) => relative(dir, path))
    .sort();
}

try {
  execFileSync(
    join(corePackage, "node_modules/.bin/buf"),
    ["generate", "../../proto", "--template", "../../proto/buf.gen.yaml", "-o", scratch],
    {
      cwd: corePackage,
      stdio: "inherit",
      // buf finds the protoc-gen-es plugin on PATH, as `pnpm generate` would.
      env: {
        ...process.env,
        PATH: `${join(corePackage, "node_modules/.bin")}:${process.env.PATH}`,
      },
    },
  );
  const fresh = join(scratch, "src/gen");
  const expected = listFiles(fresh);
  const actual = listFiles(committed);
  const problems = [
    ...expected.filter((file) => !actual.includes(file)).map((file) => `missing: ${file}`),
    ...actual.filter((file) => !expected.includes(file)).map((file) => `not generated: ${file}`),
    ...expected
      .filter((file) => actual.includes(file))
      .filter(
        (file) => !readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file))),
      )
      .map((file) => `differs: ${file}`),
  ];
  if (problems.length > 0) {
    console.error("Generated code in packages/core/src/gen is out of date with proto/:");
    for (const problem of problems) console.error(`  ${problem}`);
    console.error("Run `pnpm generate` and commit the result.");
    process.exit(1);
  }
  console.log(`proto drift check: ${expected.length} generated files match proto/`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// STYLE §13: the code in the packages' READMEs runs. Each ```ts block of a package README is
// written to a scratch module and imported; its own assertions decide the test.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const scratchDir = fileURLToPath(new URL("../.readme-snippets", import.meta.url));

function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

const snippets = readdirSync(join(repositoryRoot, "packages")).flatMap((name) => {
  const readme = readFileSync(join(repositoryRoot, "packages", name, "README.md"), "utf8");
  return typescriptBlocks(readme).map((code, index) => ({ name: `${name} #${index + 1}`, code }));
});

describe("README code runs", () => {
  mkdirSync(scratchDir, { recursive: true });
  afterAll(() => rmSync(scratchDir, { recursive: true, force: true }));

  it("finds the snippets", () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it.each(snippets)("$name", async ({ name, code }) => {
    const file = join(scratchDir, `${name.replace(/\W+/g, "-")}.ts`);
    writeFileSync(file, code);
    await import(file);
  });
});

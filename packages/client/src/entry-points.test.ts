// The Node entry (index.ts) and the browser entry (browser.ts) export the same names, and nothing
// the browser entry loads imports a Node module (DESIGN §2: the client runs in browsers too).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as browser from "./browser.js";
import * as node from "./index.js";

const sourceDir = dirname(fileURLToPath(import.meta.url));

/** Every module a source file loads, following relative imports; bare specifiers are reported. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      const specifier = match[1] ?? "";
      if (specifier.startsWith(".")) {
        visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      } else {
        packages.add(specifier);
      }
    }
  };
  visit(join(sourceDir, entry));
  return { files: [...files], packages: [...packages].sort() };
}

describe("entry points", () => {
  it("the browser entry exports exactly the names of the Node entry", () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
  });

  it("the browser entry imports no Node module and not connect-node", () => {
    const { packages } = importGraph("browser.ts");
    expect(
      packages.filter((name) => name.startsWith("node:") || name.includes("connect-node")),
    ).toEqual([]);
    expect(packages).toContain("@connectrpc/connect-web");
  });

  it("only the React entry imports React", () => {
    expect(importGraph("index.ts").packages).not.toContain("react");
    expect(importGraph("browser.ts").packages).not.toContain("react");
    expect(importGraph("react/index.ts").packages).toContain("react");
  });
});

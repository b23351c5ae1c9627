// The programs an interop test needs besides Node (protoc, Python's grpc, curl). Outside CI a test
// whose programs are missing is skipped with a loud reason; under CI (`CI=true`) it always runs,
// because `.ci/run` installs them, so a missing program fails the run instead of hiding it.
import { spawnSync } from "node:child_process";

export interface ExternalTool {
  /** What the test needs, e.g. "protoc". */
  name: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** Whether it is usable on this machine. */
  isPresent(): boolean;
}

/** Whether `command args…` runs and exits 0. */
export function runsCleanly(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 10_000 });
  return result.error === undefined && result.status === 0;
}

/** A program found on PATH (asked through `sh -c 'command -v …'`). */
export const onPath = (name: string, debianPackage: string): ExternalTool => ({
  name,
  debianPackage,
  isPresent: () => runsCleanly("sh", ["-c", `command -v ${name}`]),
});

export const isUnderCi = process.env.CI === "true";

export interface ToolRequirement {
  /** The tools that are missing here. */
  missing: ExternalTool[];
  /** True when the test must be skipped: tools are missing and this is not CI. */
  skip: boolean;
  /** A title suffix that names the skip reason in the suite's summary. */
  titleSuffix: string;
}

/**
 * Checks `tools` once, at collection time. When the test is skipped, the reason is printed loudly
 * and appended to its title, so `scripts/test-summary.mjs` names it among the skipped tests.
 */
export function requireTools(what: string, tools: readonly ExternalTool[]): ToolRequirement {
  const missing = tools.filter((tool) => !tool.isPresent());
  const skip = missing.length > 0 && !isUnderCi;
  if (skip) {
    const packages = [...new Set(missing.map((tool) => tool.debianPackage))].join(" ");
    console.warn(
      `\n*** SKIPPING ${what}: missing ${missing.map((tool) => tool.name).join(", ")}` +
        ` (install with: apt-get install ${packages}). Under CI=true this test runs and fails.\n`,
    );
  }
  return {
    missing,
    skip,
    titleSuffix: skip ? ` [SKIPPED: missing ${missing.map((tool) => tool.name).join(", ")}]` : "",
  };
}

/** Fails with a clear message when a required tool is missing (the CI case). */
export function assertToolsPresent(requirement: ToolRequirement): void {
  if (requirement.missing.length > 0) {
    throw new Error(
      `missing ${requirement.missing.map((tool) => `${tool.name} (Debian package ${tool.debianPackage})`).join(", ")}; .ci/run installs them`,
    );
  }
}

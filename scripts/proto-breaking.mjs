// `buf breaking` against the main branch: a change to proto/ in the working tree or on a branch
// that would break existing clients (renamed or removed field, changed type or number…) fails.
// It is skipped, loudly, only where there is nothing to compare with: no git history, no main
// branch, or a main branch that has no proto/ yet.
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function git(...args) {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function skip(reason) {
  console.warn(`proto breaking check SKIPPED: ${reason}`);
  process.exit(0);
}

if (git("rev-parse", "--is-inside-work-tree") !== "true") skip("not a git checkout");
const mainCommit =
  git("rev-parse", "--verify", "--quiet", "refs/heads/main^{commit}") ??
  git("rev-parse", "--verify", "--quiet", "refs/remotes/origin/main^{commit}");
if (mainCommit === undefined) skip("no main branch to compare with (shallow or detached clone)");
if (git("cat-file", "-e", `${mainCommit}:proto/buf.yaml`) === undefined) {
  skip(`main (${mainCommit.slice(0, 12)}) has no proto/ yet`);
}

execFileSync("buf", ["breaking", "proto", "--against", `.git#ref=${mainCommit},subdir=proto`], {
  cwd: root,
  stdio: "inherit",
});
console.log(`proto breaking check: no breaking change against main (${mainCommit.slice(0, 12)})`);

// The title of a fault case (DESIGN §9, issue #7): one fixed form that `pnpm test:faults`
// (scripts/faults-table.mjs) reads back from vitest's JSON report to print its table, so every
// case says where it runs, what goes wrong and what must hold afterwards.

/** Where a case runs: SQLite in one process, SQLite with NATS runners, or PostgreSQL replicas. */
export type Deployment = "embedded" | "nats" | "postgres";

/**
 * `FAULT-07 embedded: StopThread, then SIGKILL before the stop finished → …`. Ids are unique
 * across the suite; the table script refuses duplicates and titles of any other form.
 */
export function faultCase(
  id: number,
  deployment: Deployment,
  fault: string,
  expectation: string,
): string {
  return `FAULT-${String(id).padStart(2, "0")} ${deployment}: ${fault} → ${expectation}`;
}

// The bench's output. stdout holds only JSON lines: one per figure (with its target and verdict
// when issue #8 sets one), one per figure that could not run here (`skipped`, with the reason),
// one per group of figures that broke (`error`), and a last `summary` line. stderr gets the same
// verdicts in words, and how long each group took. A FAIL verdict is a measurement, not an error:
// only a broken figure makes the bench exit non-zero.
import { performance } from "node:perf_hooks";
import type { Judgement } from "./targets.js";

export type LineValue = string | number | boolean;

/** A figure as printed: its name, its numbers and whatever else explains it. */
export interface FigureLine {
  name: string;
  unit: string;
  n: number;
  [field: string]: LineValue;
}

export interface Report {
  /** Prints a figure; a judgement adds its `target` and `verdict` and counts in the summary. */
  print(figure: FigureLine, judgement?: Judgement): void;
  /** Prints that a figure cannot be measured on this machine, and why. */
  skipped(name: string, reason: string): void;
  /**
   * Runs one group of figures, unless `only` leaves it out. If it throws, an error line names
   * the group and the bench goes on with the next group; the summary counts it and the bench
   * exits non-zero.
   */
  section(name: string, run: () => Promise<void>): Promise<void>;
  /** Prints the summary line; returns whether every group ran. */
  finish(): boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface ReportOptions {
  /** Printed on every line (the Node version, the mode). */
  context: Record<string, LineValue>;
  /** Runs only the groups whose name starts with one of these (`--only=…`); all when unset. */
  only?: readonly string[];
}

export function createReport({ context, only }: ReportOptions): Report {
  const passed: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  const errors: string[] = [];
  const write = (line: Record<string, LineValue | readonly string[]>) =>
    process.stdout.write(`${JSON.stringify({ ...line, ...context })}\n`);

  return {
    print(figure, judgement) {
      if (judgement === undefined) {
        write(figure);
        return;
      }
      write({ ...figure, target: judgement.target, verdict: judgement.verdict });
      (judgement.verdict === "PASS" ? passed : failed).push(figure.name);
      process.stderr.write(
        `bench: ${judgement.verdict} ${figure.name}: ${judgement.target} (measured ${judgement.measured})\n`,
      );
    },
    skipped(name, reason) {
      if (only !== undefined && !only.some((prefix) => name.startsWith(prefix))) return;
      write({ name, skipped: reason });
      skipped.push(name);
      process.stderr.write(`bench: SKIPPED ${name}: ${reason}\n`);
    },
    async section(name, run) {
      if (only !== undefined && !only.some((prefix) => name.startsWith(prefix))) return;
      const startedAt = performance.now();
      try {
        await run();
        const seconds = (performance.now() - startedAt) / 1000;
        process.stderr.write(`bench: ${name} took ${seconds.toFixed(1)} s\n`);
      } catch (error: unknown) {
        write({ name, error: message(error) });
        errors.push(name);
        process.stderr.write(
          `bench: ERROR ${name}: ${error instanceof Error ? error.stack : error}\n`,
        );
      }
    },
    finish() {
      write({
        name: "summary",
        pass: passed.length,
        fail: failed.length,
        skipped: skipped.length,
        errors: errors.length,
        failed,
        ...(skipped.length > 0 ? { skipped_figures: skipped } : {}),
        ...(errors.length > 0 ? { error_sections: errors } : {}),
      });
      process.stderr.write(
        `bench: ${passed.length} PASS, ${failed.length} FAIL, ${skipped.length} skipped, ${errors.length} errors\n`,
      );
      return errors.length === 0;
    },
  };
}

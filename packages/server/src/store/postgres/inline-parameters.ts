// A statement's parameters written into its SQL as literals. A simple query — the only kind that
// can carry several statements to the server in one message — takes no parameters; this is how a
// transaction's BEGIN goes with its first statement (reconnecting-postgres-dialect.ts).
import type { CompiledQuery } from "kysely";
import { escapeLiteral } from "pg";

/**
 * A value as the literal that stands for it. Numbers and booleans are quoted too: a quoted literal
 * has no type until its context gives it one, as an untyped parameter has, so the statement means
 * the same. Undefined for anything node-postgres would not send as plain text.
 */
function toLiteral(value: unknown): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return escapeLiteral(value);
    case "number":
      return Number.isFinite(value) ? `'${value}'` : undefined;
    case "bigint":
    case "boolean":
      return `'${value}'`;
    default:
      return undefined;
  }
}

/**
 * The statement's SQL with `$n` replaced by its parameter as a literal; undefined when a parameter
 * is not a plain value, or when the SQL has quoted text of its own (where a `$n` is not a
 * parameter). The store's statements, built by Kysely, carry every value as a parameter.
 */
export function inlineParameters(query: CompiledQuery): string | undefined {
  if (query.sql.includes("'")) return undefined;
  const literals = query.parameters.map(toLiteral);
  if (literals.includes(undefined)) return undefined;
  let unknownPlaceholder = false;
  const sql = query.sql.replace(/\$(\d+)/gu, (placeholder, index: string) => {
    const literal = literals[Number(index) - 1];
    if (literal === undefined) unknownPlaceholder = true;
    return literal ?? placeholder;
  });
  return unknownPlaceholder ? undefined : sql;
}

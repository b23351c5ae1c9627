// Keyset paging over two columns, the second breaking ties in the first (a page continues after
// the last row of the one before, whatever was inserted meanwhile).
import type {
  ExpressionBuilder,
  ExpressionWrapper,
  OperandValueExpressionOrList,
  ReferenceExpression,
  SqlBool,
} from "kysely";
import type { Database } from "./database.js";

/**
 * The rows past `(first, second)` in the listing's order: strictly after it when both columns
 * ascend ("asc"), strictly before it when both descend ("desc").
 */
export function pastKey<
  TB extends keyof Database,
  First extends ReferenceExpression<Database, TB>,
  Second extends ReferenceExpression<Database, TB>,
>(
  eb: ExpressionBuilder<Database, TB>,
  order: "asc" | "desc",
  [firstColumn, firstValue]: [First, OperandValueExpressionOrList<Database, TB, First>],
  [secondColumn, secondValue]: [Second, OperandValueExpressionOrList<Database, TB, Second>],
): ExpressionWrapper<Database, TB, SqlBool> {
  const past = order === "asc" ? ">" : "<";
  return eb.or([
    eb(firstColumn, past, firstValue),
    eb.and([eb(firstColumn, "=", firstValue), eb(secondColumn, past, secondValue)]),
  ]);
}

// A statement with its parameters written in as literals must mean what it meant with parameters:
// checked on a real PostgreSQL server, column type by column type.
import { CompiledQuery } from "kysely";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-support/test-database.js";
import { inlineParameters } from "./inline-parameters.js";

const INSERT =
  'insert into "samples" ("label", "text", "integer", "big", "real", "flag", "document") ' +
  "values ($1, $2, $3, $4, $5, $6, $7)";

/** Values that need escaping, signs, fractions, a bigint beyond 2^53, nulls and JSON text. */
const VALUE_SETS: unknown[][] = [
  ["it's", "a 'quoted' \\ back\\slash", -42, 9_007_199_254_740_993n, 0.1, true, '{"a":"b\'c"}'],
  ["unicode", "ünïcödé ⏱ \n tab\t", 0, 0n, -1.5e-7, false, "[1,2,3]"],
  ["nulls", null, null, null, null, null, null],
  ["$1 and $2", "$3", 7, 8n, 9, true, '"$4"'],
];

describe("inlineParameters", () => {
  let database: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      'create table "samples" ("label" text, "text" text, "integer" integer, "big" bigint, ' +
        '"real" double precision, "flag" boolean, "document" jsonb)',
    );
  });

  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it("stores the same row as the parameters would, for every column type", async () => {
    for (const values of VALUE_SETS) {
      const inlined = inlineParameters(CompiledQuery.raw(INSERT, values));
      expect(inlined).toBeDefined();
      await client.query(INSERT, values);
      await client.query(inlined ?? "");
    }
    const { rows } = await client.query('select * from "samples" order by "label"');
    expect(rows).toHaveLength(2 * VALUE_SETS.length);
    for (let index = 0; index < rows.length; index += 2) {
      expect(rows[index + 1]).toStrictEqual(rows[index]);
    }
  });

  it("gives a limit and an arithmetic operand the types their context needs", async () => {
    const query = CompiledQuery.raw(
      'select "integer" + $1 as "next" from "samples" where "label" = $2 limit $3',
      [1, "unicode", 1],
    );
    const parameterized = await client.query(query.sql, [...query.parameters]);
    const inlined = await client.query(inlineParameters(query) ?? "");
    expect(inlined.rows).toStrictEqual(parameterized.rows);
    expect(inlined.rows).toStrictEqual([{ next: 1 }]);
  });

  it("leaves a statement with quoted text of its own, or a value that is not plain, as it is", () => {
    expect(inlineParameters(CompiledQuery.raw("select 'x' where $1", [true]))).toBeUndefined();
    for (const value of [new Date(0), Buffer.from("x"), { a: 1 }, [1], undefined, Number.NaN]) {
      expect(inlineParameters(CompiledQuery.raw("select $1", [value]))).toBeUndefined();
    }
    expect(inlineParameters(CompiledQuery.raw("select $2", [1]))).toBeUndefined();
  });
});

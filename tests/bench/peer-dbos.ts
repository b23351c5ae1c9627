// `peer.dbos_tool_loop`: the 2-step tool loop made durable with DBOS Transact, as its docs show a
// durable workflow: a registered workflow whose every step is a `DBOS.runStep` (checkpointed in
// PostgreSQL before the workflow goes on), launched in this process on a fresh database and shut
// down after. Timed from the workflow call to its result, as an application calls a workflow.
import { DBOS } from "@dbos-inc/dbos-sdk";
import { ANSWER_TEXT, createInstantToolLoopModel } from "./instant-model.js";
import { type MeasureOptions, measure, type Sample } from "./measure.js";
import { llmAnswerStep, llmToolCallStep, noopToolStep } from "./peer-steps.js";

/** Measures DBOS's loop on the (empty) database at `databaseUrl`, its system database. */
export async function measureDbosToolLoop(
  databaseUrl: string,
  options: MeasureOptions,
): Promise<Sample> {
  const model = createInstantToolLoopModel();
  const toolLoop = DBOS.registerWorkflow(
    async (prompt: string): Promise<string> => {
      const call = await DBOS.runStep(() => llmToolCallStep(model, prompt), {
        name: "llm tool call",
      });
      const output = await DBOS.runStep(() => noopToolStep(), { name: "tool noop" });
      return DBOS.runStep(() => llmAnswerStep(model, prompt, call, output), {
        name: "llm answer",
      });
    },
    { name: "toolLoop" },
  );
  DBOS.setConfig({
    name: "durable-agents-bench",
    systemDatabaseUrl: databaseUrl,
    logLevel: "warn",
  });
  await DBOS.launch();
  try {
    return await measure(
      options,
      () => undefined,
      async () => {
        const answer = await toolLoop("go");
        if (answer !== ANSWER_TEXT) throw new Error(`DBOS's loop answered ${answer}`);
      },
    );
  } finally {
    await DBOS.shutdown({ deregister: true });
  }
}

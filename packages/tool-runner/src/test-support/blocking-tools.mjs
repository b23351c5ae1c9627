// A module for `durable-agents-runner --module` in the CLI tests: one tool whose handler runs
// until its process dies or the call is aborted. It imports the package by its own name, which
// resolves to the built dist (as a user's module would).
import { defineTool } from "@durable-agents/tool-runner";
import { z } from "zod";

export const hang = defineTool({
  name: "hang",
  description: "Runs until aborted",
  args: z.object({}),
  handler: (_args, { signal }) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    }),
});

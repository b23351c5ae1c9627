// NATS with some tools kept in-process (`nats.localTools`): calls of the tools this process
// serves run in the local transport, every other call goes to runners over NATS. The engine sees
// one ToolTransport either way (DESIGN §2).
import type { ToolTransport } from "../tool-transport.js";

export function withLocalTools(options: {
  local: ToolTransport;
  remote: ToolTransport;
  /** Names of the tools the local transport runs. */
  localToolNames: ReadonlySet<string>;
}): ToolTransport {
  const { local, remote, localToolNames } = options;
  const route = (toolName: string) => (localToolNames.has(toolName) ? local : remote);
  return {
    async start(sink) {
      await local.start(sink);
      await remote.start(sink);
    },
    dispatch: (task, dispatchOptions) => route(task.toolName).dispatch(task, dispatchOptions),
    inProcessRunnerFor: (toolName) => route(toolName).inProcessRunnerFor(toolName),
    cancel: (cancellation) => route(cancellation.toolName).cancel(cancellation),
    isExecutingLocally: (threadId, toolCallId) => local.isExecutingLocally(threadId, toolCallId),
    isInProcessRunner: (runnerId) => local.isInProcessRunner(runnerId),
    async close() {
      await Promise.all([local.close(), remote.close()]);
    },
  };
}

// The NATS names of the runner wire protocol, fixed by the header of
// proto/durable_agents/v1/runner.proto (the contract the servers follow too).

/** The prefix of every subject, stream and consumer name when none is configured. */
export const DEFAULT_PREFIX = "durable_agents";

/** Subject tokens may not hold these; stream names may not either (upper-cased prefix). */
const PREFIX = /^[A-Za-z0-9_-]+$/;

/** The subjects, streams and consumers of one deployment (one prefix). */
export interface ProtocolNames {
  readonly prefix: string;
  /** Stream of ToolTasks, work-queue retention: `<PREFIX>_TOOLS`. */
  readonly toolsStream: string;
  /** Subjects of `toolsStream`: `<prefix>.tools.exec.>`. */
  readonly toolsStreamSubjects: string;
  /** Stream of ToolOutcomes, work-queue retention: `<PREFIX>_OUTCOMES`. */
  readonly outcomesStream: string;
  /** Where runners publish ToolOutcomes: `<prefix>.tools.outcome`. */
  readonly outcomeSubject: string;
  /** Core NATS subject of ToolProgress: `<prefix>.tools.progress`. */
  readonly progressSubject: string;
  /** Core NATS request subject of RegisterToolsRequest: `<prefix>.tools.register`. */
  readonly registerSubject: string;
  /** Where the ToolTasks of one tool are published: `<prefix>.tools.exec.<tool>`. */
  execSubject(toolName: string): string;
  /** The durable pull consumer of one tool, shared by all its runners: `tool_<tool>`. */
  consumerName(toolName: string): string;
  /** Core NATS subject of ToolCancellations of one tool: `<prefix>.tools.cancel.<tool>`. */
  cancelSubject(toolName: string): string;
}

/** Throws a RangeError for a prefix that cannot be a subject token and a stream name part. */
export function protocolNames(prefix: string = DEFAULT_PREFIX): ProtocolNames {
  if (!PREFIX.test(prefix)) {
    throw new RangeError(
      `The NATS prefix must be letters, digits, '_' or '-' (a subject token): "${prefix}"`,
    );
  }
  const streamPrefix = prefix.toUpperCase();
  return {
    prefix,
    toolsStream: `${streamPrefix}_TOOLS`,
    toolsStreamSubjects: `${prefix}.tools.exec.>`,
    outcomesStream: `${streamPrefix}_OUTCOMES`,
    outcomeSubject: `${prefix}.tools.outcome`,
    progressSubject: `${prefix}.tools.progress`,
    registerSubject: `${prefix}.tools.register`,
    execSubject: (toolName) => `${prefix}.tools.exec.${toolName}`,
    consumerName: (toolName) => `tool_${toolName}`,
    cancelSubject: (toolName) => `${prefix}.tools.cancel.${toolName}`,
  };
}

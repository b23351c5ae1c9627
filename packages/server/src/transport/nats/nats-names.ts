// The NATS names of the runner wire protocol (proto/durable_agents/v1/runner.proto is the
// contract) and of the event bus, derived from the configured prefix, so several deployments can
// share one NATS (DESIGN §3).

/** Names of the subjects, streams and consumers of one deployment. */
export interface NatsNames {
  /** The subject prefix, e.g. "durable_agents". */
  readonly prefix: string;
  /** `<PREFIX>_TOOLS`: the work queue of ToolTasks. */
  readonly toolsStream: string;
  /** `<prefix>.tools.exec.>`: every tool's task subject, the subject of {@link toolsStream}. */
  readonly toolTasksWildcard: string;
  /** `<PREFIX>_OUTCOMES`: the work queue of ToolOutcomes. */
  readonly outcomesStream: string;
  /** `<prefix>.tools.outcome`: where runners publish ToolOutcomes. */
  readonly outcomeSubject: string;
  /** The durable consumer of outcomes shared by all servers, and their queue group. */
  readonly serversGroup: "servers";
  /** `<prefix>.tools.progress`: ToolProgress from runners (core NATS). */
  readonly progressSubject: string;
  /** `<prefix>.tools.register`: RegisterToolsRequest from runners (core NATS request). */
  readonly registerSubject: string;
  /** `<prefix>.tools.exec.<tool>`: the tool's ToolTasks. */
  toolTaskSubject(toolName: string): string;
  /** `<prefix>.tools.cancel.<tool>`: ToolCancellations for the tool's runners (core NATS). */
  cancelSubject(toolName: string): string;
  /** `<prefix>.events.<thread>`: a thread's events, between server replicas. */
  threadEventsSubject(threadId: string): string;
}

/**
 * What may stand as one subject token: tool names are limited to these characters anyway
 * (RegisterTools, defineTool), thread ids are UUIDs. A dot, a wildcard or a space would change
 * the subject's meaning.
 */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/u;

export function isSubjectToken(text: string): boolean {
  return SUBJECT_TOKEN.test(text);
}

export function natsNames(prefix: string): NatsNames {
  if (!isSubjectToken(prefix)) throw new RangeError(`invalid NATS prefix "${prefix}"`);
  const upper = prefix.toUpperCase();
  return {
    prefix,
    toolsStream: `${upper}_TOOLS`,
    toolTasksWildcard: `${prefix}.tools.exec.>`,
    outcomesStream: `${upper}_OUTCOMES`,
    outcomeSubject: `${prefix}.tools.outcome`,
    serversGroup: "servers",
    progressSubject: `${prefix}.tools.progress`,
    registerSubject: `${prefix}.tools.register`,
    toolTaskSubject: (toolName) => `${prefix}.tools.exec.${toolName}`,
    cancelSubject: (toolName) => `${prefix}.tools.cancel.${toolName}`,
    threadEventsSubject: (threadId) => `${prefix}.events.${threadId}`,
  };
}

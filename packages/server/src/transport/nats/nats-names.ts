// The NATS names of one deployment: the runner wire protocol's (proto/durable_agents/v1/runner.proto
// is the contract; the tool-runner SDK derives them, so servers and runners cannot disagree) plus
// the servers' own: their queue group and the event bus subjects (DESIGN §3).
import { type ProtocolNames, protocolNames } from "@durable-agents/tool-runner";

export interface NatsNames extends ProtocolNames {
  /** The queue group and durable outcome consumer every server replica shares. */
  readonly serversGroup: "servers";
  /** `<prefix>.events.<thread>`: the event bus subject of one thread (DESIGN §2). */
  threadEventsSubject(threadId: string): string;
}

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/u;

/** Whether `text` can stand as one token of a subject (a thread id or tool name in a subject). */
export function isSubjectToken(text: string): boolean {
  return SUBJECT_TOKEN.test(text);
}

/** @throws RangeError for a prefix that is not a subject token. */
export function natsNames(prefix: string): NatsNames {
  return {
    ...protocolNames(prefix),
    serversGroup: "servers",
    threadEventsSubject: (threadId) => `${prefix}.events.${threadId}`,
  };
}

// Reading a conversation back in a form tests compare exactly.
import type { Client } from "@connectrpc/connect";
import { protoToUIMessage } from "@durable-agents/core";
import type { ThreadService } from "@durable-agents/core/proto";
import type { UIMessage } from "ai";

export async function listAllMessages(
  threads: Client<typeof ThreadService>,
  threadId: string,
): Promise<UIMessage[]> {
  const messages: UIMessage[] = [];
  let pageToken = "";
  do {
    const page = await threads.listMessages({ threadId, pageToken, pageSize: 100 });
    messages.push(...page.messages.map(protoToUIMessage));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return messages;
}

/** The text of a message's text parts, joined. */
export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? [])
    .flatMap((part) => (part.type === "text" ? [part.text] : []))
    .join("");
}

/** A compact view: role, then each part as "text:…", "tool:<name>:<state>", … */
export function outline(messages: readonly UIMessage[]): string[][] {
  return messages.map((message) => [
    message.role,
    ...message.parts.flatMap((part) => {
      if (part.type === "text") return [`text:${part.text}`];
      if (part.type === "step-start") return [];
      if ("toolCallId" in part && "state" in part) return [`${part.type}:${part.state}`];
      return [part.type];
    }),
  ]);
}

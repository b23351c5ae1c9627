// RegisterTools over NATS (runner.proto): a runner that knows only NATS announces its tools with
// a core request on `<prefix>.tools.register`; one server of the queue group `servers` answers
// with a RegisterToolsResponse. A refused request is answered with the NATS services convention:
// an empty body with the headers `Nats-Service-Error` (the message) and `Nats-Service-Error-Code`
// (400 for a bad request, 500 otherwise).
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  type RegisterToolsRequest,
  RegisterToolsRequestSchema,
  type RegisterToolsResponse,
  RegisterToolsResponseSchema,
} from "@durable-agents/core/proto";
import { headers, type Msg, type Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { toConnectError } from "../../rpc/errors.js";
import type { NatsLink } from "./nats-connection.js";
import type { NatsNames } from "./nats-names.js";

/** The header naming why a request was refused (NATS services convention). */
export const SERVICE_ERROR_HEADER = "Nats-Service-Error";
/** The header holding the refused request's status code (NATS services convention). */
export const SERVICE_ERROR_CODE_HEADER = "Nats-Service-Error-Code";

export type RegisterToolsHandler = (
  request: RegisterToolsRequest,
) => Promise<RegisterToolsResponse>;

export interface ToolRegistrations {
  /** Stops answering and waits for the answers in progress. */
  close(): Promise<void>;
}

/** The status a refused registration is answered with, as the RPC would map the error. */
function refusal(error: unknown, logger: Logger): { message: string; code: number } {
  const connectError = toConnectError(error, logger);
  const isClientError =
    connectError.code === Code.InvalidArgument || connectError.code === Code.FailedPrecondition;
  return { message: connectError.rawMessage, code: isClientError ? 400 : 500 };
}

function respondWithError(message: Msg, text: string, code: number): void {
  const errorHeaders = headers();
  errorHeaders.set(SERVICE_ERROR_HEADER, text);
  errorHeaders.set(SERVICE_ERROR_CODE_HEADER, String(code));
  message.respond(new Uint8Array(), { headers: errorHeaders });
}

export function serveToolRegistrations(options: {
  link: NatsLink;
  names: NatsNames;
  logger: Logger;
  register: RegisterToolsHandler;
}): ToolRegistrations {
  const { link, names, logger } = options;
  const answering = new Set<Promise<void>>();

  const answer = async (message: Msg) => {
    let request: RegisterToolsRequest;
    try {
      request = fromBinary(RegisterToolsRequestSchema, message.data);
    } catch (error: unknown) {
      logger.warn({ err: error }, "dropping an unreadable tool registration");
      respondWithError(message, "the request is not a RegisterToolsRequest", 400);
      return;
    }
    try {
      const response = await options.register(request);
      message.respond(toBinary(RegisterToolsResponseSchema, response));
      logger.info(
        { runnerId: request.runnerId, tools: request.tools.map((tool) => tool.name) },
        "runner registered tools",
      );
    } catch (error: unknown) {
      const { message: text, code } = refusal(error, logger);
      respondWithError(message, text, code);
    }
  };

  const subscription: Subscription = link.connection.subscribe(names.registerSubject, {
    queue: names.serversGroup,
    callback: (error, message) => {
      if (error !== null) {
        logger.warn({ err: error }, "tool registration subscription failed");
        return;
      }
      const answered = answer(message).finally(() => answering.delete(answered));
      answering.add(answered);
    },
  });

  return {
    async close() {
      subscription.unsubscribe();
      await Promise.allSettled([...answering]);
    },
  };
}

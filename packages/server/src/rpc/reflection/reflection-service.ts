import type { ConnectRouter } from "@connectrpc/connect";
import { reflectionV1, reflectionV1alpha } from "@durable-agents/core/proto";
import { answerReflectionQuery, type ReflectionQuery } from "./answer-reflection-query.js";
import {
  createDescriptorCatalog,
  type DescriptorCatalog,
  type ServedDescriptors,
} from "./descriptor-catalog.js";
import { takeUntilAborted } from "./take-until-aborted.js";

/**
 * Serves gRPC server reflection, v1 and v1alpha (many clients still ask only v1alpha, or ask it
 * when v1 is refused), describing `served` plus the reflection services themselves.
 */
export function registerServerReflection(router: ConnectRouter, served: ServedDescriptors): void {
  const catalog = createDescriptorCatalog({
    ...served,
    services: [
      ...served.services,
      reflectionV1.ServerReflection,
      reflectionV1alpha.ServerReflection,
    ],
  });
  router.service(reflectionV1.ServerReflection, {
    serverReflectionInfo: (requests, context) => answerEach(catalog, requests, context.signal),
  });
  router.service(reflectionV1alpha.ServerReflection, {
    serverReflectionInfo: (requests, context) => answerEach(catalog, requests, context.signal),
  });
}

/** Answers each request of a `ServerReflectionInfo` stream, in order, until the call ends. */
async function* answerEach<Request extends { host: string; messageRequest: ReflectionQuery }>(
  catalog: DescriptorCatalog,
  requests: AsyncIterable<Request>,
  signal: AbortSignal,
) {
  for await (const request of takeUntilAborted(requests, signal)) {
    yield {
      validHost: request.host,
      originalRequest: request,
      messageResponse: answerReflectionQuery(catalog, request.messageRequest),
    };
  }
}

import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { healthV1 } from "@durable-agents/core/proto";
import type { HealthRegistry } from "./health-registry.js";

/** The standard `grpc.health.v1.Health` service, answering from `registry`. */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof healthV1.Health> {
  return {
    check(request) {
      const status = registry.getStatus(request.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      }
      return { status };
    },
    list() {
      const statuses: Record<string, { status: healthV1.HealthCheckResponse_ServingStatus }> = {};
      for (const [service, status] of registry.statuses()) statuses[service] = { status };
      return { statuses };
    },
    async *watch(request, context) {
      for await (const status of registry.watch(request.service, context.signal)) {
        yield { status };
      }
    },
  };
}

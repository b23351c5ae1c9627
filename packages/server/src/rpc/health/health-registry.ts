import { healthV1 } from "@durable-agents/core/proto";

/** The serving status of a service, as `grpc.health.v1` reports it. */
export type ServingStatus = healthV1.HealthCheckResponse_ServingStatus;
export const ServingStatus = healthV1.HealthCheckResponse_ServingStatus;

/** The name under which the health of the server as a whole is reported. */
export const wholeServer = "";

/** The serving status of each known service; what `grpc.health.v1.Health` reports. */
export interface HealthRegistry {
  /** Sets the status of a service (`wholeServer` for the server); ignored once shut down. */
  setStatus(service: string, status: ServingStatus): void;
  /** The status of a service, or undefined when the service is unknown. */
  getStatus(service: string): ServingStatus | undefined;
  /** Every known service with its status. */
  statuses(): ReadonlyMap<string, ServingStatus>;
  /**
   * The status of a service now, then each change, until `signal` aborts. An unknown service
   * reads SERVICE_UNKNOWN until it is registered. A slow reader gets the latest status, not
   * every intermediate one, as the health protocol allows.
   */
  watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus, void, undefined>;
  /**
   * Marks every service NOT_SERVING and ignores later `setStatus` calls, so load balancers stop
   * routing here while the server drains and no late update can advertise it again.
   */
  enterShutdown(): void;
}

/** Creates a registry in which the whole server starts SERVING. */
export function createHealthRegistry(): HealthRegistry {
  const statuses = new Map<string, ServingStatus>([[wholeServer, ServingStatus.SERVING]]);
  const changeListeners = new Set<(service: string) => void>();
  let isShutDown = false;

  const update = (service: string, status: ServingStatus) => {
    statuses.set(service, status);
    for (const listener of changeListeners) listener(service);
  };

  return {
    setStatus(service, status) {
      if (!isShutDown) update(service, status);
    },
    getStatus: (service) => statuses.get(service),
    statuses: () => new Map(statuses),
    async *watch(service, signal) {
      let wake: (() => void) | undefined;
      const onChange = (changed: string) => {
        if (changed === service) wake?.();
      };
      const onAbort = () => wake?.();
      changeListeners.add(onChange);
      signal.addEventListener("abort", onAbort);
      try {
        let sent: ServingStatus | undefined;
        for (;;) {
          // A change made while the reader was busy is picked up here, so none is lost; and
          // a change made just before the abort (NOT_SERVING at shutdown) is still sent.
          const current = statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
          if (current !== sent) {
            sent = current;
            yield current;
            continue;
          }
          if (signal.aborted) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        changeListeners.delete(onChange);
        signal.removeEventListener("abort", onAbort);
      }
    },
    enterShutdown() {
      isShutDown = true;
      for (const service of statuses.keys()) update(service, ServingStatus.NOT_SERVING);
    },
  };
}

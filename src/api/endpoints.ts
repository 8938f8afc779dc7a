import { Type, type Static } from '@sinclair/typebox';

// Service discovery's wire: what the manager tells every host's DNS server and proxy about where
// each service's replicas are, and what they answer back. The manager keeps one table: per
// service, its virtual IP, its ports and one endpoint per replica task. Every change to the
// table bumps `revision` (one counter for the whole table, so "applied revision R" means every
// change up to R). `epoch` names one manager run: a consumer that sees a new epoch discards
// what it had and takes the snapshot as the whole truth.

/**
 * An endpoint's state. Only `ready` endpoints are ever answered by DNS or sent traffic by a proxy.
 * - `starting`: placed or starting, not yet running (or its health check has not passed yet);
 * - `ready`: running, healthy if it has a health check, and not draining;
 * - `unhealthy`: running, and its health check fails;
 * - `draining`: about to stop (scale down, update, stop, node drain); proxies finish open
 *   connections and send no new ones, DNS no longer lists it.
 */
export type EndpointState = 'starting' | 'ready' | 'unhealthy' | 'draining';

/** A port of a service: the proxy listens on `vip:port`, and forwards to each replica's `port`. */
export interface ServicePortView {
  /** The port's `name` in the template (for SRV `_<name>._tcp`); null when unnamed. */
  name: string | null;
  /** The container port; the virtual IP serves the same port number. */
  port: number;
  /** `http`: TCP on the wire, balanced per request by the proxy. */
  protocol: 'tcp' | 'udp' | 'http';
  /** The port's `balance` in the template; absent: least-conn. */
  balance?: 'least-conn' | 'round-robin';
  /** The port's `proxyProtocol` in the template (tcp only); absent: no PROXY header. */
  proxyProtocol?: 'v1' | 'v2';
}

/** One replica task of a service, as discovery sees it. */
export interface EndpointView {
  taskId: string;
  slot: number;
  version: number;
  nodeId: string | null;
  node: string | null;
  state: EndpointState;
  /** The container's address on the Poseidon bridge network of its host; null until known. */
  address: string | null;
  /** Its published ports (container port, bound host port), for reaching it from another host. */
  ports: Array<{ container: number; host: number; protocol: 'tcp' | 'udp' }>;
}

/** `GET /services/{name}/endpoints`, and each service in the endpoint stream. */
export interface ServiceEndpointsView {
  service: string;
  /** Stable for the life of the service: across updates, scaling and manager restarts. */
  vip: string;
  /** `<service>.svc.poseidon.cluster` and `tasks.<service>.svc.poseidon.cluster` (and SRV names). */
  dnsNames: string[];
  ports: ServicePortView[];
  endpoints: EndpointView[];
  /** The table revision at which this service last changed. */
  revision: number;
}

/**
 * `GET /endpoints/watch` (a node certificate; NDJSON, one message per line). The first message is
 * always a `snapshot`; then `service` (a service added or changed: its whole view) and `removed`.
 * A heartbeat `{ "type": "ping" }` every few seconds keeps idle connections honest. A consumer
 * that reconnects gets a fresh snapshot.
 */
export type EndpointsMessage =
  | { type: 'snapshot'; epoch: string; revision: number; services: ServiceEndpointsView[] }
  | { type: 'service'; epoch: string; revision: number; service: ServiceEndpointsView }
  | { type: 'removed'; epoch: string; revision: number; service: string }
  | { type: 'ping'; epoch: string; revision: number };

/**
 * `POST /endpoints/applied` (a node certificate: the consumer is the node that holds it). A host's
 * proxy and DNS server say which revision they now serve, and, for each draining endpoint they
 * still know, how many connections to it are open. The manager stops a draining replica once every
 * live consumer (one with an open watch) has applied the revision that made it draining and
 * reports no open connection to it, or its drain timeout has passed.
 */
export const EndpointsApplied = Type.Object(
  {
    epoch: Type.String({ minLength: 1, maxLength: 64 }),
    revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    // open connections per draining endpoint (task id); absent or 0 = none left
    draining: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }), {
        maxProperties: 100_000,
      }),
    ),
  },
  { additionalProperties: false },
);
export type EndpointsApplied = Static<typeof EndpointsApplied>;

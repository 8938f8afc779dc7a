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
export const EndpointState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('ready'),
  Type.Literal('unhealthy'),
  Type.Literal('draining'),
]);
export type EndpointState = Static<typeof EndpointState>;

/** A port of a service: the proxy listens on `vip:port`, and forwards to each replica's `port`. */
export const ServicePortView = Type.Object({
  name: Type.Union([Type.String(), Type.Null()], { description: "The port's `name` (SRV); null when unnamed." }),
  port: Type.Integer({ description: 'The container port; the virtual IP serves the same port number.' }),
  protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('http')]),
  balance: Type.Optional(Type.Union([Type.Literal('least-conn'), Type.Literal('round-robin')])),
  proxyProtocol: Type.Optional(Type.Union([Type.Literal('v1'), Type.Literal('v2')])),
});
export type ServicePortView = Static<typeof ServicePortView>;

/** One replica task of a service, as discovery sees it. */
export const EndpointView = Type.Object({
  taskId: Type.String(),
  slot: Type.Integer(),
  version: Type.Integer(),
  nodeId: Type.Union([Type.String(), Type.Null()]),
  node: Type.Union([Type.String(), Type.Null()]),
  state: EndpointState,
  address: Type.Union([Type.String(), Type.Null()], {
    description: "The container's address on the Poseidon bridge network of its host; null until known.",
  }),
  ports: Type.Array(
    Type.Object({
      container: Type.Integer(),
      host: Type.Integer(),
      protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
      hostIp: Type.Optional(
        Type.String({
          description: 'The one host address it is bound on (127.0.0.1); absent: where its worker publishes (--host).',
        }),
      ),
    }),
  ),
  hostId: Type.Optional(
    Type.String({
      description:
        "The machine its node runs on (the worker's --host-id). A proxy on the same machine connects to " +
        '`address` itself; one on another goes through `via`. Absent: not known (an older worker).',
    }),
  ),
  via: Type.Optional(
    Type.String({
      description:
        "Its node's Worker API URL: a proxy on another machine reaches the replica's port through it " +
        '(`GET /tunnel/{taskId}/{port}`, an upgrade, with its own node certificate). Absent from older managers.',
    }),
  ),
  viaNode: Type.Optional(
    Type.String({
      description:
        'The node id the certificate of the worker at `via` names: a proxy opens a tunnel there only to it. ' +
        'Absent for a static worker (`--workers`, known by its URL) and from older managers.',
    }),
  ),
});
export type EndpointView = Static<typeof EndpointView>;

/** `GET /services/{name}/endpoints`, and each service in the endpoint stream. */
export const ServiceEndpointsView = Type.Object({
  service: Type.String(),
  vip: Type.String({ description: 'Stable for the life of the service.' }),
  dnsNames: Type.Array(Type.String()),
  ports: Type.Array(ServicePortView),
  endpoints: Type.Array(EndpointView),
  revision: Type.Integer({ description: 'The table revision at which this service last changed.' }),
});
export type ServiceEndpointsView = Static<typeof ServiceEndpointsView>;

const Epoch = { epoch: Type.String(), revision: Type.Integer() };

/**
 * `GET /endpoints/watch` (a node certificate; NDJSON, one message per line). The first message is
 * always a `snapshot`; then `service` (a service added or changed: its whole view) and `removed`.
 * A heartbeat `{ "type": "ping" }` every few seconds keeps idle connections honest. A consumer
 * that reconnects gets a fresh snapshot.
 */
export const EndpointsMessage = Type.Union([
  Type.Object({ type: Type.Literal('snapshot'), ...Epoch, services: Type.Array(ServiceEndpointsView) }),
  Type.Object({ type: Type.Literal('service'), ...Epoch, service: ServiceEndpointsView }),
  Type.Object({ type: Type.Literal('removed'), ...Epoch, service: Type.String() }),
  Type.Object({ type: Type.Literal('ping'), ...Epoch }),
]);
export type EndpointsMessage = Static<typeof EndpointsMessage>;

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

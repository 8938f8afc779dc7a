import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { EndpointsApplied, EndpointsMessage, ServiceEndpointsView } from '../../api/index.js';
import { NoContent } from '../../http/index.js';
import type { Discovery } from './discovery.js';
import type { WatchStreams } from './watch-streams.js';

const ServiceParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });
/** An applied report names at most this many draining endpoints: well within a node body. */
const APPLIED_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

// Who may call (src/http/access.ts): people and scripts read a service's endpoints with a read
// token; the watch and the applied reports are the hosts', each with its worker certificate.
const READ = { access: 'read' } as const;
const NODE = { access: 'node' } as const;

function nodeOf(req: FastifyRequest): string {
  const identity = req.identity;
  if (identity?.kind !== 'node')
    throw new Error(`${req.routeOptions.url ?? req.url} reached its handler without a node`);
  return identity.nodeId;
}

/** Discovery's routes: a service's endpoints, the endpoint stream, and what a host applied of it. */
export const discoveryRoutes: FastifyPluginAsyncTypebox<{ discovery: Discovery; watches: WatchStreams }> = async (
  app,
  { discovery, watches },
) => {
  app.get(
    '/services/:name/endpoints',
    { config: READ, schema: { params: ServiceParams, response: { 200: ServiceEndpointsView } } },
    async (req) => discovery.endpoints(req.params.name),
  );

  // NDJSON: the snapshot, then each change; a ping every few seconds (src/api/endpoints.ts)
  app.get(
    '/endpoints/watch',
    {
      config: { ...NODE, longLived: true },
      schema: {
        response: {
          200: {
            description: 'A snapshot, then each change and a ping every few seconds: one message a line.',
            content: { 'application/x-ndjson': { schema: EndpointsMessage } },
          },
        },
      },
    },
    async (req, reply) => watches.serve(req, reply, nodeOf(req)),
  );

  // the consumer is the node whose certificate posts it
  app.post(
    '/endpoints/applied',
    {
      config: NODE,
      schema: { body: EndpointsApplied, response: { 204: NoContent } },
      bodyLimit: APPLIED_BODY_LIMIT_BYTES,
    },
    async (req, reply) => {
      discovery.applied(nodeOf(req), req.body);
      return reply.status(204).send(null);
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RevokedListRequest } from '../api/index.js';
import { NoContent } from '../http/index.js';
import type { RevokedNodes } from './revoked-nodes.js';

/** Room for MAX_REVOKED_IDS node ids of 36 characters, quoted and separated. */
const REVOKED_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * `PUT /revoked`, for the manager only: every node removed from the cluster, in place of the list
 * the worker held. A manager that polls this worker (`--workers`, no heartbeats) sends it when
 * the version in GET /stats is not its own (manager/static-workers.ts).
 */
export const revokedRoute: FastifyPluginAsyncTypebox<{ revoked: RevokedNodes }> = async (app, { revoked }) => {
  app.put(
    '/revoked',
    {
      config: { access: 'manager' },
      bodyLimit: REVOKED_BODY_LIMIT_BYTES,
      schema: { body: RevokedListRequest, response: { 204: NoContent } },
    },
    async (req, reply) => {
      revoked.replace(req.body.nodeIds);
      return reply.status(204).send(null);
    },
  );
};

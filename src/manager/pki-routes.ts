import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JoinRequest, JoinTokenView, NodeCertificateView, RenewRequest } from '../api/index.js';
import { textResponse } from '../http/index.js';
import type { NodeAuthority } from '../pki/index.js';

const CERTIFICATE = { 200: NodeCertificateView };

/**
 * Joining and node certificates on the Manager API. `GET /ca` and `POST /join` are open: a node
 * that joins has no certificate yet, and the CA certificate is public (the joining node checks its
 * hash against its token before it sends anything else); the join token in the body is the
 * credential. Renewal needs the node's current certificate; rotating the token an admin token.
 */
export const pkiRoutes: FastifyPluginAsyncTypebox<{ authority: NodeAuthority }> = async (app, { authority }) => {
  app.get(
    '/ca',
    {
      config: { access: 'open' },
      schema: { response: textResponse('application/x-pem-file', 'The cluster CA certificate.') },
    },
    async (_req, reply) => reply.type('application/x-pem-file').send(authority.ca.certPem),
  );

  app.post('/join', { config: { access: 'open' }, schema: { body: JoinRequest, response: CERTIFICATE } }, async (req) =>
    authority.join(req.body),
  );

  app.post(
    '/certificates/renew',
    { config: { access: 'node' }, schema: { body: RenewRequest, response: CERTIFICATE } },
    async (req) => {
      const identity = req.identity;
      if (identity?.kind !== 'node') throw new Error('POST /certificates/renew reached its handler without a node');
      return authority.renew(identity, req.body);
    },
  );

  app.post(
    '/join-token/rotate',
    { config: { access: 'admin' }, schema: { response: { 200: JoinTokenView } } },
    async () => ({
      token: await authority.rotateJoinToken(),
    }),
  );
};

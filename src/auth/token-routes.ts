import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreatedTokenView, CreateTokenRequest, RevokedTokenView, TOKEN_NAME_PATTERN, TokenView } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import type { TokenBook } from './token-book.js';
import { parseTtl } from './ttl.js';

const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const TOKEN_NAME = new RegExp(TOKEN_NAME_PATTERN);

/** The Manager API's token routes: creating, listing and revoking need an admin token; /whoami any. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ tokens: TokenBook }> = async (app, { tokens }) => {
  app.post(
    '/tokens',
    { config: { access: 'admin' }, schema: { body: CreateTokenRequest, response: { 201: CreatedTokenView } } },
    async (req, reply) => {
      const { scope, name, ttl } = req.body;
      if (name !== undefined && !TOKEN_NAME.test(name))
        throw new InvalidField('name', 'may hold letters, digits, ".", "_" and "-", starting with a letter or digit');
      const created = await tokens.create({
        scope,
        ...(name === undefined ? {} : { name }),
        ...(ttl === undefined ? {} : { ttlMs: parseTtl('ttl', ttl) }),
      });
      return reply.status(201).send(created);
    },
  );

  app.get('/tokens', { config: { access: 'admin' }, schema: { response: { 200: Type.Array(TokenView) } } }, async () =>
    tokens.list(),
  );

  app.delete(
    '/tokens/:id',
    { config: { access: 'admin' }, schema: { params: TokenParams, response: { 200: RevokedTokenView } } },
    async (req) => tokens.revoke(req.params.id),
  );

  // which token the caller holds: `poseidon login` checks its credentials with it
  app.get('/whoami', { config: { access: 'read' }, schema: { response: { 200: TokenView } } }, async (req) => {
    const identity = req.identity;
    if (identity?.kind !== 'token') throw new Error('GET /whoami reached its handler without a token');
    return tokens.view(identity.tokenId);
  });
};

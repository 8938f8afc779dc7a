import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ScaleRequest, ServiceSpec, ServiceTaskView, ServiceView } from '../api/index.js';
import { TASK_BODY_LIMIT_BYTES } from '../http/index.js';
import { compile } from '../task/index.js';
import type { ServiceOps } from './services/service-ops.js';

const ServiceParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });
// checked here rather than by fastify's validator, which does not know the schemas' `hint`s
const scaleRequest = compile(ScaleRequest);

// Reads need a read token; every change a deploy token (src/http/access.ts).
const READ = { access: 'read' } as const;
const DEPLOY = { access: 'deploy' } as const;
const ONE = { 200: ServiceView };

/**
 * The Services API. Bodies are checked by parseServiceSpec (every error names its field, and
 * nothing changes); a 201 or 200 for a change means it is written.
 */
export const serviceRoutes: FastifyPluginAsyncTypebox<{ services: ServiceOps }> = async (app, { services }) => {
  app.get('/services', { config: READ, schema: { response: { 200: Type.Array(ServiceView) } } }, async () =>
    services.list(),
  );

  app.post(
    '/services',
    {
      config: DEPLOY,
      bodyLimit: TASK_BODY_LIMIT_BYTES,
      schema: { documentedBody: ServiceSpec, response: { 201: ServiceView } },
    },
    async (req, reply) => reply.status(201).send(await services.create(req.body)),
  );

  app.get('/services/:name', { config: READ, schema: { params: ServiceParams, response: ONE } }, async (req) =>
    services.get(req.params.name),
  );

  app.put(
    '/services/:name',
    {
      config: DEPLOY,
      schema: { params: ServiceParams, documentedBody: ServiceSpec, response: ONE },
      bodyLimit: TASK_BODY_LIMIT_BYTES,
    },
    async (req) => services.update(req.params.name, req.body),
  );

  app.delete('/services/:name', { config: DEPLOY, schema: { params: ServiceParams, response: ONE } }, async (req) =>
    services.remove(req.params.name),
  );

  app.post(
    '/services/:name/scale',
    { config: DEPLOY, schema: { params: ServiceParams, documentedBody: ScaleRequest, response: ONE } },
    async (req) => services.scale(req.params.name, scaleRequest.parse(req.body).replicas),
  );

  app.post(
    '/services/:name/rollback',
    { config: DEPLOY, schema: { params: ServiceParams, response: ONE } },
    async (req) => services.rollback(req.params.name),
  );

  app.get(
    '/services/:name/tasks',
    { config: READ, schema: { params: ServiceParams, response: { 200: Type.Array(ServiceTaskView) } } },
    async (req) => services.tasks(req.params.name),
  );
};

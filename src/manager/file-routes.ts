import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreateFileRequest, FileParams, FileView } from '../api/index.js';
import { TASK_BODY_LIMIT_BYTES } from '../http/index.js';
import type { FileKind } from '../task/index.js';
import type { Manager } from './manager.js';

export interface FileRouteDeps {
  manager: Manager;
}

/**
 * Secrets and configs: `POST`, `GET` and `DELETE` under `/secrets` and `/configs`. Creating and
 * removing needs a deploy token (deploying an app needs its secrets), reading a read token; no
 * route ever answers a secret's value.
 */
export const fileRoutes: FastifyPluginAsyncTypebox<FileRouteDeps> = async (app, { manager }) => {
  for (const kind of ['secret', 'config'] as const satisfies readonly FileKind[]) {
    const base = `/${kind}s`;
    app.post(
      base,
      {
        config: { access: 'deploy' },
        bodyLimit: TASK_BODY_LIMIT_BYTES,
        schema: {
          body: CreateFileRequest,
          response: { 200: FileView, 201: FileView },
          description:
            `Creates a ${kind}. The same name with the same value again answers the one there (200); ` +
            'another value is refused (409 file_exists): a value never changes.',
        },
      },
      async (req, reply) => {
        const { view, created } = await manager.files.create(kind, req.body);
        return reply.status(created ? 201 : 200).send(view);
      },
    );
    app.get(base, { config: { access: 'read' }, schema: { response: { 200: Type.Array(FileView) } } }, async () =>
      manager.files.list(kind),
    );
    app.get(
      `${base}/:name`,
      { config: { access: 'read' }, schema: { params: FileParams, response: { 200: FileView } } },
      async (req) => manager.files.get(kind, req.params.name),
    );
    app.delete(
      `${base}/:name`,
      { config: { access: 'deploy' }, schema: { params: FileParams, response: { 200: FileView } } },
      async (req) => manager.files.remove(kind, req.params.name),
    );
  }
};

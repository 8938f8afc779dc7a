import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ArchiveQuery, MAX_ARCHIVE_UPLOAD_BYTES, PathStatView, TAR_MEDIA_TYPE, TaskParams } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import { NoContainer } from '../errors/index.js';
import {
  cappedBody,
  NoContent,
  relayUntilClose,
  streamTarBodies,
  TAR_BODY,
  tarBody,
  textResponse,
  tokenIdOf,
} from '../http/index.js';
import type { Manager } from './manager.js';
import { COPY_END } from './stopped-streams.js';

export interface ArchiveRouteDeps {
  manager: Manager;
  /** The client for a worker's URL (the manager's certificate). */
  workers(url: string, certNodeId: string | undefined): WorkerClient;
}

/**
 * Copying files in or out of a container is deploying (src/http/access.ts): what a container holds
 * may be secret, as what it runs may be changed by what is copied in.
 */
// a copy in or out may stay open as long as its tar takes
const DEPLOY = { access: 'deploy', longLived: true } as const;

/**
 * `poseidon cp`: each call passed on to the worker of the task's container, an archive streamed
 * through both ways at the pace of the slower side, never held here.
 */
export const archiveRoutes: FastifyPluginAsyncTypebox<ArchiveRouteDeps> = async (app, { manager, workers }) => {
  streamTarBodies(app);
  /** The task's worker, while the task has a container there. */
  const holder = (idOrPrefix: string): { taskId: string; worker: WorkerClient } => {
    const { task, workerUrl, workerCertId } = manager.locate(idOrPrefix);
    if (workerUrl === null || task.containerId === null)
      throw new NoContainer(`task ${task.name} (${task.id.slice(0, 8)}) is ${task.state}`);
    return { taskId: task.id, worker: workers(workerUrl, workerCertId) };
  };

  app.get(
    '/tasks/:id/archive/stat',
    {
      config: DEPLOY,
      schema: {
        params: TaskParams,
        querystring: ArchiveQuery,
        response: { 200: PathStatView },
        description:
          "What a path in the task's container is (`docker cp`'s first look): a file, a directory or a " +
          'symlink (not followed), its size, mode and time. 404 `path_not_found` when it is not there.',
      },
    },
    async (req): Promise<PathStatView> => {
      const { taskId, worker } = holder(req.params.id);
      return worker.http.request('GET', `/tasks/${taskId}/archive/stat`, { query: { path: req.query.path } });
    },
  );

  app.get(
    '/tasks/:id/archive',
    {
      config: DEPLOY,
      schema: {
        params: TaskParams,
        querystring: ArchiveQuery,
        response: textResponse(
          TAR_MEDIA_TYPE,
          "A tar archive of the path, its top entry named as the path's last part",
        ),
        description:
          "Copies a file or directory out of the task's container (running or ended, while its container is " +
          'kept), as a tar archive, as `docker cp TASK:PATH -` does.',
      },
    },
    async (req, reply) => {
      const { taskId, worker } = holder(req.params.id);
      req.log.info({ taskId, path: req.query.path, tokenId: tokenIdOf(req.identity) }, 'copy out of a task container');
      req.raw.socket.setTimeout(0); // a slow reader is no idle client
      // node:http never follows a redirect: a node cannot make the manager call another URL
      const tar = await relayUntilClose(
        req,
        reply,
        (signal) => worker.http.stream(`/tasks/${taskId}/archive`, { query: { path: req.query.path }, signal }),
        COPY_END,
      );
      return reply.type(TAR_MEDIA_TYPE).send(tar);
    },
  );

  app.put(
    '/tasks/:id/archive',
    {
      config: DEPLOY,
      schema: {
        params: TaskParams,
        querystring: ArchiveQuery,
        body: TAR_BODY,
        response: { 204: NoContent },
        description:
          'Unpacks a tar archive (the body, `Content-Type: application/x-tar`) into `path`, a directory of the ' +
          "task's container, as `docker cp - TASK:PATH` does; a directory is never replaced by a file nor a " +
          `file by a directory. At most ${MAX_ARCHIVE_UPLOAD_BYTES / 1024 ** 3} GiB (413 past it), sent ` +
          "within the server's request deadline (60 s).",
      },
    },
    async (req, reply) => {
      const { taskId, worker } = holder(req.params.id);
      req.log.info({ taskId, path: req.query.path, tokenId: tokenIdOf(req.identity) }, 'copy into a task container');
      const detach = new AbortController();
      req.raw.once('close', () => {
        if (!req.raw.complete) detach.abort(); // the client left before the end of its archive
      });
      const tar = cappedBody(tarBody(req), MAX_ARCHIVE_UPLOAD_BYTES, req.headers['content-length'], () =>
        detach.abort(),
      );
      await worker.http.upload('PUT', `/tasks/${taskId}/archive`, tar, TAR_MEDIA_TYPE, {
        query: { path: req.query.path },
        signal: detach.signal,
      });
      return reply.status(204).send(null);
    },
  );
};

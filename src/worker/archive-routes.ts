import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ArchiveQuery, MAX_ARCHIVE_UPLOAD_BYTES, PathStatView, TAR_MEDIA_TYPE, TaskParams } from '../api/index.js';
import type { Driver } from '../driver/index.js';
import { NoContainer } from '../errors/index.js';
import {
  BodyTooLarge,
  cappedBody,
  NoContent,
  relayUntilClose,
  streamTarBodies,
  TAR_BODY,
  tarBody,
  textResponse,
} from '../http/index.js';
import { WORKER_COPY_STOPPED } from './stopped-streams.js';
import type { Worker } from './worker.js';

export interface ArchiveRouteDeps {
  worker: Worker;
  driver: Driver;
  /** The most one upload may carry (a test may bound it lower). */
  maxUploadBytes?: number;
}

/** Only a manager of this cluster may call (src/http/access.ts). */
const MANAGER = { access: 'manager' } as const;

/**
 * `poseidon cp` on a worker: a path's stat, a tar archive of it, and an archive unpacked into a
 * directory, in the container of a task this worker holds, running or ended (while the engine
 * keeps its container).
 */
export const archiveRoutes: FastifyPluginAsyncTypebox<ArchiveRouteDeps> = async (
  app,
  { worker, driver, maxUploadBytes = MAX_ARCHIVE_UPLOAD_BYTES },
) => {
  streamTarBodies(app);
  const containerOf = (id: string): string => {
    const task = worker.get(id);
    if (task.containerId === null) throw new NoContainer(`task ${task.name} (${task.id.slice(0, 8)}) is ${task.state}`);
    return task.containerId;
  };

  app.get(
    '/tasks/:id/archive/stat',
    { config: MANAGER, schema: { params: TaskParams, querystring: ArchiveQuery, response: { 200: PathStatView } } },
    async (req): Promise<PathStatView> => driver.statPath(containerOf(req.params.id), req.query.path),
  );

  app.get(
    '/tasks/:id/archive',
    {
      config: MANAGER,
      schema: {
        params: TaskParams,
        querystring: ArchiveQuery,
        response: textResponse(TAR_MEDIA_TYPE, 'A tar archive of the path'),
      },
    },
    async (req, reply) => {
      const containerId = containerOf(req.params.id);
      req.raw.socket.setTimeout(0); // read at the pace of the client, which may be slow to write it out
      // an archive ended early would read as a whole one: a stop cuts it off instead
      const tar = await relayUntilClose(
        req,
        reply,
        (signal) => driver.getArchive(containerId, req.query.path, signal),
        { stopped: WORKER_COPY_STOPPED, cut: true },
      );
      return reply.type(TAR_MEDIA_TYPE).send(tar);
    },
  );

  app.put(
    '/tasks/:id/archive',
    {
      config: MANAGER,
      schema: { params: TaskParams, querystring: ArchiveQuery, body: TAR_BODY, response: { 204: NoContent } },
    },
    async (req, reply) => {
      const containerId = containerOf(req.params.id);
      const abort = new AbortController();
      let tooLarge = false;
      req.raw.once('close', () => {
        if (!req.raw.complete) abort.abort(); // the client left before the end of its archive
      });
      const tar = cappedBody(tarBody(req), maxUploadBytes, req.headers['content-length'], () => {
        tooLarge = true;
        abort.abort();
      });
      try {
        await driver.putArchive(containerId, req.query.path, tar, abort.signal);
      } catch (err) {
        if (tooLarge) throw new BodyTooLarge(maxUploadBytes);
        throw err;
      }
      return reply.status(204).send(null);
    },
  );
};

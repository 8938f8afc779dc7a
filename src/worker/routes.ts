import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { SpecLimits } from '../task/index.js';
import { parseSubmission, TaskSpec } from '../task/index.js';
import { parseDuration } from '../units/index.js';
import type { HostSnapshot } from '../stats/index.js';
import {
  BatchStartRequest,
  VolumeParams,
  isFollow,
  logFilters,
  LOGS_NDJSON,
  LogsQuery,
  logsFramed,
  logsResponse,
  logTail,
  BatchStartReply,
  type BatchStartResult,
  WorkerStatsView,
  TaskUsageView,
  WorkerTaskView,
  TaskParams,
} from '../api/index.js';
import {
  BATCH_BODY_LIMIT_BYTES,
  NoContent,
  relayUntilClose,
  streamedResponse,
  TASK_BODY_LIMIT_BYTES,
} from '../http/index.js';
import { InvalidField, NotRunning, PoseidonError } from '../errors/index.js';
import type { Driver } from '../driver/index.js';
import { archiveRoutes } from './archive-routes.js';
import { execRoutes } from './exec-routes.js';
import { logOutput } from './log-output.js';
import { processesRoute } from './processes-route.js';
import { WORKER_LOGS_STOPPED } from './stopped-streams.js';
import type { Worker } from './worker.js';

export interface WorkerRouteDeps {
  worker: Worker;
  driver: Driver;
  limits: SpecLimits;
  readHost(): Promise<HostSnapshot>;
  /** The version of the revoked node ids the worker holds, for GET /stats; absent: not said. */
  revokedVersion?(): string;
}

const Wait = Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m)?$', maxLength: 16 });
const StartQuery = Type.Object(
  {
    generation: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    wait: Type.Optional(Wait),
  },
  { additionalProperties: false },
);
const BatchQuery = Type.Object({ wait: Type.Optional(Wait) }, { additionalProperties: false });

const StopQuery = Type.Object(
  { generation: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) },
  { additionalProperties: false },
);

/**
 * Every route of the Worker API answers the manager only (a manager certificate of this cluster):
 * a dispatch, a stop or a read from anyone else is refused before its handler (src/http/access.ts).
 */
const MANAGER = { access: 'manager' } as const;
const ONE = { 200: WorkerTaskView };

/** Time POST /tasks waits for the container by default before answering with its state. */
const DEFAULT_START_WAIT_MS = 5_000;
/** The longest a start may be waited for: well inside the server's own request deadlines. */
const MAX_START_WAIT_MS = 60_000;

function waitOf(wait: string | undefined): number {
  if (wait === undefined) return DEFAULT_START_WAIT_MS;
  const ms = parseDuration('wait', /^[0-9.]+$/.test(wait) ? Number(wait) : wait);
  if (ms > MAX_START_WAIT_MS) throw new InvalidField('wait', `is ${wait}; at most ${MAX_START_WAIT_MS / 1000}s`);
  return ms;
}

/** The Worker API (the seed's routes, and `POST /tasks/batch`). */
export const workerRoutes: FastifyPluginAsyncTypebox<WorkerRouteDeps> = async (
  app,
  { worker, driver, limits, readHost, revokedVersion },
) => {
  // names stored before names became DNS labels still run: the manager checked each at submission
  const taken: SpecLimits = { ...limits, acceptLegacyNames: true };

  app.get('/tasks', { config: MANAGER, schema: { response: { 200: Type.Array(WorkerTaskView) } } }, async () =>
    worker.list(),
  );

  app.get('/tasks/:id', { config: MANAGER, schema: { params: TaskParams, response: ONE } }, async (req) =>
    worker.get(req.params.id),
  );

  const start = {
    config: MANAGER,
    schema: {
      querystring: StartQuery,
      documentedBody: TaskSpec,
      response: { 200: WorkerTaskView, 201: WorkerTaskView },
    },
    bodyLimit: TASK_BODY_LIMIT_BYTES,
  };
  app.post('/tasks', start, async (req, reply) => {
    const request = parseSubmission(req.body, taken); // 400 naming the field; nothing created
    const generation = req.query.generation === undefined ? 0 : Number(req.query.generation);
    const { task, created } = await worker.submit(request, generation, waitOf(req.query.wait));
    return reply.status(created ? 201 : 200).send(task);
  });

  // Several starts in one request (the manager's dispatch of a reconcile pass): each task is
  // taken exactly as POST /tasks takes it, and one task's refusal does not fail the others.
  const batch = {
    config: MANAGER,
    schema: { body: BatchStartRequest, querystring: BatchQuery, response: { 200: BatchStartReply } },
    bodyLimit: BATCH_BODY_LIMIT_BYTES,
  };
  app.post('/tasks/batch', batch, async (req) => {
    const waitMs = waitOf(req.query.wait);
    const results = await Promise.all(
      req.body.tasks.map(async ({ spec, generation }): Promise<BatchStartResult> => {
        try {
          return { task: (await worker.submit(parseSubmission(spec, taken), generation, waitMs)).task };
        } catch (err) {
          if (!(err instanceof PoseidonError)) throw err; // a bug: the whole request fails, and is logged
          return { error: { code: err.code, status: err.status, message: err.message } };
        }
      }),
    );
    return { results };
  });

  app.delete(
    '/tasks/:id',
    { config: MANAGER, schema: { params: TaskParams, querystring: StopQuery, response: ONE } },
    async (req) =>
      worker.remove(req.params.id, req.query.generation === undefined ? undefined : Number(req.query.generation)),
  );

  // the manager forgot this ended task (its service slot's history is full): so does the worker
  app.post(
    '/tasks/:id/forget',
    { config: MANAGER, schema: { params: TaskParams, response: { 204: NoContent } } },
    async (req, reply) => {
      await worker.forget(req.params.id);
      return reply.status(204).send(null);
    },
  );

  // the manager removes a named volume here once no unfinished task mounts it (DELETE /volumes/{name})
  app.delete(
    '/volumes/:name',
    { config: MANAGER, schema: { params: VolumeParams, response: { 204: NoContent } } },
    async (req, reply) => {
      await driver.removeVolume(req.params.name);
      return reply.status(204).send(null);
    },
  );

  const logs = {
    config: MANAGER,
    schema: {
      params: TaskParams,
      querystring: LogsQuery,
      response: streamedResponse(logsResponse("The container's output.")),
    },
  };
  app.get('/tasks/:id/logs', logs, async (req, reply) => {
    const tail = logTail(req.query); // 400 naming tail past the bound
    const framed = logsFramed(req.headers.accept); // 400 naming accept when it names neither type
    const type = framed ? LOGS_NDJSON : 'text/plain; charset=utf-8';
    const task = worker.get(req.params.id);
    if (task.containerId === null) return reply.type(type).send('');
    const follow = isFollow(req.query);
    if (follow) req.raw.socket.setTimeout(0); // a quiet container is no idle client
    const containerId = task.containerId;
    const stream = await relayUntilClose(
      req,
      reply,
      async (signal) => {
        const read = { follow, signal, ...(tail === undefined ? {} : { tail }), ...logFilters(req.query) };
        return logOutput(await driver.logs(containerId, read), framed);
      },
      // a stop ends NDJSON between two lines
      { stopped: WORKER_LOGS_STOPPED, lines: framed },
    );
    return reply.type(type).send(stream);
  });

  await app.register(execRoutes, { worker, driver });
  await app.register(archiveRoutes, { worker, driver });
  await app.register(processesRoute, { worker, driver });

  app.get(
    '/tasks/:id/stats',
    { config: MANAGER, schema: { params: TaskParams, response: { 200: TaskUsageView } } },
    async (req): Promise<TaskUsageView> => {
      const task = worker.get(req.params.id);
      const u = task.containerId === null || task.state !== 'Running' ? null : await driver.usage(task.containerId);
      return {
        id: task.id,
        name: task.name,
        cpu: u?.cpuCores ?? 0,
        memoryBytes: u?.memoryBytes ?? 0,
        memoryLimitBytes: u?.memoryLimitBytes ?? 0,
      };
    },
  );

  app.get(
    '/stats',
    { config: MANAGER, schema: { response: { 200: WorkerStatsView } } },
    async (): Promise<WorkerStatsView> => {
      const running = worker.list().filter((t) => t.state === 'Running' && t.containerId !== null);
      const [host, usages] = await Promise.all([
        readHost(),
        Promise.all(
          running.map(async (t): Promise<TaskUsageView | null> => {
            const u = t.containerId === null ? null : await driver.usage(t.containerId);
            return u === null
              ? null
              : {
                  id: t.id,
                  name: t.name,
                  cpu: u.cpuCores,
                  memoryBytes: u.memoryBytes,
                  memoryLimitBytes: u.memoryLimitBytes,
                };
          }),
        ),
      ]);
      const byState: Record<string, number> = {};
      for (const [state, n] of worker.countByState()) byState[state] = n;
      return {
        worker: worker.name,
        host,
        taskCount: worker.list().length,
        tasksByState: byState,
        tasks: usages.filter((u): u is TaskUsageView => u !== null),
        ...(revokedVersion === undefined ? {} : { revokedVersion: revokedVersion() }),
      };
    },
  );
};

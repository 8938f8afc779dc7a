import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HeartbeatRequest, RegisterRequest, ReportRequest } from '../api/index.js';
import { WorkerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { parseSubmission } from '../task/index.js';
import type { Manager } from './manager.js';

const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const NodeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const ListQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union(
        ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed'].flatMap((s) => [
          Type.Literal(s),
          Type.Literal(s.toLowerCase()),
        ]),
      ),
    ),
    node: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
const LogsQuery = Type.Object(
  {
    follow: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')]),
    ),
    tail: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  },
  { additionalProperties: false },
);

/**
 * Workers send every task they hold when they register and with each heartbeat (the resync),
 * about 300 bytes a task: the server-wide 1 MiB limit would refuse the beats of a worker holding
 * more than ~3,400 tasks, and a refused beat ends with the node declared Down. 64 MiB holds
 * ~200,000 tasks.
 */
const WORKER_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

class TaskNotRunning extends PoseidonError {
  constructor(id: string) {
    super('task_not_placed', `task ${id} has no container yet; try again once it is Running`);
  }
}

// Who may call each route (src/http/access.ts): reads need a read token, submitting and stopping
// a deploy token. The node routes stay open until workers hold node certificates.
const READ = { access: 'read' } as const;
const DEPLOY = { access: 'deploy' } as const;
const NODE = { access: 'open' } as const; // TODO(#12): 'node', once workers join with certificates (src/pki)

/** The Manager API: tasks for people and the CLI, nodes for workers. */
export const managerRoutes: FastifyPluginAsyncTypebox<{ manager: Manager }> = async (app, { manager }) => {
  app.get('/tasks', { config: READ, schema: { querystring: ListQuery } }, async (req) => manager.listTasks(req.query));

  app.post('/tasks', { config: DEPLOY }, async (req, reply) => {
    // no host limits here: a task bigger than every node waits Pending with a reason
    const request = parseSubmission(req.body);
    return reply.status(201).send(await manager.submit(request));
  });

  app.get('/tasks/:id', { config: READ, schema: { params: TaskParams } }, async (req) =>
    manager.getTask(req.params.id),
  );

  app.delete('/tasks/:id', { config: DEPLOY, schema: { params: TaskParams } }, async (req) =>
    manager.stopTask(req.params.id),
  );

  app.get(
    '/tasks/:id/logs',
    { config: READ, schema: { params: TaskParams, querystring: LogsQuery } },
    async (req, reply) => {
      const { task, workerUrl } = manager.locate(req.params.id);
      if (workerUrl === null || task.containerId === null) throw new TaskNotRunning(task.id);
      const abort = new AbortController();
      req.raw.on('close', () => abort.abort());
      const output = await new WorkerClient(workerUrl).http.stream(`/tasks/${task.id}/logs`, {
        query: { follow: req.query.follow, tail: req.query.tail },
        signal: abort.signal,
      });
      return reply.type('text/plain; charset=utf-8').send(output);
    },
  );

  app.get('/tasks/:id/stats', { config: READ, schema: { params: TaskParams } }, async (req) => {
    const { task, workerUrl } = manager.locate(req.params.id);
    if (workerUrl === null || task.state !== 'Running') throw new TaskNotRunning(task.id);
    return new WorkerClient(workerUrl, 5_000).taskStats(task.id);
  });

  app.get('/events', { config: READ }, async (req, reply) => {
    // newline-delimited JSON by default; Server-Sent Events when the client asks for them
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': sse ? 'text/event-stream' : 'application/x-ndjson',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(sse ? ': connected\n\n' : '');
    const unsubscribe = manager.events.subscribe((e) => {
      res.write(sse ? `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n` : `${JSON.stringify(e)}\n`);
    });
    const keepAlive = setInterval(() => res.write(sse ? ': keep-alive\n\n' : ''), 15_000);
    req.raw.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });

  app.get('/nodes', { config: READ }, async () => manager.listNodes());

  app.post(
    '/nodes/register',
    { config: NODE, schema: { body: RegisterRequest }, bodyLimit: WORKER_BODY_LIMIT_BYTES },
    async (req) => manager.register(req.body),
  );

  app.post(
    '/nodes/:id/heartbeat',
    { config: NODE, schema: { params: NodeParams, body: HeartbeatRequest }, bodyLimit: WORKER_BODY_LIMIT_BYTES },
    async (req) => manager.heartbeat(req.params.id, req.body),
  );

  app.post(
    '/nodes/:id/reports',
    { config: NODE, schema: { params: NodeParams, body: ReportRequest }, bodyLimit: WORKER_BODY_LIMIT_BYTES },
    async (req, reply) => {
      await manager.report(req.params.id, req.body.tasks);
      return reply.status(204).send();
    },
  );
};

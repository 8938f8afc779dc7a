import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HeartbeatRequest, isFollow, LogsQuery, logTail, RegisterRequest, ReportRequest } from '../api/index.js';
import { WorkerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { NODE_BODY_LIMIT_BYTES, TASK_BODY_LIMIT_BYTES } from '../http/index.js';
import { parseSubmission } from '../task/index.js';
import type { EventStreams } from './event-stream.js';
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
class TaskNotRunning extends PoseidonError {
  constructor(id: string) {
    super('task_not_placed', `task ${id} has no container yet; try again once it is Running`);
  }
}

/** The Manager API: tasks for people and the CLI, nodes for workers. */
export const managerRoutes: FastifyPluginAsyncTypebox<{ manager: Manager; events: EventStreams }> = async (
  app,
  { manager, events },
) => {
  app.get('/tasks', { schema: { querystring: ListQuery } }, async (req) => manager.listTasks(req.query));

  app.post('/tasks', { bodyLimit: TASK_BODY_LIMIT_BYTES }, async (req, reply) => {
    // no host limits here: a task bigger than every node waits Pending with a reason
    const request = parseSubmission(req.body);
    return reply.status(201).send(await manager.submit(request));
  });

  app.get('/tasks/:id', { schema: { params: TaskParams } }, async (req) => manager.getTask(req.params.id));

  app.delete('/tasks/:id', { schema: { params: TaskParams } }, async (req) => manager.stopTask(req.params.id));

  app.get('/tasks/:id/logs', { schema: { params: TaskParams, querystring: LogsQuery } }, async (req, reply) => {
    const tail = logTail(req.query); // 400 naming tail past the bound
    const { task, workerUrl } = manager.locate(req.params.id);
    if (workerUrl === null || task.containerId === null) throw new TaskNotRunning(task.id);
    if (isFollow(req.query)) req.raw.socket.setTimeout(0); // a quiet container is no idle client
    const abort = new AbortController();
    req.raw.on('close', () => abort.abort());
    const output = await new WorkerClient(workerUrl).http.stream(`/tasks/${task.id}/logs`, {
      query: { follow: req.query.follow, tail },
      signal: abort.signal,
    });
    return reply.type('text/plain; charset=utf-8').send(output);
  });

  app.get('/tasks/:id/stats', { schema: { params: TaskParams } }, async (req) => {
    const { task, workerUrl } = manager.locate(req.params.id);
    if (workerUrl === null || task.state !== 'Running') throw new TaskNotRunning(task.id);
    return new WorkerClient(workerUrl, 5_000).taskStats(task.id);
  });

  // NDJSON, or Server-Sent Events when the client asks for them; bounded in subscribers and in what each leaves unread
  app.get('/events', async (req, reply) => events.serve(req, reply));

  app.get('/nodes', async () => manager.listNodes());

  app.post('/nodes/register', { schema: { body: RegisterRequest }, bodyLimit: NODE_BODY_LIMIT_BYTES }, async (req) =>
    manager.register(req.body),
  );

  app.post(
    '/nodes/:id/heartbeat',
    { schema: { params: NodeParams, body: HeartbeatRequest }, bodyLimit: NODE_BODY_LIMIT_BYTES },
    async (req) => manager.heartbeat(req.params.id, req.body),
  );

  app.post(
    '/nodes/:id/reports',
    { schema: { params: NodeParams, body: ReportRequest }, bodyLimit: NODE_BODY_LIMIT_BYTES },
    async (req, reply) => {
      await manager.report(req.params.id, req.body.tasks);
      return reply.status(204).send();
    },
  );
};

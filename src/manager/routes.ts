import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  ClusterEvent,
  EventsQuery,
  eventWindow,
  HeartbeatReply,
  HeartbeatRequest,
  ManagerTaskView,
  NodeLabelsUpdate,
  NodeStatusView,
  PartialTaskView,
  RemovedNodeView,
  RemovedVolumeView,
  TaskUsageView,
  type TaskViewField,
  VolumeDetailView,
  VolumeView,
  parseTaskFields,
  RegisterRequest,
  ReportRequest,
  TaskFilesReply,
  TaskFilesRequest,
  VolumeParams,
  TaskParams,
} from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import { NotRunning } from '../errors/index.js';
import { NoContent, NODE_BODY_LIMIT_BYTES, peerAddresses, TASK_BODY_LIMIT_BYTES } from '../http/index.js';
import { urlHostIn } from '../pki/index.js';
import { parseSubmission, TaskSpec } from '../task/index.js';
import { NotThisNode } from './errors.js';
import type { EventStreams } from './event-stream.js';
import { archiveRoutes } from './archive-routes.js';
import { fileRoutes } from './file-routes.js';
import { execRoutes } from './exec-routes.js';
import { logsRoute } from './logs-route.js';
import { TaskNotRunning } from './task-worker.js';
import { processesRoute } from './processes-route.js';
import { usageRoutes } from './usage-routes.js';
import type { Manager } from './manager.js';

const NodeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const RemoveNodeQuery = Type.Object(
  { dead: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: false },
);
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
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    // each task with these fields alone (`id,name,state`): what a table shows is a fraction of a task
    fields: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
/** `GET /events`: one ClusterEvent a line (NDJSON), or Server-Sent Events when asked for. */
const eventStream = {
  200: {
    description: 'One event a line: the kept ones asked for with `since`, then each as it happens.',
    content: {
      'application/x-ndjson': { schema: ClusterEvent },
      'text/event-stream': { schema: Type.String({ description: 'Each event as the data of an SSE message.' }) },
    },
  },
};
// Who may call each route (src/http/access.ts): reads need a read token, submitting and stopping
// a deploy token, removing a node an admin token; the node routes a worker certificate of this
// cluster, and a node speaks only for itself (ownNode).
const READ = { access: 'read' } as const;

const DEPLOY = { access: 'deploy' } as const;
const ADMIN = { access: 'admin' } as const;
const NODE = { access: 'node' } as const;

/**
 * The node a request speaks for must be the one its certificate names: a node cannot register,
 * beat or report for another, nor register a URL its certificate does not name.
 */
function ownNode(req: FastifyRequest, nodeId: string, url?: string): void {
  const identity = req.identity;
  if (identity?.kind !== 'node')
    throw new Error(`${req.routeOptions.url ?? req.url} reached its handler without a node`);
  const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
  if (identity.nodeId !== nodeId) throw new NotThisNode(identity.nodeId, `not for node ${nodeId} (${route})`);
  if (url !== undefined && !urlHostIn(url, peerAddresses(req)))
    throw new NotThisNode(identity.nodeId, `its certificate does not name the host of ${url} (${route})`);
}

export interface ManagerRouteDeps {
  manager: Manager;
  /** `GET /events`: bounded in subscribers and in what each leaves unread. */
  events: EventStreams;
  /** The client for a worker's URL: the manager's certificate, trusting worker certificates of the cluster only. */
  workers(url: string, certNodeId: string | undefined): WorkerClient;
}

/** The Manager API: tasks for people and the CLI, nodes for workers. */
export const managerRoutes: FastifyPluginAsyncTypebox<ManagerRouteDeps> = async (app, { manager, events, workers }) => {
  app.get(
    '/tasks',
    {
      config: READ,
      schema: {
        querystring: ListQuery,
        description:
          'The tasks, filtered by state, node and service (its replicas, the ended ones kept too); ' +
          'with `fields`, each task with those fields alone.',
        response: { 200: Type.Array(PartialTaskView) },
      },
    },
    async (req) => {
      const { fields, ...filter } = req.query;
      const names = fields === undefined ? undefined : parseTaskFields(fields); // 400 naming one it lacks
      const tasks = manager.listTasks(filter);
      if (names === undefined) return tasks;
      return tasks.map((t) => pickFields(t, names));
    },
  );

  app.post(
    '/tasks',
    {
      config: DEPLOY,
      bodyLimit: TASK_BODY_LIMIT_BYTES,
      schema: {
        documentedBody: TaskSpec,
        description:
          'Submits a task. A name a task not ended holds (its own or a replica of a service) is refused ' +
          '(409 `task_name_taken`, naming that task), as docker refuses a container name in use; an ended task ' +
          'frees its name. The same task again (same id and spec) is answered as it stands.',
        response: { 201: ManagerTaskView },
      },
    },
    async (req, reply) => {
      // no host limits here: a task bigger than every node waits Pending with a reason
      const request = parseSubmission(req.body);
      return reply.status(201).send(await manager.submit(request));
    },
  );

  app.get(
    '/tasks/:id',
    { config: READ, schema: { params: TaskParams, response: { 200: ManagerTaskView } } },
    async (req) => manager.inspectTask(req.params.id),
  );

  app.delete(
    '/tasks/:id',
    { config: DEPLOY, schema: { params: TaskParams, response: { 200: ManagerTaskView } } },
    async (req) => manager.stopTask(req.params.id),
  );

  await app.register(logsRoute, { manager, workers });
  await app.register(execRoutes, { manager, workers });
  await app.register(archiveRoutes, { manager, workers });
  await app.register(usageRoutes, { manager, workers });
  await app.register(fileRoutes, { manager });
  await app.register(processesRoute, { manager, workers });

  app.get(
    '/tasks/:id/stats',
    { config: READ, schema: { params: TaskParams, response: { 200: TaskUsageView } } },
    async (req) => {
      const { task, workerUrl, workerCertId } = manager.locate(req.params.id);
      if (workerUrl === null || task.state !== 'Running')
        throw new TaskNotRunning(task, (t) => `is ${t.state}, not Running; usage is measured while a task runs`);
      return workers(workerUrl, workerCertId).taskStats(task.id);
    },
  );

  // NDJSON, or Server-Sent Events when the client asks for them; bounded in subscribers and in what each leaves unread
  app.get(
    '/events',
    { config: { ...READ, longLived: true }, schema: { querystring: EventsQuery, response: eventStream } },
    async (req, reply) => events.serve(req, reply, eventWindow(req.query)),
  );

  app.get('/nodes', { config: READ, schema: { response: { 200: Type.Array(NodeStatusView) } } }, async () =>
    manager.listNodes(),
  );

  // removes the node and revokes its certificate at once; its tasks go elsewhere
  // ?dead=true: the operator says the machine is gone, so its exclusive tasks may run elsewhere
  app.delete(
    '/nodes/:id',
    { config: ADMIN, schema: { params: NodeParams, querystring: RemoveNodeQuery, response: { 200: RemovedNodeView } } },
    async (req) => manager.removeNode(req.params.id, req.query.dead === 'true'),
  );

  // drain: no new placements, its tasks move elsewhere (service replicas start elsewhere first)
  app.post(
    '/nodes/:id/drain',
    { config: ADMIN, schema: { params: NodeParams, response: { 200: NodeStatusView } } },
    async (req) => manager.drainNode(req.params.id),
  );
  // pause: no new placements, its tasks stay (maintenance ahead, or a node to watch)
  app.post(
    '/nodes/:id/pause',
    { config: ADMIN, schema: { params: NodeParams, response: { 200: NodeStatusView } } },
    async (req) => manager.pauseNode(req.params.id),
  );
  app.post(
    '/nodes/:id/activate',
    { config: ADMIN, schema: { params: NodeParams, response: { 200: NodeStatusView } } },
    async (req) => manager.activateNode(req.params.id),
  );
  // the operator's labels, over the worker's (`--label`); tasks running there stay where they are
  app.post(
    '/nodes/:id/labels',
    {
      config: ADMIN,
      schema: {
        params: NodeParams,
        body: NodeLabelsUpdate,
        response: { 200: NodeStatusView },
        description:
          "Sets labels of the node over its worker's (`add`) and removes others, the worker's too (`remove`). " +
          'They are kept when the worker registers again; new placements match them, running tasks stay.',
      },
    },
    async (req) => manager.updateNodeLabels(req.params.id, req.body.add ?? {}, req.body.remove ?? []),
  );

  app.get('/volumes', { config: READ, schema: { response: { 200: Type.Array(VolumeView) } } }, async () =>
    manager.volumes.list(),
  );

  app.get(
    '/volumes/:name',
    {
      config: READ,
      schema: {
        params: VolumeParams,
        response: { 200: VolumeDetailView },
        description: 'One volume: its node, and each unfinished task that mounts it (its service, slot and node).',
      },
    },
    async (req) => manager.volumes.get(req.params.name),
  );

  // refused while an unfinished task mounts it; else its node's worker removes it from its engine
  app.delete(
    '/volumes/:name',
    { config: DEPLOY, schema: { params: VolumeParams, response: { 200: RemovedVolumeView } } },
    async (req) =>
      manager.volumes.remove(req.params.name, (url, certNodeId) =>
        workers(url, certNodeId).removeVolume(req.params.name),
      ),
  );

  app.post(
    '/nodes/register',
    {
      config: NODE,
      schema: { body: RegisterRequest, response: { 200: HeartbeatReply } },
      bodyLimit: NODE_BODY_LIMIT_BYTES,
    },
    async (req) => {
      ownNode(req, req.body.nodeId, req.body.url);
      return manager.register(req.body);
    },
  );

  app.post(
    '/nodes/:id/heartbeat',
    {
      config: NODE,
      schema: { params: NodeParams, body: HeartbeatRequest, response: { 200: HeartbeatReply } },
      bodyLimit: NODE_BODY_LIMIT_BYTES,
    },
    async (req) => {
      ownNode(req, req.params.id);
      return manager.heartbeat(req.params.id, req.body);
    },
  );

  app.post(
    '/nodes/:id/reports',
    {
      config: NODE,
      schema: { params: NodeParams, body: ReportRequest, response: { 204: NoContent } },
      bodyLimit: NODE_BODY_LIMIT_BYTES,
    },
    async (req, reply) => {
      ownNode(req, req.params.id);
      await manager.report(req.params.id, req.body.tasks);
      return reply.status(204).send(null);
    },
  );

  // the values of the secrets and configs a task mounts, for the node it is placed on (file-book.ts)
  app.post(
    '/nodes/:id/task-files',
    { config: NODE, schema: { params: NodeParams, body: TaskFilesRequest, response: { 200: TaskFilesReply } } },
    async (req) => {
      ownNode(req, req.params.id);
      return manager.files.valuesFor(req.params.id, req.body.taskId, req.body.generation);
    },
  );
};

/**
 * The named fields of a task view, those it has. A plain loop: the manager answers `poseidon
 * status` with this for every task, and `Object.fromEntries` over filtered and mapped arrays cost
 * about 5 ms per 1,000 tasks, where this costs well under one.
 */
function pickFields(task: ManagerTaskView, names: readonly TaskViewField[]): Partial<ManagerTaskView> {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (name in task) picked[name] = task[name];
  return picked as Partial<ManagerTaskView>;
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProcessesView, TopQuery } from '../api/index.js';
import type { Driver } from '../driver/index.js';
import { NotRunning } from '../errors/index.js';
import type { Worker } from './worker.js';

export interface ProcessesRouteDeps {
  worker: Worker;
  driver: Driver;
}

const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** `poseidon top` on a worker: the processes of a task's running container, for the manager alone. */
export const processesRoute: FastifyPluginAsyncTypebox<ProcessesRouteDeps> = async (app, { worker, driver }) => {
  app.get(
    '/tasks/:id/top',
    {
      config: { access: 'manager' },
      schema: { params: TaskParams, querystring: TopQuery, response: { 200: ProcessesView } },
    },
    async (req): Promise<ProcessesView> => {
      const task = worker.get(req.params.id);
      if (task.containerId === null || task.state !== 'Running')
        throw new NotRunning(`task ${task.name} (${task.id.slice(0, 8)}) is ${task.state}, not Running`, WHY);
      return driver.processes(task.containerId, req.query.psArgs);
    },
  );
};

const WHY = 'top lists what a running container runs';

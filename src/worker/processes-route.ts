import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProcessesView, TopQuery, TaskParams } from '../api/index.js';
import type { Driver } from '../driver/index.js';
import { runningContainerOf } from '../errors/index.js';
import type { Worker } from './worker.js';

export interface ProcessesRouteDeps {
  worker: Worker;
  driver: Driver;
}

/** `poseidon top` on a worker: the processes of a task's running container, for the manager alone. */
export const processesRoute: FastifyPluginAsyncTypebox<ProcessesRouteDeps> = async (app, { worker, driver }) => {
  app.get(
    '/tasks/:id/top',
    {
      config: { access: 'manager' },
      schema: { params: TaskParams, querystring: TopQuery, response: { 200: ProcessesView } },
    },
    async (req): Promise<ProcessesView> => {
      const containerId = runningContainerOf(worker.get(req.params.id), 'top lists what a running container runs');
      return driver.processes(containerId, req.query.psArgs);
    },
  );
};

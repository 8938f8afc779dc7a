import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isFollow, LOGS_NDJSON, LogsQuery, logsFramed, logsResponse, logTail, TaskParams } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import { relayUntilClose, streamedResponse, type RelayEnd } from '../http/index.js';
import type { Manager } from './manager.js';
import { LOGS_END } from './stopped-streams.js';
import { TaskNotRunning } from './task-worker.js';

export interface LogsRouteDeps {
  manager: Manager;
  /** The client for a worker's URL (the manager's certificate). */
  workers(url: string, certNodeId: string | undefined): WorkerClient;
}

/**
 * `poseidon logs`: the container's output from the task's worker, passed on as it comes; each
 * stream apart (NDJSON) when the client's Accept asks for it and the worker gives it so.
 */
export const logsRoute: FastifyPluginAsyncTypebox<LogsRouteDeps> = async (app, { manager, workers }) => {
  app.get(
    '/tasks/:id/logs',
    {
      config: { access: 'read', longLived: true },
      schema: {
        params: TaskParams,
        querystring: LogsQuery,
        response: streamedResponse(
          logsResponse("The container's output (stdout and stderr), as it comes with follow."),
        ),
      },
    },
    async (req, reply) => {
      const tail = logTail(req.query); // 400 naming tail past the bound
      const framed = logsFramed(req.headers.accept); // 400 naming accept when it names neither type
      const { task, workerUrl, workerCertId } = manager.locate(req.params.id);
      if (workerUrl === null || task.containerId === null)
        throw new TaskNotRunning(task, (t) =>
          task.restarts > 0
            ? `is ${t.state} and its last try got no container (${t.reason}); it has no logs`
            : `is ${t.state} and never had a container (${t.reason}); it has no logs`,
        );
      if (isFollow(req.query)) req.raw.socket.setTimeout(0); // a quiet container is no idle client
      // the worker's answer says its type: a worker older than this answers text, whatever it is asked
      const end: RelayEnd = { ...LOGS_END };
      let type = 'text/plain; charset=utf-8';
      // node:http never follows a redirect: a node cannot make the manager fetch another URL
      const output = await relayUntilClose(
        req,
        reply,
        async (signal) => {
          const answer = await workers(workerUrl, workerCertId).http.typedStream(`/tasks/${task.id}/logs`, {
            // until only when asked: a worker older than it refuses a field it does not know
            query: {
              follow: req.query.follow,
              tail,
              since: req.query.since,
              until: req.query.until,
              timestamps: req.query.timestamps,
            },
            signal,
            ...(framed ? { accept: LOGS_NDJSON } : {}),
          });
          if (framed && answer.type.startsWith(LOGS_NDJSON)) {
            type = LOGS_NDJSON;
            end.lines = true; // passed on line by line: a stop ends it between two lines
          }
          return answer.body;
        },
        end,
      );
      return reply.type(type).send(output);
    },
  );
};

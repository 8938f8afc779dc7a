import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkExecRequest, ExecInput, ExecRequest, execResponse, ExecSessionParams, TaskParams } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import { isUnknownFieldRefusal, PoseidonError } from '../errors/index.js';
import { NoContent, relayUntilClose, streamedResponse, tokenIdOf } from '../http/index.js';
import type { Manager } from './manager.js';
import { EXEC_END } from './stopped-streams.js';
import { runningOn } from './task-worker.js';

export interface ExecRouteDeps {
  manager: Manager;
  /** The client for a worker's URL (the manager's certificate). */
  workers(url: string, certNodeId: string | undefined): WorkerClient;
}

/**
 * A worker older than the manager refused fields of an exec it does not know (`detach` for
 * `exec -d`): said as the worker's, naming its node, where passed on as it came it read as the
 * manager's own refusal.
 */
export class WorkerTooOld extends PoseidonError {
  constructor(task: { name: string; node: string | null }, fields: readonly string[]) {
    super(
      'worker_too_old',
      `the worker on node ${task.node ?? '?'} (task ${task.name}) is older than the manager and runs no exec ` +
        `with ${fields.join(', ')}: upgrade that worker`,
    );
  }
}

/** The exec's fields beyond those every worker takes (its command and time limit). */
function newerFields(body: object): string[] {
  return Object.keys(body).filter((k) => k !== 'command' && k !== 'timeoutMs');
}

/** Running a command in a container is deploying: a deploy token (src/http/access.ts). */
// an exec, its input and its output may each stay open as long as the command runs
const DEPLOY = { access: 'deploy', longLived: true } as const;

/**
 * `poseidon exec`: passed on to the task's worker, its output streamed back as it comes; an
 * interactive one's input passed on call by call, each answered once the engine has taken it.
 */
export const execRoutes: FastifyPluginAsyncTypebox<ExecRouteDeps> = async (app, { manager, workers }) => {
  /** The task's worker, while its container runs. */
  const running = (idOrPrefix: string): ReturnType<typeof runningOn> => runningOn(manager, idOrPrefix);

  app.post(
    '/tasks/:id/exec',
    {
      config: DEPLOY,
      schema: {
        params: TaskParams,
        body: ExecRequest,
        response: streamedResponse(execResponse),
        description:
          "Runs a command in the task's running container, as `docker exec` does, on the worker that runs it; " +
          'its output as it comes, then its exit code. With `stdin`, the first line names the session its ' +
          'input goes to; with `tty`, the command has a terminal.',
      },
    },
    async (req, reply) => {
      const { task, workerUrl, workerCertId } = running(req.params.id);
      checkExecRequest(req.body);
      // who ran what where, never the arguments (they may hold secrets)
      const how = {
        ...(req.body.detach === true ? { detach: true } : {}),
        ...(req.body.stdin === true ? { stdin: true } : {}),
        ...(req.body.tty === true ? { tty: true } : {}),
        ...(req.body.user === undefined ? {} : { user: req.body.user }), // who it ran as; never the env's values
      };
      const program = req.body.command[0];
      req.log.info({ taskId: task.id, program, tokenId: tokenIdOf(req.identity), ...how }, 'exec in a task container');
      req.raw.socket.setTimeout(0); // a quiet command is no idle client
      // node:http never follows a redirect: a node cannot make the manager call another URL
      const lines = await relayUntilClose(
        req,
        reply,
        (signal) =>
          workers(workerUrl, workerCertId)
            .http.stream(`/tasks/${task.id}/exec`, { body: req.body, signal }, 'POST')
            .catch((err: unknown) => {
              throw isUnknownFieldRefusal(err) ? new WorkerTooOld(task, newerFields(req.body)) : err;
            }),
        EXEC_END,
      );
      return reply.type('application/x-ndjson').send(lines);
    },
  );

  app.post(
    '/tasks/:id/exec/:session/input',
    {
      config: DEPLOY,
      schema: {
        params: ExecSessionParams,
        body: ExecInput,
        response: { 204: NoContent },
        description:
          "Input for an interactive exec's command, in order: bytes for its stdin, a new terminal size, the end " +
          'of its input. Answered once the engine has taken them (a command that does not read holds the call).',
      },
    },
    async (req, reply) => {
      const { task, workerUrl, workerCertId } = running(req.params.id);
      req.raw.socket.setTimeout(0); // held while the command does not read its stdin
      await workers(workerUrl, workerCertId).http.request(
        'POST',
        `/tasks/${task.id}/exec/${req.params.session}/input`,
        {
          body: req.body,
          timeoutMs: 0,
        },
      );
      return reply.status(204).send(null);
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  checkExecRequest,
  ExecInput,
  ExecRequest,
  execResponse,
  ExecSessionParams,
  MAX_EXEC_TIMEOUT_MS,
  type ExecLine,
  type ExecRequest as ExecRequestBody,
  TaskParams,
} from '../api/index.js';
import type { Driver, ExecOptions } from '../driver/index.js';
import { runningContainerOf } from '../errors/index.js';
import { NoContent, relayUntilClose, streamedResponse } from '../http/index.js';
import { execLines } from './exec-lines.js';
import { ExecSessions } from './exec-sessions.js';
import { WORKER_EXEC_STOPPED } from './stopped-streams.js';
import type { Worker } from './worker.js';

export interface ExecRouteDeps {
  worker: Worker;
  driver: Driver;
  /** The interactive execs of this worker (a test may bound them lower). */
  sessions?: ExecSessions;
}

/** Only a manager of this cluster may call (src/http/access.ts). */
const MANAGER = { access: 'manager' } as const;

/** What the engine is asked to give the command besides its arguments; a size without a terminal is refused. */
export function execOptionsOf(body: ExecRequestBody): ExecOptions {
  checkExecRequest(body);
  return {
    stdin: body.stdin === true,
    tty: body.tty === true,
    ...(body.size === undefined ? {} : { size: body.size }),
    ...(body.user === undefined ? {} : { user: body.user }),
    ...(body.workdir === undefined ? {} : { workdir: body.workdir }),
    ...(body.env === undefined ? {} : { env: body.env }),
  };
}

/**
 * `poseidon exec`: a command in a task's container, its output streamed as NDJSON, then its exit
 * code. With stdin, the first line names the session its input goes to (`…/input`, in order);
 * detached, the one line says it started.
 */
export const execRoutes: FastifyPluginAsyncTypebox<ExecRouteDeps> = async (
  app,
  { worker, driver, sessions = new ExecSessions() },
) => {
  app.post(
    '/tasks/:id/exec',
    { config: MANAGER, schema: { params: TaskParams, body: ExecRequest, response: streamedResponse(execResponse) } },
    async (req, reply) => {
      const task = worker.get(req.params.id);
      const containerId = runningContainerOf(task);
      const io = execOptionsOf(req.body);
      if (req.body.detach === true) {
        // `exec -d`: answered once the engine has started it; it runs on with no one reading it
        await driver.execDetached(containerId, req.body.command, io);
        return reply.type('application/x-ndjson').send(`${JSON.stringify({ detached: true } satisfies ExecLine)}\n`);
      }
      if (io.stdin) sessions.reserve();
      req.raw.socket.setTimeout(0); // a quiet command is no idle client
      // let go of the command's output when its caller leaves or its time is up (execLines)
      const detach = new AbortController();
      let session: string | undefined;
      reply.raw.once('close', () => {
        if (session !== undefined) sessions.close(session);
      });
      const open = async (left: AbortSignal): Promise<NodeJS.ReadableStream> => {
        left.addEventListener('abort', () => detach.abort(), { once: true });
        const run = await driver.execStream(containerId, req.body.command, detach.signal, io);
        if (run.stdin !== undefined && !detach.signal.aborted) session = sessions.open(task, run.stdin);
        const first = session === undefined ? undefined : { session, taskId: task.id };
        return execLines(run, req.body.timeoutMs ?? MAX_EXEC_TIMEOUT_MS, detach, {
          ...(first === undefined ? {} : { first }),
          ...(req.body.encoding === undefined ? {} : { encoding: req.body.encoding }),
        });
      };
      // a stop ends the output with a line saying so, which the manager passes on as the exec's end
      const lines = await relayUntilClose(req, reply, open, {
        stopped: WORKER_EXEC_STOPPED,
        lastLine: JSON.stringify({ error: WORKER_EXEC_STOPPED } satisfies ExecLine),
      });
      return reply.type('application/x-ndjson').send(lines);
    },
  );

  // an interactive exec's input, in the order it came: bytes, a new terminal size, the end of it
  app.post(
    '/tasks/:id/exec/:session/input',
    { config: MANAGER, schema: { params: ExecSessionParams, body: ExecInput, response: { 204: NoContent } } },
    async (req, reply) => {
      await sessions.feed(worker.get(req.params.id), req.params.session, req.body);
      return reply.status(204).send(null);
    },
  );
};

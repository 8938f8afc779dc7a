import { Agent, request } from 'node:https';
import { LABEL_TEST_RUN } from '../testkit/cleanup.js';

/**
 * Closed-loop load on `POST /tasks`: `clients` concurrent clients, each on its own keep-alive
 * connection, send one submission, wait for the answer, and send the next, until `maxRequests`
 * have been sent or `maxDurationMs` has passed (whichever comes first), or the signal aborts.
 * Only a 201 counts as accepted; anything else is counted by its status (or error code).
 */
export interface LoadPlan {
  /** The manager's base URL (https). */
  url: string;
  /** The cluster's CA certificate (PEM): the only one trusted for the manager's. */
  ca: string;
  /** An API token that may deploy, sent as a Bearer header. */
  token: string;
  clients: number;
  maxRequests: number;
  maxDurationMs: number;
  /** The JSON body of the i-th submission (0-based). */
  body(i: number): string;
  signal: AbortSignal;
  /** A request not answered within this is counted as a failure ("timeout"). */
  requestTimeoutMs?: number;
}

export interface LoadOutcome {
  sent: number;
  /** Latency of every 201, ms, in completion order. */
  latenciesMs: number[];
  /** Task id of every 201, with the time the answer arrived (performance.now() ms). */
  accepted: Array<{ id: string; answeredAtMs: number }>;
  /** Status code or error code -> count, for everything that was not a 201. */
  failures: Map<string, number>;
  /** A sample failure answer, for the report. */
  firstFailure: string | undefined;
  startedAtMs: number;
  /** From the first request sent to the last answer received. */
  elapsedMs: number;
  /** What ended the load. */
  stoppedBy: 'count' | 'time' | 'abort';
}

export async function runLoad(plan: LoadPlan): Promise<LoadOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.clients, maxFreeSockets: plan.clients, ca: plan.ca });
  const authorization = `Bearer ${plan.token}`;
  const target = new URL('/tasks', plan.url);
  const timeoutMs = plan.requestTimeoutMs ?? 30_000;
  const out: LoadOutcome = {
    sent: 0,
    latenciesMs: [],
    accepted: [],
    failures: new Map(),
    firstFailure: undefined,
    startedAtMs: performance.now(),
    elapsedMs: 0,
    stoppedBy: 'count',
  };
  const deadline = out.startedAtMs + plan.maxDurationMs;
  let lastAnswerAtMs = out.startedAtMs;
  const fail = (key: string, detail: string): void => {
    out.failures.set(key, (out.failures.get(key) ?? 0) + 1);
    out.firstFailure ??= detail;
  };

  const client = async (): Promise<void> => {
    for (;;) {
      if (plan.signal.aborted) {
        out.stoppedBy = 'abort';
        return;
      }
      if (out.sent >= plan.maxRequests) return;
      if (performance.now() >= deadline) {
        out.stoppedBy = 'time';
        return;
      }
      const i = out.sent++;
      const body = plan.body(i);
      const t0 = performance.now();
      const answer = await post(agent, target, body, authorization, timeoutMs);
      const t1 = performance.now();
      lastAnswerAtMs = Math.max(lastAnswerAtMs, t1);
      if (answer.kind === 'error') fail(answer.code, answer.message);
      else if (answer.status !== 201)
        fail(String(answer.status), `HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
      else {
        out.latenciesMs.push(t1 - t0);
        out.accepted.push({ id: (JSON.parse(answer.text) as { id: string }).id, answeredAtMs: t1 });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.clients }, () => client()));
  } finally {
    agent.destroy();
  }
  out.elapsedMs = lastAnswerAtMs - out.startedAtMs;
  return out;
}

type Answer = { kind: 'answer'; status: number; text: string } | { kind: 'error'; code: string; message: string };

function post(agent: Agent, url: URL, body: string, authorization: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ kind: 'answer', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) => resolve({ kind: 'error', code: codeOf(err), message: err.message }));
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'timeout' })),
    );
    req.on('error', (err) => resolve({ kind: 'error', code: codeOf(err), message: err.message }));
    req.end(body);
  });
}

function codeOf(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * The task both benchmarks submit: a native spec small enough that 200,000 fit on the simulated
 * workers (cpu 0.01 cores and 6 MiB of memory, the floors the engine takes), labelled with the run id.
 */
export function benchTaskBody(runId: string, name: string): string {
  return JSON.stringify({
    name,
    image: 'poseidon/busybox:latest',
    command: ['sleep', '300'],
    cpu: 0.01,
    memory: '6Mi',
    labels: { [LABEL_TEST_RUN]: runId },
  });
}

import { connect as connectPlain, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { LABEL_TEST_RUN } from '../testkit/cleanup.js';

/**
 * Closed-loop load on `POST /tasks`: `clients` concurrent clients, each on its own keep-alive
 * connection, send one submission, wait for the answer, and send the next, until `maxRequests`
 * have been sent or `maxDurationMs` has passed (whichever comes first), or the signal aborts.
 * Only a 201 counts as accepted; anything else is counted by its status (or error code).
 */
export interface LoadPlan {
  /** The manager's base URL: https, or http for a plain server (the tls benchmark's side without TLS). */
  url: string;
  /** The cluster's CA certificate (PEM): the only one trusted for the server's; none over plain http. */
  ca?: string;
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
  const target = new URL('/tasks', plan.url);
  const head = [
    'POST /tasks HTTP/1.1',
    `host: ${target.host}`,
    `authorization: Bearer ${plan.token}`,
    'content-type: application/json',
  ].join('\r\n');
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
    const connection = new Connection(target, plan.ca, timeoutMs);
    try {
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
        const answer = await connection.send(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        const t1 = performance.now();
        lastAnswerAtMs = Math.max(lastAnswerAtMs, t1);
        if (answer.kind === 'error') fail(answer.code, answer.message);
        else if (answer.status !== 201)
          fail(String(answer.status), `HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
        else {
          out.latenciesMs.push(t1 - t0);
          out.accepted.push({ id: idOf(answer.text), answeredAtMs: t1 });
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: plan.clients }, () => client()));
  out.elapsedMs = lastAnswerAtMs - out.startedAtMs;
  return out;
}

type Answer = { kind: 'answer'; status: number; text: string } | { kind: 'error'; code: string; message: string };

/**
 * One keep-alive HTTP/1.1 connection over TLS (plain TCP without a CA), one request at a time, on node:tls alone. The
 * load clients share the machine with the manager and the simulated workers, so their cost is
 * taken from the system under test: node:https's client took about 150 µs of cpu per submission
 * here, this takes a fraction of it (the bench prints it). It reads only what a manager's answer
 * to POST /tasks holds: a status line, headers with a content-length, and the body. A connection
 * the server closes is opened again for the next request.
 */
class Connection {
  #socket: Socket | undefined;
  #pending: { resolve(a: Answer): void; timer: NodeJS.Timeout } | undefined;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly url: URL,
    private readonly ca: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  send(request: string): Promise<Answer> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#fail('timeout', `no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      this.#pending = { resolve, timer };
      this.#open().write(request);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #open(): Socket {
    if (this.#socket !== undefined) return this.#socket;
    const to = { host: this.url.hostname, port: Number(this.url.port) };
    const socket = this.ca === undefined ? connectPlain(to) : connectTls({ ...to, ca: this.ca });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    // a socket this connection already left (closed after an answer) fails nothing of the next
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#socket === socket) this.#fail(err.code ?? 'error', err.message);
    });
    socket.on('close', () => {
      if (this.#socket === socket) this.#fail('closed', 'the server closed the connection before answering');
    });
    this.#socket = socket;
    this.#buffer = Buffer.alloc(0);
    return socket;
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.#buffer.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) {
      this.#fail('unreadable', `an answer without content-length: ${head.slice(0, 200)}`);
      this.close();
      return;
    }
    const bodyEnd = end + 4 + Number(length[1]);
    if (this.#buffer.length < bodyEnd) return;
    const text = this.#buffer.toString('utf8', end + 4, bodyEnd);
    this.#buffer = this.#buffer.subarray(bodyEnd);
    const status = Number(head.slice(9, 12));
    if (/\r\nconnection: *close/i.test(head)) this.close();
    this.#settle({ kind: 'answer', status, text });
  }

  #fail(code: string, message: string): void {
    this.close();
    this.#settle({ kind: 'error', code, message });
  }

  #settle(answer: Answer): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }
}

/** The task id in a 201's body, without parsing all of it. */
function idOf(text: string): string {
  const id = /"id":"([^"]+)"/.exec(text)?.[1];
  return id ?? (JSON.parse(text) as { id: string }).id;
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

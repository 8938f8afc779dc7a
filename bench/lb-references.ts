// The `lb` benchmark's other processes: nginx as the replicas (one process, `return 200`), nginx
// as a reverse proxy, HAProxy in http and tcp mode, each with its own config in a temp dir, bound
// to 127.0.0.0/8 only; and wrk, the load. Each is stopped by pid (RunCleanup) at the end.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BenchError } from './bench-error.js';
import type { BenchContext } from './context.js';

const run = promisify(execFile);

class ReferenceFailed extends BenchError {}

/** A spawned server process the run can stop (testkit/cleanup.ts's Stoppable). */
class Daemon {
  #exited = false;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.once('exit', () => (this.#exited = true));
  }
  isAlive(): boolean {
    return !this.#exited;
  }
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  async kill(): Promise<void> {
    if (this.#exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

async function startDaemon(ctx: BenchContext, name: string, command: string, args: string[]): Promise<Daemon> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const daemon = new Daemon(name, child);
  ctx.resources.trackProcess(daemon);
  await Promise.race([once(child, 'spawn'), once(child, 'error').then(([e]) => Promise.reject(e as Error))]);
  // a config error ends the process at once; give it that moment before using it
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (!daemon.isAlive()) throw new ReferenceFailed(`${name} exited at start: ${stderr.trim()}`);
  return daemon;
}

export interface LbAddresses {
  port: number;
  replicas: string[];
  /** The Poseidon proxy's two services' virtual IPs (loopback addresses here). */
  proxyTcp: string;
  proxyHttp: string;
  nginx: string;
  haproxyHttp: string;
  haproxyTcp: string;
  /** The bare Node forwarder (bench/lb-side-process.ts `floor`). */
  floor: string;
}

/** One nginx process answering `200 ok` on every replica address: the backends of every side. */
export async function startReplicas(ctx: BenchContext, dir: string, a: LbAddresses): Promise<Daemon> {
  const conf = join(dir, 'replicas.conf');
  const listens = a.replicas.map((r) => `    listen ${r}:${a.port};`).join('\n');
  await writeFile(
    conf,
    `worker_processes 1;
pid ${dir}/replicas.pid;
error_log ${dir}/replicas.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/replicas-body;
  server {
${listens}
    location / { return 200 "ok\\n"; }
  }
}
`,
  );
  return startDaemon(ctx, 'nginx (replicas)', '/usr/sbin/nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;']);
}

/** nginx as a reverse proxy over the replicas: one worker (as the proxy is one thread), upstream keep-alive. */
export async function startNginx(ctx: BenchContext, dir: string, a: LbAddresses): Promise<Daemon> {
  const conf = join(dir, 'nginx.conf');
  const servers = a.replicas.map((r) => `    server ${r}:${a.port};`).join('\n');
  await writeFile(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  upstream replicas {
    least_conn;
${servers}
    keepalive 128;
  }
  server {
    listen ${a.nginx}:${a.port};
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout;
    }
  }
}
`,
  );
  return startDaemon(ctx, 'nginx (proxy)', '/usr/sbin/nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;']);
}

/** HAProxy with one thread: an http frontend (forwardfor, leastconn) and a tcp one, over the replicas. */
export async function startHaproxy(ctx: BenchContext, dir: string, a: LbAddresses): Promise<Daemon> {
  const conf = join(dir, 'haproxy.cfg');
  const servers = a.replicas.map((r, i) => `  server r${i} ${r}:${a.port}`).join('\n');
  await writeFile(
    conf,
    `global
  nbthread 1
  maxconn 8192
defaults
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
frontend http_in
  mode http
  bind ${a.haproxyHttp}:${a.port}
  option forwardfor
  default_backend replicas_http
backend replicas_http
  mode http
  balance leastconn
  http-reuse safe
${servers}
frontend tcp_in
  mode tcp
  bind ${a.haproxyTcp}:${a.port}
  default_backend replicas_tcp
backend replicas_tcp
  mode tcp
  balance leastconn
${servers}
`,
  );
  return startDaemon(ctx, 'haproxy', '/usr/sbin/haproxy', ['-f', conf, '-db']);
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors (connect, read, write, timeout) and non-2xx/3xx answers. */
  errors: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Parses wrk's `--latency` output. */
export function parseWrk(out: string): WrkResult {
  const latency = (pct: string): number => {
    const m = new RegExp(`^\\s*${pct}%\\s+([0-9.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (m === null) throw new ReferenceFailed(`wrk printed no ${pct}% latency:\n${out}`);
    return toMs(m[1] as string, m[2] as string);
  };
  const rps = /^Requests\/sec:\s+([0-9.]+)/m.exec(out);
  const total = /^\s*([0-9]+) requests in/m.exec(out);
  if (rps === null || total === null) throw new ReferenceFailed(`wrk printed no rate:\n${out}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors =
    (socket === null ? 0 : socket.slice(1, 5).reduce((s, v) => s + Number(v), 0)) + Number(non2xx?.[1] ?? 0);
  return {
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors,
  };
}

export interface WrkOptions {
  /** Each request on a new connection (`Connection: close`, which wrk follows by reconnecting); default kept alive. */
  newConnectionPerRequest?: boolean;
}

/** One wrk run (one thread, `connections` connections, kept alive unless asked otherwise) for `seconds`. */
export async function runWrk(
  url: string,
  connections: number,
  seconds: number,
  signal: AbortSignal,
  opts: WrkOptions = {},
): Promise<WrkResult> {
  const close = opts.newConnectionPerRequest === true ? ['-H', 'Connection: close'] : [];
  const { stdout } = await run(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '2s', '--latency', ...close, url],
    { signal, timeout: (seconds + 30) * 1000 },
  );
  return parseWrk(stdout);
}

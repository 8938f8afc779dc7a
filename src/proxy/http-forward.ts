import { request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AgentPool } from './agent-pool.js';
import type { Target } from './balancer.js';
import { ConnectTimeout, connectFailed, type PortContext } from './port-context.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
// hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, not the request
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

/** A request with no body: it can be sent again as it was. */
function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  // headers the client named in Connection are this hop's too (usually only keep-alive, already one)
  let named: Set<string> | undefined;
  for (const name of (req.headers.connection ?? '').split(',')) {
    const lower = name.trim().toLowerCase();
    if (lower !== '' && !HOP_BY_HOP.has(lower)) (named ??= new Set()).add(lower);
  }
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name) && named?.has(name) !== true) headers[name] = value;
  }
  const client = req.socket.remoteAddress ?? 'unknown';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior === undefined ? client : `${String(prior)}, ${client}`;
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

function responseHeaders(res: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in res.headers) {
    const value = res.headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'transfer-encoding') headers[name] = value;
  }
  return headers;
}

function answer(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Forwards one HTTP request to a ready replica over a kept-alive connection. Tried again on
 * another replica: any request whose connect failed (its body is read only once connected), and
 * an idempotent request without a body that failed before its response began.
 */
export function forwardHttp(ctx: PortContext, agents: AgentPool, req: IncomingMessage, res: ServerResponse): void {
  const tried = new Set<string>();
  const headers = forwardedHeaders(req);
  const resendable = IDEMPOTENT.has(req.method ?? '') && hasNoBody(req);
  let lastError = '';
  let attempts = 0;
  let current: ClientRequest | undefined;
  res.on('close', () => {
    if (!res.writableFinished) current?.destroy();
  });

  const attempt = (): void => {
    const target = ctx.settings.balancer.pick(ctx.ready(), tried);
    if (target === undefined || attempts >= ctx.maxAttempts) {
      ctx.metrics.noReplica.inc({ service: ctx.service });
      const status = attempts === 0 ? 503 : 502;
      ctx.metrics.requests.inc({ service: ctx.service, code: '5xx' });
      const why =
        attempts === 0
          ? `no ready replica of service ${ctx.service}\n`
          : `no replica of service ${ctx.service} answered (${attempts} tried; last error: ${lastError})\n`;
      answer(res, status, why);
      return;
    }
    if (attempts > 0) ctx.metrics.retries.inc({ service: ctx.service });
    attempts += 1;
    tried.add(target.taskId);
    current = send(ctx, agents, target, req, res, headers, resendable, (err, connected, reused) => {
      lastError = (err as NodeJS.ErrnoException).code ?? err.message;
      if (res.destroyed) return;
      // a kept-alive connection the replica had just closed says nothing about the replica
      if (reused) tried.delete(target.taskId);
      if (!connected || resendable) attempt();
      else {
        ctx.metrics.requests.inc({ service: ctx.service, code: '5xx' });
        answer(res, 502, `replica of service ${ctx.service} failed: ${lastError}\n`);
      }
    });
  };
  attempt();
}

function send(
  ctx: PortContext,
  agents: AgentPool,
  target: Target,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string | string[]>,
  noBody: boolean,
  onFailed: (err: Error, connected: boolean, reused: boolean) => void,
): ClientRequest {
  const upstream = request({
    host: target.address,
    port: target.port,
    method: req.method,
    path: req.url,
    headers,
    agent: agents.get(target),
    setHost: false,
  });
  let connected = false;
  let answered = false;
  ctx.counts.open(target.taskId, ctx.service);
  let open = true;
  const done = (): void => {
    if (open) ctx.counts.close(target.taskId, ctx.service);
    open = false;
  };
  let timer: NodeJS.Timeout | undefined;
  const onConnected = (): void => {
    clearTimeout(timer);
    connected = true;
    ctx.setAside.succeeded(target.key);
    // the body is read only once a replica is connected, so a failed connect can go elsewhere
    if (!noBody) req.pipe(upstream);
  };
  if (noBody) upstream.end();
  upstream.on('socket', (socket: Socket) => {
    if (!socket.connecting) return onConnected();
    timer = setTimeout(() => upstream.destroy(new ConnectTimeout('connect timed out')), ctx.connectTimeoutMs);
    socket.once('connect', onConnected);
  });
  upstream.on('response', (upRes) => {
    answered = true;
    ctx.metrics.requests.inc({ service: ctx.service, code: `${Math.floor((upRes.statusCode ?? 500) / 100)}xx` });
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, responseHeaders(upRes));
    upRes.pipe(res);
    upRes.on('end', done);
    upRes.on('error', () => res.destroy());
    upRes.on('close', done);
  });
  upstream.on('error', (err) => {
    clearTimeout(timer);
    done();
    if (answered) {
      res.destroy();
      return;
    }
    if (!connected) connectFailed(ctx, target, err);
    onFailed(err, connected, upstream.reusedSocket);
  });
  return upstream;
}

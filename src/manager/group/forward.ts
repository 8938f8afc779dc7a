import { Agent, request } from 'node:https';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { checkServerIdentity, TLSSocket } from 'node:tls';
import type { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { connectOptions } from '../../client/index.js';
import { asksNdjson, isFollow, type LogsQuery } from '../../api/index.js';
// what a follower's answer from its copy says of it (in src/api: `poseidon cluster status` reads them)
import { COPY_AGE_HEADER, COPY_REVISION_HEADER } from '../../api/copy-headers.js';
import { LeaderUnknown, NoLeader, NotLeader, PoseidonError } from '../../errors/index.js';
import {
  endRelay,
  endsWithServer,
  errorAnswer,
  identifyByCertificate,
  relayOutput,
  StreamStopped,
  type Identity,
  type RelayEnd,
} from '../../http/index.js';
import { COPY_END, EVENTS_END, EXEC_END, LOGS_END } from '../stopped-streams.js';

// A follower of a manager group passes each API call on to the leader, as it came (method, path,
// query, headers, body as a stream) and hands back the answer as it comes (streams too), so a
// client may call any manager. The leader checks the caller's token on what is passed on; what a
// follower answers itself (reads from its copy, /status) it checks against its copy of the tokens
// (state-copy.ts). A call made with a node certificate (a worker's) cannot be passed on,
// since the certificate is this connection's; it gets not_leader with the leader's URL, and the
// worker calls the leader itself. Only a certificate of this cluster, valid and not revoked, learns
// that URL: any other is refused 401 here, as the leader would refuse it (a call with no
// credentials, or a token, is passed on, and the leader checks it). Only what says where a manager
// is stays here: /healthz and /ca, and /status, which says how the group stands as this manager
// sees it (most wanted when no manager leads). A follower out of touch with etcd names no leader
// to a worker: while etcd lacks a majority the last leader it saw may be long dead (LeaderUnknown).

/**
 * A certificate a follower does not take (of another CA, expired, revoked): refused as the leader
 * would, never told where the leader is.
 */
class CertificateRefused extends PoseidonError {
  constructor(identity: Identity) {
    const rejected = identity.kind === 'anonymous' ? identity.rejected : undefined;
    super(
      rejected?.nodeRemoved === true ? 'node_removed' : 'unauthenticated',
      rejected?.reason ?? 'the certificate presented is not a node certificate of this cluster',
    );
  }
}

/** What the hook needs to know of the group. */
export interface GroupView {
  /** This manager leads and has started its parts: it serves calls itself. */
  readonly leading: boolean;
  /** etcd renewed this manager's lease within its TTL: it is not cut off from etcd. */
  readonly inTouch: boolean;
  /** How long etcd has not renewed this manager's lease (0 while in touch). */
  outOfTouchMs(): number;
  /** The leader as etcd says (null between two terms). */
  readonly leader: { id: string; url: string } | null;
  readonly selfId: string;
  /** Calls `fn` each time the leader changes (or goes). */
  onLeaderChange(fn: () => void): void;
}

/** Hop-by-hop headers (RFC 9110 7.6.1): never passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const SERVED_HERE = new Set(['/healthz', '/ca']);

/** Answered by every manager itself, once its copy holds the tokens to check the caller's against. */
const STATUS_ROUTE = '/status';

/**
 * Reads a follower answers from its copy of the leader's records (state-copy.ts), checking the
 * caller's token against its copy of the tokens, while the copy is current and etcd in touch.
 * Nodes (their liveness is the leader's alone), events, logs and usage still go to the leader.
 */
const READS_FROM_COPY = new Set(['/tasks', '/tasks/:id', '/services', '/services/:name', '/services/:name/tasks']);

/** What a follower's copy offers the hook. */
export interface ReadCopy {
  readonly ready: boolean;
  /** The etcd revision the copy has reached. */
  readonly revision: bigint;
  waitFor(revision: bigint, timeoutMs: number): Promise<boolean>;
}

/**
 * The leader's answer to a change names etcd's revision once it was written
 * (`x-poseidon-revision`); the follower that passed the call on answers only once its copy has
 * it, so a caller reads its own change from the follower it made it through.
 */
export const REVISION_HEADER = 'x-poseidon-revision';

/** How long a follower waits for its copy to reach a change before it answers anyway. */
const CATCH_UP_MS = 2_000;

/** How long the leader may take to start answering a passed-on call (streams then run as long as they run). */
const ANSWER_TIMEOUT_MS = 30_000;

export function forwardToLeader(deps: {
  group: GroupView;
  /** The cluster CA's certificate: the leader's must chain to it. */
  caPem: string;
  /** The follower's copy of the leader's records and tokens; absent: every call is passed on. */
  copy?: ReadCopy;
  log: Logger;
  /** A node removed from the cluster, as this manager knows (its certificate learns no leader's URL). */
  isRevoked?: (nodeId: string) => boolean;
}): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const isRevoked = deps.isRevoked;
  const byCertificate = identifyByCertificate({
    now: () => Date.now(),
    ...(isRevoked === undefined ? {} : { isRevoked }),
  });
  // the leader's certificate must be a manager's: a worker's of the cluster may name its address
  // too (a worker chooses the addresses its own names), and the call carries the caller's token
  const tls = connectOptions({ ca: deps.caPem, serverRole: 'manager' }, checkServerIdentity);
  const agent = new Agent({ keepAlive: true, timeout: 4_000, ...tls });
  // calls passed on to a leader whose term ended (it died or froze) would wait for it: they are
  // ended at once and answered no_leader, and the caller tries again with the new one
  const inflight = new Set<ClientRequest>();
  deps.group.onLeaderChange(() => {
    for (const upstream of inflight) upstream.destroy(new Error('the leader changed'));
  });
  return async (req, reply) => {
    const { group } = deps;
    if (group.leading || SERVED_HERE.has(req.url.split('?')[0] ?? '')) return;
    const { copy } = deps;
    const route = req.routeOptions.url ?? '';
    if (req.method === 'GET' && READS_FROM_COPY.has(route) && copy?.ready && group.inTouch) {
      void reply.header(COPY_REVISION_HEADER, copy.revision.toString());
      return;
    }
    if (route === STATUS_ROUTE && copy !== undefined && copy.revision > 0n) {
      // the caller's token was checked against this copy: how current it is, as for reads from it
      void reply.header(COPY_REVISION_HEADER, copy.revision.toString());
      if (!group.inTouch) void reply.header(COPY_AGE_HEADER, String(Math.ceil(group.outOfTouchMs() / 1000)));
      return;
    }
    // no leader to pass the call on to: an election, or, out of touch with etcd, none known
    const away = (): PoseidonError => (group.inTouch ? new NoLeader() : new LeaderUnknown(group.outOfTouchMs()));
    const leader = group.leader;
    if (leader === null || leader.id === group.selfId) throw away();
    if (presentsCertificate(req)) {
      // the leader's URL to a node of this cluster only: a certificate of another CA, expired or revoked is refused
      const identity = byCertificate(req);
      if (identity.kind !== 'node') throw new CertificateRefused(identity);
      throw group.inTouch ? new NotLeader(leader) : away();
    }
    reply.hijack();
    await pass(req, reply, leaderTarget(req.url, leader.url), agent, deps.log, inflight, copy, away);
  };
}

/**
 * Where a call is passed on: the leader's origin, with the path and query the request line names.
 * Never `new URL(req.url, leader)`: a request line's target of another authority (`//HOST:PORT/x`,
 * or the absolute form `https://HOST:PORT/x`) would then name the host called, and anyone could
 * make a follower connect to any address it reaches, before any credentials were checked. Such a
 * target is a path on the leader here, which answers it 404 (test/unit/manager/group/forward-target.test.ts).
 */
export function leaderTarget(requestTarget: string, leaderUrl: string): URL {
  const target = new URL(leaderUrl);
  const query = requestTarget.indexOf('?');
  target.pathname = query === -1 ? requestTarget : requestTarget.slice(0, query);
  target.search = query === -1 ? '' : requestTarget.slice(query);
  return target;
}

function presentsCertificate(req: FastifyRequest): boolean {
  const socket = req.raw.socket;
  return socket instanceof TLSSocket && Object.keys(socket.getPeerCertificate()).length > 0;
}

function pass(
  req: FastifyRequest,
  reply: FastifyReply,
  target: URL,
  agent: Agent,
  log: Logger,
  inflight: Set<ClientRequest>,
  copy: ReadCopy | undefined,
  away: () => PoseidonError,
): Promise<void> {
  return new Promise((resolve) => {
    const out = reply.raw;
    const upstream = request(target, {
      method: req.method,
      agent,
      headers: { ...passed(req.headers), 'x-forwarded-for': req.ip, 'x-forwarded-proto': 'https' },
    });
    inflight.add(upstream);
    upstream.on('close', () => inflight.delete(upstream));
    let piped: IncomingMessage | undefined;
    // a stream ends when this manager stops as the leader ends its own (stopped-streams.ts); while
    // one the caller follows is quiet, its connection is not an idle one
    const stream = streamOf(req);
    let relay: Transform | undefined;
    let stopping = false;
    if (stream !== undefined) {
      if (stream.follows) req.raw.socket.setTimeout(0);
      endsWithServer(req, reply, () => {
        stopping = true;
        if (relay !== undefined && piped !== undefined) endRelay(piped, relay, stream.end);
        else if (!out.headersSent) upstream.destroy(new StreamStopped(stream.end.stopped));
        else {
          piped?.unpipe(out); // an error the leader answered
          out.end();
        }
      });
    }
    const answerTimer = setTimeout(() => upstream.destroy(new Error('no answer in time')), ANSWER_TIMEOUT_MS);
    upstream.on('response', (res: IncomingMessage) => {
      clearTimeout(answerTimer);
      const answer = (): void => {
        if (out.headersSent || out.destroyed) return; // ended meanwhile (the leader changed, the caller left)
        if (stream?.end.cut === true && isSuccess(res)) {
          // an archive's status line goes out with its first bytes, as the leader's own route sends
          // it: a stop (or a leader gone) before any is then answered in the API's shape, a 503,
          // where a 200 already sent could only be cut off
          out.statusCode = res.statusCode ?? 200;
          for (const [name, value] of Object.entries(passed(res.headers))) out.setHeader(name, value);
        } else {
          out.writeHead(res.statusCode ?? 502, passed(res.headers));
          // a stream's caller gets the status line now, not with the first event: otherwise a
          // leader that dies before one comes leaves it with a connection closed and no answer at all
          if (stream?.follows === true) out.flushHeaders();
        }
        piped = res;
        res.on('end', resolve);
        if (stream === undefined || !isSuccess(res)) {
          res.pipe(out);
          res.on('error', () => out.destroy());
          return;
        }
        relay = relayOutput(res, stream.end, () => stopping);
        relay.pipe(out);
        // the leader's connection broke, or this manager cut the stream off as it stopped (an archive)
        relay.on('error', (err) => {
          if (out.headersSent) out.destroy();
          else answerUnsent(out, err, target, log, away);
        });
      };
      const revision = writtenAt(res);
      if (copy === undefined || revision === null) return answer();
      void copy.waitFor(revision, CATCH_UP_MS).then(answer);
    });
    upstream.on('error', (err) => {
      clearTimeout(answerTimer);
      if (out.headersSent) {
        if (!stopping) out.destroy(); // a stream this manager ended as it stopped ends whole, as it was ended
      } else answerUnsent(out, err, target, log, away);
      resolve();
    });
    // the caller went away (a stream it stopped following): so does the call to the leader
    out.on('close', () => {
      upstream.destroy();
      resolve();
    });
    req.raw.pipe(upstream);
  });
}

/**
 * The streams a follower passes on: how each ends when this manager stops, and whether it `follows`
 * (goes on until its caller leaves, or may be quiet long: the events, a task's logs with follow,
 * a command's output however long it takes, an archive its caller reads slowly).
 */
function streamOf(req: FastifyRequest): { end: RelayEnd; follows: boolean } | undefined {
  const route = req.routeOptions.url;
  if (req.method === 'POST') return route === '/tasks/:id/exec' ? { end: EXEC_END, follows: true } : undefined;
  if (req.method !== 'GET') return undefined;
  if (route === '/events') return { end: EVENTS_END, follows: true };
  if (route === '/tasks/:id/archive') return { end: COPY_END, follows: true };
  if (route === '/tasks/:id/logs') {
    // each stream apart (NDJSON) is passed on line by line
    const end = asksNdjson(req.headers.accept) ? { ...LOGS_END, lines: true } : LOGS_END;
    return { end, follows: isFollow(req.query as LogsQuery) };
  }
  return undefined;
}

/** A 2xx: the stream itself, not an error the leader answered instead. */
function isSuccess(res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  return status >= 200 && status < 300;
}

/**
 * A passed-on call that failed before anything of its answer went out: this manager stops (said
 * as the leader says it of its own streams), or the leader etcd names is not answering (dead, its
 * term not run out yet), and the caller tries again. Headers an archive's answer was given wait
 * unsent (pass): they are not this answer's.
 */
function answerUnsent(out: FastifyReply['raw'], err: Error, target: URL, log: Logger, away: () => PoseidonError): void {
  if (out.destroyed) return; // the caller left: nobody to answer
  for (const name of out.getHeaderNames()) out.removeHeader(name);
  if (err instanceof StreamStopped) {
    log.info({ code: err.code }, err.message);
    answerError(out, err);
  } else {
    log.debug({ leader: target.origin, reason: err.message }, 'the leader does not answer a passed-on call');
    answerError(out, away());
  }
}

/** An error in the API's shape, on an answer not begun (the reply is this hook's, not fastify's). */
function answerError(out: FastifyReply['raw'], error: PoseidonError): void {
  const { body, retryAfterS } = errorAnswer(error);
  out.writeHead(error.status, {
    'content-type': 'application/json; charset=utf-8',
    ...(retryAfterS === undefined ? {} : { 'retry-after': String(retryAfterS) }),
  });
  out.end(JSON.stringify(body));
}

function passed(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

/** The revision a change was written at, from the leader's answer; null when it names none. */
function writtenAt(res: IncomingMessage): bigint | null {
  const value = res.headers[REVISION_HEADER];
  return typeof value === 'string' && /^[0-9]{1,20}$/.test(value) ? BigInt(value) : null;
}

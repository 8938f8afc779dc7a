import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { joinCluster, type NodeCredentials } from '../../src/pki/index.js';
import type { ManagerAccess } from '../../testkit/manager-access.js';
import { spawnWorker, type PoseidonProcess } from '../../testkit/spawner.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import type { TestCluster } from '../integration/helpers/cluster.js';
import { waitFor } from '../integration/helpers/wait-for.js';

// What the attacks need beyond test/integration/helpers: requests as anyone could send them,
// raw bodies and all, answered with the status and the error body. The servers speak mutual TLS
// only: a request goes out as someone (a caller), trusting the cluster's CA.

export interface Answer {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
}

/** Who a request goes out as: the cluster's CA to trust, and a token or a node certificate. */
export interface Caller {
  ca: string;
  token?: string;
  cert?: string;
  key?: string;
}

/** The cluster's admin, with its token. */
export function admin(access: ManagerAccess): Caller {
  return { ca: access.caPem, token: access.adminToken };
}

/** A node of the cluster, with its certificate. */
export function asNode(creds: NodeCredentials): Caller {
  return { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem };
}

/**
 * A node that joined the cluster as a worker does (the join token, a key made here), but runs no
 * worker: nothing listens at its address. Its certificate names 127.0.0.1.
 */
export function joinedNode(access: ManagerAccess): Promise<NodeCredentials> {
  return joinCluster({ managerUrl: access.url, token: access.joinToken, addresses: ['127.0.0.1'] });
}

/** `send` as one caller. */
export type Send = (method: string, url: string, body?: unknown) => Promise<Answer>;
export function sender(as: Caller): Send {
  return (method, url, body) => send(method, url, body, as);
}

/** `method url` as `as`, with `body` as it is (a string) or as JSON. */
export async function send(method: string, url: string, body: unknown, as: Caller): Promise<Answer> {
  const res = await tlsFetch(url, {
    method,
    tls: { ca: as.ca, ...(as.cert === undefined ? {} : { cert: as.cert, key: as.key }) },
    ...(as.token === undefined ? {} : { token: as.token }),
    ...(body === undefined
      ? {}
      : {
          body: typeof body === 'string' ? body : JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }),
  });
  const text = res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** The error message of an answer in Poseidon's error shape, '' otherwise. */
export function messageOf(a: Answer): string {
  return (a.body as { error?: { message?: string } } | null)?.error?.message ?? '';
}

export function codeOf(a: Answer): string {
  return (a.body as { error?: { code?: string } } | null)?.error?.code ?? '';
}

/** A task report as a worker sends it, for a task id of the caller's choosing. */
export function report(taskId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskId,
    generation: 1,
    state: 'Running',
    containerId: null,
    exitCode: null,
    reason: 'running',
    ports: [],
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}

/**
 * A register body for a node that is only a name and a URL (nothing listens there); the node id
 * of a joined node's certificate, else a random one (a body refused before anyone reads it).
 */
export function registration(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nodeId: randomUUID(),
    name,
    url: 'https://127.0.0.1:9',
    capacity: { cpuCores: 4, memoryBytes: 8 * 2 ** 30, diskBytes: 100 * 2 ** 30 },
    metrics: { cpuUsage: 0, load1: 0, memoryAvailableBytes: 8 * 2 ** 30, diskFreeBytes: 100 * 2 ** 30 },
    tasks: [],
    ...fields,
  };
}

export const METRICS = { cpuUsage: 0, load1: 0, memoryAvailableBytes: 8 * 2 ** 30, diskFreeBytes: 100 * 2 ** 30 };

/**
 * A worker that joins with the join token and registers with no one, and the cluster's manager
 * restarted to poll it (`--workers`); resolves once the manager has polled it Up.
 */
export async function staticWorker(
  c: TestCluster,
  short: string,
): Promise<{ worker: PoseidonProcess; name: string; dir: string }> {
  const name = c.workerName(short);
  const dir = join(c.dir, name);
  const worker = await spawnWorker(c.access, ['--no-register', '--port', '0', '--name', name, '--data-dir', dir], {
    onSpawn: (p) => c.track(p),
  });
  await c.restartManager('stop', ['--workers', new URL(worker.url).host]);
  await waitFor(async () => (await c.client.listNodes()).some((n) => n.name === name && n.state === 'Up'), {
    what: 'the static worker polled',
  });
  return { worker, name, dir };
}

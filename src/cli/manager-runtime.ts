import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createFirstAdminToken, TokenBook } from '../auth/index.js';
import { calling, ManagerClient, poolConnections, serverNodeId, WorkerClient } from '../client/index.js';
import { systemClock } from '../clock/index.js';
import { setServerTls } from '../http/index.js';
import {
  createManagerServer,
  forwardToLeader,
  Manager,
  ManagerGroup,
  StateCopy,
  StaticWorkers,
} from '../manager/index.js';
import { InvalidField } from '../errors/index.js';
import { CertificateRenewer, filesKeyOf, LiveCredentials, managerAddresses, NodeAuthority } from '../pki/index.js';
import { strategyByName, type StrategyName } from '../scheduler/index.js';
import { claimDataDir } from './data-dir-claim.js';
import { openManagerStores } from './manager-stores.js';
import { stopInTurn } from './stop-in-turn.js';
import { listenOn, makeDataDir } from './start-places.js';
import type { StoreChoice } from './store-flag.js';
import type { Runtime } from './worker-runtime.js';
import { POSEIDON_VERSION } from '../version.js';

export const DEFAULT_HEARTBEAT_PERIOD_MS = 1_000;
export const DEFAULT_SWEEP_MS = 5_000;
/** How long a register of a URL another node holds waits to see whose certificate the server there presents. */
const URL_OWNER_LOOK_MS = 3_000;
/** How long a follower answering /status waits for the leader's /healthz. */
const LEADER_PROBE_MS = 1_500;

export interface ManagerRuntimeOptions {
  host: string;
  port: number;
  dataDir: string;
  scheduler: StrategyName;
  staticWorkers: string[];
  heartbeatGraceMs: number;
  /** A worker that said it is restarting is held this long before Down; absent: the manager's default. */
  restartGraceMs?: number;
  /** GET /metrics without a token. */
  metricsOpen?: boolean;
  /** How long the node certificates it issues (its own too) last. */
  certTtlMs: number;
  /** URLs workers and the CLI reach it at, beyond the listen address (its certificate names them). */
  advertise?: string[];
  engineGraceMs: number;
  /** Where services' virtual IPs come from (`--vip-range`). */
  vipRange?: string;
  /** Ended tasks kept per service replica slot (`--task-history`); the manager's default when absent. */
  taskHistory?: number;
  /** Ended plain tasks kept in all (`--plain-task-history`). */
  plainTaskHistory?: number;
  /** Where records and tokens are kept: LMDB in the data dir (default) or etcd (then managers run as a group). */
  store?: StoreChoice;
  /** `--join-token`: the manager join token, for a manager joining a group with an empty data dir. */
  joinToken?: string;
  /** A group's leader lost its term: nothing more may be done in its name (`poseidon manager` exits). */
  onDeposed?(reason: string): void;
}

/** After taking over a group's lead, known nodes get this long to beat (at least) before they are Down. */
export const TAKEOVER_GRACE_MS = 15_000;

/** Static workers (`--workers`) are a lone manager's: a group's workers join with the join token. */
export function loneManagerOnly(staticWorkers: readonly string[]): void {
  if (staticWorkers.length > 0)
    throw new InvalidField('--workers', 'is for a lone manager; workers of a group join with the join token');
}

/**
 * Builds and starts a manager from its real dependencies (the composition root), on a data dir no
 * other manager holds (data-dir-claim.ts): its certificate there is its identity.
 */
export async function startManagerRuntime(opts: ManagerRuntimeOptions, root: Logger): Promise<Runtime> {
  makeDataDir(opts.dataDir); // a new one 0700; its stores make their own dirs private
  const release = await claimDataDir('manager', opts.dataDir);
  let runtime: Runtime;
  try {
    runtime = await startClaimed(opts, root);
  } catch (err) {
    await release();
    throw err;
  }
  return {
    url: runtime.url,
    async close() {
      try {
        await runtime.close();
      } finally {
        await release();
      }
    },
  };
}

async function startClaimed(opts: ManagerRuntimeOptions, root: Logger): Promise<Runtime> {
  const log = root.child({ component: 'manager' });
  await poolConnections();
  const startedAt = new Date().toISOString();
  let advertised = '';
  const stores = await openManagerStores(opts.store ?? { kind: 'lmdb' }, opts.dataDir, log);
  const store = stores.state;
  // on etcd, managers run as a group: a new manager's CA comes from the group (its join token)
  const groupStore = stores.group;
  if (groupStore !== undefined) loneManagerOnly(opts.staticWorkers);
  // etcd is reached through the store first: when it cannot be, its error says what to check
  if (groupStore !== undefined) {
    await store.get('node/');
    log.info({ store: stores.where }, 'etcd reached; joining the manager group');
  }
  const group =
    groupStore === undefined
      ? undefined
      : await ManagerGroup.open({
          client: groupStore.client,
          prefix: groupStore.prefix,
          dataDir: opts.dataDir,
          log,
          ...(opts.joinToken === undefined ? {} : { joinToken: opts.joinToken }),
        });
  const metrics = new Registry();
  // the cluster CA and join token on the first start; the manager's own certificate (role manager)
  const authority = await NodeAuthority.open({
    dataDir: opts.dataDir,
    clock: systemClock,
    log,
    certTtlMs: opts.certTtlMs,
  });
  await group?.publish(authority);
  const addresses = managerAddresses(opts.host, opts.advertise);
  const creds = new LiveCredentials(await authority.managerCredentials(addresses, Math.random), 'worker');
  const clients = new Map<string, WorkerClient>();
  // one client per worker URL and node: the manager's certificate, trusting the certificate of the
  // node called only (a worker chooses the URL it registers: another's, on the same host, names
  // the same addresses); a static worker's, any worker certificate of this cluster
  const workerClient = (url: string, certNodeId: string | undefined): WorkerClient => {
    const key = `${certNodeId ?? '*'} ${url}`;
    let c = clients.get(key);
    if (c === undefined) {
      c = new WorkerClient(url, 5_000, { tls: calling(creds.client, certNodeId) });
      clients.set(key, c);
    }
    return c;
  };
  const manager = new Manager({
    store,
    clock: systemClock,
    strategy: strategyByName(opts.scheduler),
    log,
    metrics,
    heartbeatPeriodMs: DEFAULT_HEARTBEAT_PERIOD_MS,
    heartbeatGraceMs: opts.heartbeatGraceMs,
    ...(opts.restartGraceMs === undefined ? {} : { restartGraceMs: opts.restartGraceMs }),
    engineGraceMs: opts.engineGraceMs,
    sweepMs: DEFAULT_SWEEP_MS,
    certTtlMs: opts.certTtlMs,
    workerClient,
    // a register of a URL another live node holds: whose certificate the server there presents
    serverNodeAt: (workerUrl) => serverNodeId(workerUrl, creds.client, URL_OWNER_LOOK_MS),
    // secrets are sealed under a key of the cluster CA's: every manager of a group holds it
    filesKey: await filesKeyOf(opts.dataDir),
    ...(opts.vipRange === undefined ? {} : { vipRange: opts.vipRange }),
    ...(opts.taskHistory === undefined ? {} : { taskHistory: opts.taskHistory }),
    ...(opts.plainTaskHistory === undefined ? {} : { plainTaskHistory: opts.plainTaskHistory }),
    ...(group === undefined ? {} : { startGraceMs: Math.max(2 * opts.heartbeatGraceMs, TAKEOVER_GRACE_MS) }),
  });
  // each certificate a node gets is recorded first: a removal keeps it revoked until it expires
  authority.onIssued((nodeId, expiresAtMs) => manager.certIssued(nodeId, expiresAtMs));
  const tokens = new TokenBook({ store: stores.tokens, clock: systemClock, log });
  // a follower's /status asks the leader it names whether it answers (a killed one is named until its lease runs out)
  // one TLS settings object, so one keep-alive agent for every probe (agents are kept per object)
  const leaderTls = { ca: authority.ca.certPem, serverRole: 'manager' as const };
  const leaderAnswers = (url: string): Promise<boolean> =>
    new ManagerClient(url, LEADER_PROBE_MS, { tls: leaderTls }).http.request('GET', '/healthz').then(() => true);
  // what a manager does when it begins to lead: a lone one at once, one of a group when elected
  const lead = async (): Promise<void> => {
    await manager.start();
    await tokens.load();
    await createFirstAdminToken(tokens, opts.dataDir, log);
    tokens.start();
  };
  if (group === undefined) await lead();
  // a follower answers reads of tasks and services from a copy etcd's watch keeps (group/state-copy.ts)
  const copy =
    groupStore === undefined
      ? undefined
      : new StateCopy({ client: groupStore.client, prefix: groupStore.prefix, records: manager.copy, tokens, log });
  const app = await createManagerServer({
    manager,
    log,
    metrics,
    clock: systemClock,
    tokens,
    authority,
    tls: creds.server,
    workers: workerClient,
    metricsOpen: opts.metricsOpen === true,
    status: async () => {
      if (group !== undefined) return group.status(() => stores.status(), leaderAnswers);
      const self = {
        id: creds.current.info.nodeId,
        url: advertised,
        leader: true,
        since: startedAt,
        version: POSEIDON_VERSION,
      };
      return { managers: [self], leader: self.id, store: await stores.status() };
    },
    ...(group === undefined || groupStore === undefined
      ? {}
      : {
          first: forwardToLeader({
            group,
            caPem: authority.ca.certPem,
            copy,
            log,
            isRevoked: (nodeId) => manager.isRevoked(nodeId),
          }),
          written: groupStore.written,
        }),
  });
  const url = await listenOn(app, opts.host, opts.port);
  advertised = opts.advertise?.[0] ?? url;
  copy?.start();
  group?.start(
    { id: creds.current.info.nodeId, url: advertised },
    {
      elected: async (fence) => {
        groupStore?.fence(fence);
        await copy?.stop(); // the leader reads the store itself
        const secret = await group.joinSecret(authority.ca.hash);
        if (secret !== undefined) await authority.adoptJoinSecret(secret);
        await lead();
      },
      deposed: (reason) => (opts.onDeposed ?? ((why) => log.error({ reason: why }, 'no longer leading')))(reason),
    },
  );
  log.info(
    { url, scheduler: opts.scheduler, dataDir: opts.dataDir, store: stores.where, caHash: authority.ca.hash },
    'manager listening',
  );
  // its own certificate renews itself as a worker's does, in process
  creds.onChange(() => setServerTls(app, creds.server));
  const renewer = new CertificateRenewer({
    clock: systemClock,
    log,
    random: Math.random,
    current: () => creds.current.info,
    renew: async () => creds.replace(await authority.issueManagerCredentials(creds.current.info.nodeId, addresses)),
  });
  renewer.start();
  const statics = new StaticWorkers(
    {
      manager,
      clock: systemClock,
      log,
      periodMs: DEFAULT_HEARTBEAT_PERIOD_MS,
      client: (workerUrl, timeoutMs) => new WorkerClient(workerUrl, timeoutMs, { tls: creds.client }),
      certNodeId: (workerUrl, timeoutMs) => serverNodeId(workerUrl, creds.client, timeoutMs),
    },
    opts.staticWorkers,
  );
  statics.start();
  return {
    url,
    async close() {
      group?.stopping(); // a term that ends meanwhile ends with the stop
      await stopInTurn(log, [
        { what: 'stop polling static workers', stop: () => statics.stop() },
        { what: 'stop renewing its certificate', stop: () => renewer.stop() },
        { what: 'close its server', stop: () => app.close() },
        { what: 'stop the manager', stop: () => manager.stop() },
        { what: 'write the last use of tokens', stop: () => tokens.stop() },
        { what: "stop following the leader's records", stop: () => copy?.stop() },
        // steps down (another manager leads at once) and leaves the list, or says why not
        { what: 'leave the manager group', stop: () => group?.stop() },
        { what: 'close the token store', stop: () => stores.tokens.close() },
        { what: 'close the store', stop: () => store.close() },
      ]);
    },
  };
}

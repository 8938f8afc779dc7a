import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isNotFound, isPermanent, isUnknownFieldRefusal, PoseidonError, RemoteError } from '../errors/index.js';
import {
  MAX_PORTS_IN_USE,
  REPORT_SLACK,
  toReport,
  type HeartbeatReply,
  type HeartbeatRequest,
  type NodeMetrics,
  type TaskReport,
  type RegisterRequest,
  type ResourcesView,
} from '../api/index.js';
import { type ManagerClient } from '../client/index.js';
import type { HostSnapshot } from '../stats/index.js';
import { beatDelayMs, HostReadings } from './host-readings.js';
import { isActive, SPEC_FIELDS } from '../task/index.js';
import { storeAwayLine } from './store-away.js';
import { POSEIDON_VERSION } from '../version.js';
import type { Worker } from './worker.js';

/**
 * Successive report requests begin at least this far apart: while tasks change fast (a burst of
 * starts, many tasks on a busy worker), the changes of one gap go in one request, which costs the
 * manager and the worker far more than the reports in it. The first change after a quiet gap goes
 * at once, so a lone start or crash is reported without delay. swarmkit's dispatcher batches
 * status updates for 100 ms, Nomad's client for 200 ms.
 */
export const REPORT_GAP_MS = 50;

/**
 * How old the host ports in use may get before a beat reads them again: the socket tables of a
 * busy host are long, and a port taken or freed outside Poseidon is seen within this.
 */
export const PORTS_READ_MS = 5_000;

const NO_PORTS: readonly string[] = [];

/**
 * How long a worker stopping on purpose waits for the manager to take its last beat, which says it
 * is restarting: a stop never hangs on a manager it cannot reach.
 */
export const RESTARTING_WAIT_MS = 1_000;

/** What the reporter needs of the manager's API and of the worker. */
export type ReporterManager = Pick<ManagerClient, 'baseUrl' | 'register' | 'heartbeat' | 'report'> &
  Partial<Pick<ManagerClient, 'urls'>>;
export type ReportedWorker = Pick<Worker, 'onChange' | 'list' | 'activeDigest' | 'engineStatus'>;

export interface ReporterDeps {
  manager: ReporterManager;
  worker: ReportedWorker;
  nodeId: string;
  name: string;
  /** This worker's API URL as the manager should call it. */
  url: string;
  capacity: ResourcesView;
  readHost(): Promise<HostSnapshot>;
  /**
   * The host ports something other than this worker's tasks holds (other containers, host
   * processes), as `"8080/tcp"`: the manager places no task that asks for one of them here.
   * Read at most every PORTS_READ_MS; absent: none are reported.
   */
  readPortsInUse?(): Promise<readonly string[]>;
  log: Logger;
  /** The node's labels and the host directories it lets tasks mount, sent at register; none when absent. */
  labels?: Record<string, string>;
  allowedHostPaths?: string[];
  /** Capabilities beyond Docker's default set it gives tasks (`--allow-cap`); absent: none. */
  allowedCaps?: string[];
  /** Sent at register: how long a stop may take before the container is killed (`--stop-grace`). */
  stopGraceSeconds?: number;
  /** Sent at register: the machine this worker runs on (`--host-id`); absent: not sent. */
  hostId?: string;
  /** Sent at register: the task spec fields this worker reads; SPEC_FIELDS unless a test plays an older worker. */
  specFields?: readonly string[];
  /** A manager answered (register, beat or report): the self-fence's clock starts again. */
  onContact?(): void;
  /**
   * The manager says this node was removed from the cluster (`poseidon node rm`: its certificate
   * is revoked, for good): called once, with the manager's words, and the reporter stops beating.
   */
  onRemoved?(message: string): void;
  /**
   * The manager's list of the nodes removed from the cluster, when it changed since it last told
   * this node (a register or beat reply): the tunnel refuses their certificates. Not called by a
   * manager older than this field.
   */
  onRevoked?(nodeIds: readonly string[]): void;
  /**
   * The version of the revoked list the worker holds (pki/revoked-version.ts), sent in each beat:
   * the manager sends its list whenever its own differs. Absent: not sent (the manager then says
   * the list when it changed since it last told this node).
   */
  revokedVersion?(): string;
  /** REPORT_GAP_MS unless a test sets another. */
  reportGapMs?: number;
  /** RESTARTING_WAIT_MS unless a test sets another. */
  restartingWaitMs?: number;
  /** PORTS_READ_MS unless a test sets another. */
  portsReadMs?: number;
}

/**
 * Joins the manager and keeps it informed: registers (with every task, so the manager can
 * resync), beats at the pace the manager sets with a digest of its active tasks (the list only
 * when the manager asks), and pushes each task change as it happens, coalesced per task, and
 * while changes come fast, one request per REPORT_GAP_MS. A report that cannot be delivered is
 * kept and sent with the next one.
 */
export class ManagerReporter {
  readonly #abort = new AbortController();
  readonly #pending = new Map<string, TaskReport>();
  #loop: Promise<void> | undefined;
  #flushing: Promise<void> | undefined;
  #registered = false;
  #olderManagerTold = false;
  /** The manager said this node was removed: nothing more is said to it. */
  #removed = false;
  /** The manager refused the revoked version in a beat (it is older than this worker): beats go without it. */
  #plainBeats = false;
  /** The manager refused a report's errorCode (it is older than this worker): reports go without it. */
  #plainReports = false;
  /**
   * The manager refused host ports held on one address (it is older than this worker): beats say each
   * is held on every address, which keeps a task off the node that could have gone beside it, never on.
   */
  #portsOnEveryAddress = false;
  /** When the last report request began (performance.now() ms). */
  #reportedAtMs = -Infinity;
  /** The manager's last reply said our digest disagrees with its own: the next beat lists every active task. */
  #resyncAsked = false;
  /** The resync asked for is logged: beats that fail and go again do not say it again. */
  #resyncSaid = false;
  /** The only manager given cannot reach its store: said once a streak of failures (store-away.ts). */
  #storeAwaySaid = false;
  #unsubscribe: (() => void) | undefined;
  readonly #host: HostReadings<HostSnapshot>;
  readonly #ports: HostReadings<readonly string[]> | undefined;
  /** The last host ports in use read, and whether reading them fails now. */
  #portsRead: readonly string[] = NO_PORTS;
  #portsFailing = false;

  constructor(private readonly deps: Readonly<ReporterDeps>) {
    this.#host = new HostReadings(() => deps.readHost());
    const readPorts = deps.readPortsInUse;
    this.#ports =
      readPorts === undefined
        ? undefined
        : new HostReadings(() => this.#readPorts(readPorts), deps.portsReadMs ?? PORTS_READ_MS);
  }

  /**
   * The ports in use; when they cannot be read, the last ones read (none before any), so that a
   * beat still goes: the node stays Up, and the manager keeps what it knew of the ports.
   */
  async #readPorts(read: () => Promise<readonly string[]>): Promise<readonly string[]> {
    try {
      const ports = await read();
      if (this.#portsFailing) this.deps.log.info('host ports in use read again');
      this.#portsFailing = false;
      this.#portsRead = ports;
      return ports;
    } catch (err) {
      if (!this.#portsFailing)
        this.deps.log.warn({ err }, 'cannot read the host ports in use; the manager keeps the last ones reported');
      this.#portsFailing = true;
      return this.#portsRead;
    }
  }

  start(): void {
    this.#unsubscribe = this.deps.worker.onChange((t) => {
      this.#pending.set(t.id, toReport(t));
      this.#scheduleFlush();
    });
    this.#loop = this.#run();
  }

  /**
   * Stops beating and reporting. `restarting`: the worker stops on purpose and leaves its tasks
   * running, so its last act is a beat that says so (bounded by RESTARTING_WAIT_MS): the manager
   * holds the node for its restart grace instead of placing its tasks elsewhere.
   */
  async stop(opts: { restarting?: boolean } = {}): Promise<void> {
    this.#unsubscribe?.();
    this.#abort.abort();
    await this.#loop;
    await this.#flushing;
    if (opts.restarting === true && this.#registered && !this.#removed) await this.#sayRestarting();
  }

  async #sayRestarting(): Promise<void> {
    const waitMs = this.deps.restartingWaitMs ?? RESTARTING_WAIT_MS;
    const timer = new AbortController();
    try {
      const said = (async () => {
        const [host, ports] = await this.#readings();
        return this.deps.manager.heartbeat(
          this.deps.nodeId,
          {
            metrics: metricsOf(host, ports),
            tasks: [],
            digest: this.deps.worker.activeDigest(),
            engine: this.deps.worker.engineStatus(),
            restarting: true,
          },
          { timeoutMs: waitMs },
        );
      })();
      const late = sleep(waitMs, undefined, { signal: timer.signal }).then(() => {
        throw new Error(`no answer within ${waitMs}ms`);
      });
      await Promise.race([said, late]);
      this.deps.log.info({ manager: this.deps.manager.baseUrl }, 'told the manager this worker is restarting');
    } catch (err) {
      // a manager older than restarts refuses the field: it is Down after its heartbeat grace, as before
      if (isOlderManagerRefusal(err)) return;
      this.deps.log.warn(
        { manager: this.deps.manager.baseUrl, err: err instanceof Error ? err.message : String(err) },
        'could not tell the manager this worker is restarting: its tasks may be placed elsewhere meanwhile',
      );
    } finally {
      timer.abort();
    }
  }

  async #run(): Promise<void> {
    let delayMs = 1_000;
    let failures = 0;
    while (!this.#abort.signal.aborted) {
      try {
        const sentAtMs = performance.now();
        const reply = this.#registered ? await this.#beat() : await this.#register();
        this.deps.onContact?.();
        this.#tookRevoked(reply);
        delayMs = beatDelayMs(reply.nextBeatInMs, performance.now() - sentAtMs);
        this.#resyncAsked = reply.resync === true;
        this.#resyncSaid = false;
        if (failures > 0) this.deps.log.info({ manager: this.deps.manager.baseUrl }, 'manager reachable again');
        failures = 0;
        this.#storeAwaySaid = false;
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        if (err instanceof RemoteError && err.code === 'node_removed') {
          this.#removed = true;
          this.deps.onRemoved?.(err.message);
          return;
        }
        // the manager forgot us: join again
        if (isNotFound(err, 'node')) this.#registered = false;
        else if (this.#resyncAsked && isPermanent(err)) this.#resyncAsReports();
        failures += 1;
        const storeAway = storeAwayLine(err, this.deps.manager.urls ?? [this.deps.manager.baseUrl]);
        if (storeAway !== undefined) {
          if (!this.#storeAwaySaid) this.deps.log.warn({ manager: this.deps.manager.baseUrl }, storeAway);
          this.#storeAwaySaid = true;
        } else if (failures === 1 || failures % 30 === 0) {
          this.deps.log.warn(
            { manager: this.deps.manager.baseUrl, code: (err as { code?: string }).code },
            err instanceof Error ? err.message : String(err),
          );
        }
        delayMs = Math.min(250 * 2 ** Math.min(failures, 3), 2_000);
      }
      try {
        await sleep(delayMs, undefined, { signal: this.#abort.signal });
      } catch {
        return;
      }
    }
  }

  async #register(): Promise<HeartbeatReply> {
    const [host, read] = await Promise.all([this.#host.fresh(), this.#ports?.fresh() ?? NO_PORTS]);
    const ports = this.#portsOnEveryAddress ? onEveryAddress(read) : read;
    const reply = await this.#send({
      nodeId: this.deps.nodeId,
      name: this.deps.name,
      url: this.deps.url,
      capacity: this.deps.capacity,
      metrics: metricsOf(host, ports),
      tasks: this.deps.worker.list().map(toReport),
      engine: this.deps.worker.engineStatus(),
      ...(this.deps.labels === undefined ? {} : { labels: this.deps.labels }),
      ...(this.deps.allowedHostPaths === undefined ? {} : { allowedHostPaths: this.deps.allowedHostPaths }),
      ...(this.deps.allowedCaps === undefined || this.deps.allowedCaps.length === 0
        ? {}
        : { allowedCaps: this.deps.allowedCaps }),
      ...(this.deps.stopGraceSeconds === undefined ? {} : { stopGraceSeconds: this.deps.stopGraceSeconds }),
      version: POSEIDON_VERSION,
      specFields: [...(this.deps.specFields ?? SPEC_FIELDS)],
      ...(this.deps.hostId === undefined ? {} : { hostId: this.deps.hostId }),
    });
    this.#registered = true;
    this.deps.log.info({ manager: this.deps.manager.baseUrl, nodeId: this.deps.nodeId }, 'registered with the manager');
    this.#scheduleFlush();
    return reply;
  }

  /**
   * Registers; a manager older than this worker refuses the fields it does not know (its version,
   * the spec fields it reads, its host id), so it is sent the request without them, and told once;
   * and host ports held on one address, sent again as held on every address.
   */
  async #send(req: RegisterRequest): Promise<HeartbeatReply> {
    try {
      return await this.deps.manager.register(req);
    } catch (err) {
      const held = req.metrics.portsInUse;
      if (!this.#portsOnEveryAddress && held !== undefined && isHeldPortsRefusal(err)) {
        this.#portsOnEveryAddress = true;
        this.#tellOlderManager();
        return this.#send({ ...req, metrics: { ...req.metrics, portsInUse: onEveryAddress(held) } });
      }
      if (!isOlderManagerRefusal(err)) throw err;
      const { version: _version, specFields: _fields, hostId: _hostId, ...known } = req;
      this.#plainReports = true;
      const reply = await this.deps.manager.register({ ...known, tasks: known.tasks.map(plainReport) });
      this.#tellOlderManager();
      return reply;
    }
  }

  #tellOlderManager(): void {
    if (this.#olderManagerTold) return;
    this.#olderManagerTold = true;
    this.deps.log.warn(
      { manager: this.deps.manager.baseUrl },
      'the manager is older than this worker: upgrade managers before workers',
    );
  }

  /**
   * A beat carries the digest of the active tasks, not the tasks: the manager compares it with
   * what it placed here and asks for the list (`resync`) only when the two disagree. Each change
   * is pushed as it happens (#flush), so the list is needed only to repair a loss.
   */
  async #beat(): Promise<HeartbeatReply> {
    try {
      return await this.#beatOnce();
    } catch (err) {
      if (this.#portsOnEveryAddress || !isHeldPortsRefusal(err)) throw err;
      // a manager older than ports on one address (`127.0.0.1:8080/tcp`) takes each as on every address
      this.#portsOnEveryAddress = true;
      this.#tellOlderManager();
      return this.#beatOnce();
    }
  }

  async #beatOnce(): Promise<HeartbeatReply> {
    const [host, ports] = await this.#readings();
    const tasks = this.#resyncAsked
      ? this.deps.worker
          .list()
          .filter((t) => isActive(t.state))
          .map(toReport)
      : [];
    // said once an ask: with the manager away, each beat that goes again would say it again
    if (this.#resyncAsked && !this.#resyncSaid) {
      this.#resyncSaid = true;
      this.deps.log.info(
        { manager: this.deps.manager.baseUrl, tasks: tasks.length },
        'the manager asked for every task; sending them',
      );
    }
    const req: HeartbeatRequest = {
      metrics: metricsOf(host, ports),
      tasks,
      digest: this.deps.worker.activeDigest(),
      engine: this.deps.worker.engineStatus(),
    };
    const held = this.#plainBeats ? undefined : this.deps.revokedVersion?.();
    if (held === undefined) return this.deps.manager.heartbeat(this.deps.nodeId, req);
    try {
      return await this.deps.manager.heartbeat(this.deps.nodeId, { ...req, revokedVersion: held });
    } catch (err) {
      if (!isOlderManagerRefusal(err)) throw err;
      // a manager older than the field: beats go without it, and it says the list when it changed
      this.#plainBeats = true;
      this.#tellOlderManager();
      return this.deps.manager.heartbeat(this.deps.nodeId, req);
    }
  }

  /**
   * The manager refused a beat with the task list (longer than the tasks it placed here allow, as
   * with many stale copies after a partition): the list goes as reports, in chunks it always takes,
   * and the beats go on without it, so the node stays Up.
   */
  #resyncAsReports(): void {
    this.#resyncAsked = false;
    for (const t of this.deps.worker.list()) if (isActive(t.state)) this.#pending.set(t.id, toReport(t));
    this.#scheduleFlush();
  }

  /**
   * Which tasks the manager has on this node now (a beat with listOwned), for the worker whose
   * engine came back: it brings back only those. Null when the manager does not answer.
   */
  async owned(): Promise<Array<{ taskId: string; generation: number }> | null> {
    if (!this.#registered) return null;
    try {
      const [host, ports] = await this.#readings();
      const reply = await this.deps.manager.heartbeat(this.deps.nodeId, {
        metrics: metricsOf(host, ports),
        tasks: [],
        digest: this.deps.worker.activeDigest(),
        engine: this.deps.worker.engineStatus(),
        listOwned: true,
      });
      this.#tookRevoked(reply);
      return reply.owned ?? null;
    } catch (err) {
      this.deps.log.warn(
        { manager: this.deps.manager.baseUrl, code: (err as { code?: string }).code },
        'cannot ask the manager which tasks are still ours; bringing all back',
      );
      return null;
    }
  }

  /** The manager told of the removed nodes (only when they changed): passed on. */
  #tookRevoked(reply: HeartbeatReply): void {
    if (reply.revoked !== undefined) this.deps.onRevoked?.(reply.revoked);
  }

  /** The latest host figures and ports in use, for a beat. */
  async #readings(): Promise<[HostSnapshot, readonly string[]]> {
    const [host, ports] = await Promise.all([this.#host.latest(), this.#ports?.latest() ?? NO_PORTS]);
    return [host, this.#portsOnEveryAddress ? onEveryAddress(ports) : ports];
  }

  #scheduleFlush(): void {
    if (this.#flushing !== undefined || !this.#registered || this.#pending.size === 0) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      if (this.#pending.size > 0 && !this.#abort.signal.aborted) setTimeout(() => this.#scheduleFlush(), 200).unref();
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.size > 0 && !this.#abort.signal.aborted) {
      const waitMs = this.#reportedAtMs + (this.deps.reportGapMs ?? REPORT_GAP_MS) - performance.now();
      if (waitMs > 0) {
        try {
          await sleep(waitMs, undefined, { signal: this.#abort.signal });
        } catch {
          return; // stopping
        }
      }
      this.#reportedAtMs = performance.now();
      // at most REPORT_SLACK a request: the manager takes that many from any node, whatever it owns
      const batch: TaskReport[] = [];
      for (const r of this.#pending.values()) {
        if (batch.length === REPORT_SLACK) break;
        batch.push(r);
      }
      for (const r of batch) this.#pending.delete(r.taskId);
      try {
        await this.deps.manager.report(this.deps.nodeId, this.#plainReports ? batch.map(plainReport) : batch);
        this.deps.onContact?.();
      } catch (err) {
        // keep what was not delivered, unless a newer report for the task arrived meanwhile
        for (const r of batch) if (!this.#pending.has(r.taskId)) this.#pending.set(r.taskId, r);
        if (isNotFound(err, 'node')) this.#registered = false;
        else if (!this.#plainReports && isOlderManagerRefusal(err) && batch.some((r) => r.errorCode !== undefined)) {
          // a manager older than the errorCode field: sent again at once, without it
          this.#plainReports = true;
          this.#tellOlderManager();
          continue;
        }
        return;
      }
    }
  }
}

/** A manager older than this worker refuses a field it does not know (its schemas allow no others). */
const isOlderManagerRefusal = isUnknownFieldRefusal;

/** A manager older than host ports held on one address refuses a beat that has one. */
function isHeldPortsRefusal(err: unknown): boolean {
  return err instanceof PoseidonError && err.code === 'invalid_request' && err.message.includes('portsInUse');
}

/** Host port keys as a manager before ports on one address reads them: `127.0.0.1:8080/tcp` as `8080/tcp`. */
function onEveryAddress(keys: readonly string[]): string[] {
  return [...new Set(keys.map((key) => key.slice(key.lastIndexOf(':') + 1)))];
}

/** A report without the fields a manager before them does not take (errorCode). */
function plainReport(r: TaskReport): TaskReport {
  if (r.errorCode === undefined) return r;
  const { errorCode: _code, ...plain } = r;
  return plain;
}

function metricsOf(host: HostSnapshot, ports: readonly string[]): NodeMetrics {
  return {
    cpuUsage: Math.min(1, Math.max(0, host.cpuUsage)),
    load1: host.load.load1,
    memoryAvailableBytes: host.memory.availableBytes,
    diskFreeBytes: host.disk.freeBytes,
    // a host with more than the manager takes reports the lowest ports, which tasks ask for most
    ...(ports.length === 0 ? {} : { portsInUse: ports.slice(0, MAX_PORTS_IN_USE) }),
  };
}

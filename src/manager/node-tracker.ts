import type { Logger } from 'pino';
import type {
  ClusterEventType,
  EngineStatus,
  HeartbeatReply,
  NodeAvailability,
  HeartbeatRequest,
  NodeStatusView,
  RegisterRequest,
  TaskDigest,
} from '../api/index.js';
import type { Clock } from '../clock/index.js';
import { InvalidField, NodeNotFound } from '../errors/index.js';
import { KeyedLock } from '../lock/index.js';
import { MAX_NODE_LABELS } from '../task/index.js';
import { formatDuration } from '../units/index.js';
import type { ClusterState } from './cluster-state.js';
import { AmbiguousNodeName, NodeNameTaken, NodeUrlLost, NodeUrlTaken, REGISTER_FIRST } from './errors.js';
import type { ManagerMetrics } from './metrics.js';
import { NodeHealth } from './node-health.js';
import type { Placer } from './placer.js';
import {
  nodeLabels,
  sameLabels,
  toNodeView,
  type NodeEntry,
  type NodeRecord,
  type PolledNode,
  type RevokedNode,
} from './records.js';

/**
 * Node membership: registration, heartbeats and their digests, Up and Down. A node's record is
 * durable; its liveness lives in memory, and after a manager restart every known node starts
 * Unknown with a double grace, so a restart does not declare the cluster dead.
 */
export class NodeTracker {
  readonly #health: NodeHealth;
  /**
   * One change of a node's record at a time (register, availability, labels, removal): each reads
   * the record, writes a changed one and keeps it, so two at once would each write over the other
   * (a worker registering again during `node update` undid the operator's labels).
   */
  readonly #records = new KeyedLock();
  /** One register of a URL at a time: keyed by the URL as compared (sameUrl). */
  readonly #urls = new KeyedLock();
  /** Nodes whose URL a register proved another node's (#takeUrl): the URL, and whose it is. */
  readonly #urlLost = new Map<string, { url: string; by: string }>();
  /** Per node whose engine is away: cancels the timer that gives its tasks up at the end of the grace. */
  readonly #engineGrace = new Map<string, () => void>();

  constructor(
    private readonly deps: {
      state: ClusterState;
      placer: Pick<Placer, 'setNode' | 'removeNode' | 'pool'>;
      clock: Clock;
      log: Logger;
      metrics: Pick<ManagerMetrics, 'nodesDown'>;
      heartbeatPeriodMs: number;
      heartbeatGraceMs: number;
      /**
       * How long a node whose worker said it is restarting is held before it is Down: its tasks
       * stay meanwhile. 0: no hold, it is Down after heartbeatGraceMs as any node.
       */
      restartGraceMs: number;
      /** How long a node's engine may be away before its tasks are placed elsewhere. */
      engineGraceMs: number;
      /** The node came back: its tasks and the waiting ones should be looked at. */
      up(nodeId: string): void;
      /** The node missed its heartbeats: its tasks should be looked at. */
      down(nodeId: string): void;
      /**
       * The node id the certificate of the server at `url` names (one TLS handshake, rejects when
       * none is reached): asked only when a register names a URL another Up node holds. Absent:
       * such a register is refused.
       */
      serverNodeAt?: (url: string) => Promise<string>;
      /** A worker (perhaps upgraded, perhaps at a new URL or on another host) joined at `url`. */
      joined(url: string, nodeId: string): void;
      /** The node was drained: its tasks should move elsewhere. */
      drained(nodeId: string): void;
      /** The node's drain was lifted: the moves of its tasks still under way should end. */
      lifted(nodeId: string): void;
      /** A host port held outside Poseidon on the node was freed: the waiting tasks should be looked at. */
      roomGrew(): void;
    },
  ) {
    this.#health = new NodeHealth({
      clock: deps.clock,
      graceMs: deps.heartbeatGraceMs,
      periodMs: deps.heartbeatPeriodMs,
      onDown: (id) => this.#down(id),
    });
  }

  /**
   * Nodes known from the store: Unknown until they beat, declared down only after `graceMs`
   * (twice the grace by default; a manager taking over a group's lead gives longer, for workers
   * to find it).
   */
  load(records: readonly NodeRecord[], graceMs = this.deps.heartbeatGraceMs * 2): void {
    for (const record of records) {
      const entry: NodeEntry = { record, state: 'Unknown', lastHeartbeatMs: null, metrics: null };
      this.deps.state.nodes.set(record.id, entry);
      this.deps.placer.setNode(entry);
      this.#health.beat(record.id, graceMs);
    }
  }

  /**
   * Records the node (durably, when its record changed) and marks it Up. `polled`: a static
   * worker, keyed by its URL, and the node id its certificate names (kept, for its removal).
   */
  register(req: RegisterRequest, polled?: PolledNode): Promise<void> {
    // one register of a URL at a time (however spelled): two at once would each find it free
    return this.#urls.run(sameUrl(req.url), () => this.#records.run(req.nodeId, () => this.#register(req, polled)));
  }

  async #register(req: RegisterRequest, polled: PolledNode | undefined): Promise<void> {
    const { state } = this.deps;
    const url = sameUrl(req.url);
    let holder: NodeEntry | undefined;
    for (const other of state.nodes.values()) {
      if (other.record.id === req.nodeId || other.state !== 'Up') continue;
      if (other.record.name === req.name) throw new NodeNameTaken(req.name);
      // a URL is one live node's: a node Down or removed leaves it to the next (a worker that
      // joined anew on the same port), and a node registering again may keep or change its own
      if (sameUrl(other.record.url) === url) holder = other;
    }
    if (holder !== undefined) await this.#takeUrl(req, holder);
    this.#urlLost.delete(req.nodeId);
    const known = state.nodes.get(req.nodeId);
    const record: NodeRecord = {
      id: req.nodeId,
      name: req.name,
      url: req.url,
      capacity: req.capacity,
      static: polled !== undefined,
      registeredAt: known?.record.registeredAt ?? state.isoNow(),
    };
    const certNodeIds = certIdsOf(known?.record, polled, req.nodeId);
    if (certNodeIds.length > 0) record.certNodeIds = certNodeIds;
    // set only when given, so a node without them stores (and compares) as before
    if (req.labels !== undefined && Object.keys(req.labels).length > 0) record.labels = req.labels;
    if (req.allowedHostPaths !== undefined && req.allowedHostPaths.length > 0)
      record.allowedHostPaths = req.allowedHostPaths;
    if (req.allowedCaps !== undefined && req.allowedCaps.length > 0) record.allowedCaps = req.allowedCaps;
    if (req.stopGraceSeconds !== undefined) record.stopGraceSeconds = req.stopGraceSeconds;
    if (req.version !== undefined) record.version = req.version;
    if (req.specFields !== undefined) record.specFields = req.specFields;
    if (req.hostId !== undefined) record.hostId = req.hostId;
    // a drain and labels set by `node update` are the operator's, not the worker's: registering
    // again (a worker restart) keeps them
    if (known?.record.availability !== undefined) record.availability = known.record.availability;
    if (known?.record.operatorLabels !== undefined) record.operatorLabels = known.record.operatorLabels;
    const entry = await state.saveNode(record, {
      state: 'Up',
      lastHeartbeatMs: this.deps.clock.now(),
      metrics: req.metrics,
      engine: known?.engine ?? null,
      engineLost: known?.engineLost ?? false,
    });
    this.deps.joined(req.url, req.nodeId);
    this.deps.placer.setNode(entry);
    // back from a restart, or from Down
    if (known?.state !== 'Up' || known.restarting === true) this.#announceUp(entry);
    if (req.engine !== undefined) this.#engine(entry, req.engine);
  }

  /**
   * A register of the URL `holder` (Up) registered: taken from it only when the server at the URL
   * presents the registering node's certificate (the manager calls a node's URL only as that node,
   * so the holder could never be reached there). The holder is then Down, and its beats are
   * refused until it registers a URL of its own. A server there that presents another node's
   * certificate, or none the manager reaches, leaves the URL to the holder (409 node_url_taken).
   */
  async #takeUrl(req: RegisterRequest, holder: NodeEntry): Promise<void> {
    const look = this.deps.serverNodeAt;
    if (look === undefined) throw new NodeUrlTaken(req.url, holder.record);
    let seen: string;
    try {
      const shown = await look(req.url);
      if (shown === req.nodeId) seen = '';
      else seen = `the server there presents node ${shown}'s certificate, not ${req.nodeId}'s`;
    } catch (err) {
      seen = `the manager could not reach it to see whose it is: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (seen !== '') throw new NodeUrlTaken(req.url, holder.record, seen);
    const { id, name } = holder.record;
    this.#urlLost.set(id, { url: req.url, by: `${req.name} (${req.nodeId})` });
    this.deps.log.warn(
      { nodeId: id, name, url: req.url, by: req.nodeId },
      'node lost its URL: the server there presents another node’s certificate',
    );
    this.#down(id, `its URL ${req.url} is node ${req.name}'s: the server there presents that node's certificate`);
  }

  /**
   * A heartbeat: the node is Up (again), with its latest metrics. A beat that says the worker is
   * restarting (its last before a stop on purpose) holds the node: no new work, its tasks stay,
   * and its deadline is the restart grace (see deadline); any other beat ends the hold.
   */
  beat(nodeId: string, req: HeartbeatRequest): void {
    const entry = this.deps.state.nodes.get(nodeId);
    if (entry === undefined) throw new NodeNotFound(nodeId, REGISTER_FIRST);
    const lost = this.#urlLost.get(nodeId);
    // its worker registers again (a node_not_found beat says so), and is refused while the URL is the other's
    if (lost !== undefined) throw new NodeUrlLost(nodeId, lost.url, lost.by);
    entry.lastHeartbeatMs = this.deps.clock.now();
    entry.metrics = req.metrics;
    const wasRestarting = entry.restarting === true;
    const restarting = req.restarting === true && this.deps.restartGraceMs > 0;
    // from Down, or back from a restart
    const cameBack = entry.state !== 'Up' || (wasRestarting && !restarting);
    entry.state = 'Up';
    if (restarting) entry.restarting = true;
    else delete entry.restarting;
    // measured cpu and memory, which E-PVM reads, the ports held outside Poseidon, and maybe Up again
    const freed = this.deps.placer.setNode(entry);
    if (cameBack) {
      this.#announceUp(entry);
      this.deps.up(nodeId);
    } else if (freed) this.deps.roomGrew();
    if (restarting && !wasRestarting) this.#announceRestarting(entry);
    if (req.engine !== undefined) this.#engine(entry, req.engine);
  }

  /** Every task the manager has on the node, with its generation: the node runs these and no others. */
  owned(
    nodeId: string,
    generationOf: (taskId: string) => number | undefined,
  ): Array<{ taskId: string; generation: number }> {
    const out: Array<{ taskId: string; generation: number }> = [];
    for (const taskId of this.deps.placer.pool.of(nodeId).tasks) {
      const generation = generationOf(taskId);
      if (generation !== undefined) out.push({ taskId, generation });
    }
    return out;
  }

  /** The node's tasks are given up because its engine stayed away past the grace. */
  isEngineLost(nodeId: string): boolean {
    return this.deps.state.nodes.get(nodeId)?.engineLost === true;
  }

  /** Pushes the node's deadline back (by the restart grace while it restarts); the reply sets the pace. */
  deadline(nodeId: string): HeartbeatReply {
    const restarting = this.deps.state.nodes.get(nodeId)?.restarting === true;
    return this.#health.beat(nodeId, restarting ? this.deps.restartGraceMs : undefined);
  }

  has(nodeId: string): boolean {
    return this.deps.state.nodes.has(nodeId);
  }

  /**
   * The node with this id, else the one with this name. Names are unique among live nodes only:
   * of several nodes of one name (a worker that joined again beside its old, Down record) none is
   * guessed, since drain and rm act on what they get; the caller gives the id.
   */
  resolve(idOrName: string): NodeEntry {
    const { nodes } = this.deps.state;
    const byId = nodes.get(idOrName);
    if (byId !== undefined) return byId;
    const named = [...nodes.values()].filter((n) => n.record.name === idOrName);
    if (named.length > 1)
      throw new AmbiguousNodeName(
        idOrName,
        named.map((n) => n.record.id),
      );
    if (named[0] !== undefined) return named[0];
    throw new NodeNotFound(idOrName);
  }

  /**
   * Removes the node for good: no placement on it from now on, its record replaced by a durable
   * revocation of its id and of the ids its certificates named (a static worker's,
   * NodeRecord.certNodeIds), each refused from then on until `certsExpireAt(id)`, when every
   * certificate issued to it has expired, and its tasks handed to `down`.
   */
  remove(nodeId: string, certsExpireAt: (id: string) => string): Promise<RevokedNode> {
    return this.#records.run(nodeId, () => this.#remove(nodeId, certsExpireAt));
  }

  async #remove(nodeId: string, certsExpireAt: (id: string) => string): Promise<RevokedNode> {
    const { state, log } = this.deps;
    const entry = state.nodes.get(nodeId);
    if (entry === undefined) throw new NodeNotFound(nodeId);
    const { name, certNodeIds = [] } = entry.record;
    const revokedAt = state.isoNow();
    const revoked: RevokedNode = { nodeId, name, revokedAt, certsExpireAt: certsExpireAt(nodeId) };
    const held = certNodeIds.map((id): RevokedNode => ({
      nodeId: id,
      name,
      revokedAt,
      certsExpireAt: certsExpireAt(id),
    }));
    await state.removeNode(nodeId, [revoked, ...held]);
    this.#health.forget(nodeId);
    entry.state = 'Down';
    this.deps.placer.removeNode(nodeId);
    log.info({ nodeId, name, certNodeIds }, 'node removed; its certificate is revoked');
    state.events.publish({ time: revokedAt, type: 'node.removed', node: name });
    this.deps.down(nodeId);
    return revoked;
  }

  /**
   * Revokes the certificate of a node id the cluster's CA issued one to and that has no record
   * (it joined, and never registered nor was polled): refused from then on until `certsExpireAt`.
   * Named by its id, as it has no other name here.
   */
  revokeUnregistered(nodeId: string, certsExpireAt: string): Promise<RevokedNode> {
    return this.#records.run(nodeId, async () => {
      const { state, log } = this.deps;
      const revoked: RevokedNode = { nodeId, name: nodeId, revokedAt: state.isoNow(), certsExpireAt };
      await state.removeNode(nodeId, [revoked]);
      log.info({ nodeId }, 'node removed (it never registered); its certificate is revoked');
      state.events.publish({ time: revoked.revokedAt, type: 'node.removed', node: nodeId });
      return revoked;
    });
  }

  /**
   * Drains the node (`drain`: no new placements, its tasks move elsewhere), pauses it (`pause`:
   * no new placements, its tasks stay) or makes it take work again (`active`), durably before it
   * acts and before it answers; the same availability again changes nothing. The node's view
   * after the change.
   */
  setAvailability(nodeId: string, availability: NodeAvailability): Promise<NodeStatusView> {
    return this.#records.run(nodeId, () => this.#setAvailability(nodeId, availability));
  }

  async #setAvailability(nodeId: string, availability: NodeAvailability): Promise<NodeStatusView> {
    const { state, log } = this.deps;
    const entry = state.nodes.get(nodeId);
    if (entry === undefined) throw new NodeNotFound(nodeId);
    const was = entry.record.availability ?? 'active';
    if (was !== availability) {
      const { availability: _old, ...rest } = entry.record;
      const record: NodeRecord = availability === 'active' ? rest : { ...rest, availability };
      const saved = await state.saveNode(record);
      this.deps.placer.setNode(saved);
      const name = record.name;
      const [type, said] = AVAILABILITY_EVENTS[availability];
      log.info({ nodeId, name, availability }, said);
      state.events.publish({ time: state.isoNow(), type, node: name });
      if (availability === 'drain') this.deps.drained(nodeId);
      else {
        if (was === 'drain') this.deps.lifted(nodeId);
        if (saved.state === 'Up') this.deps.up(nodeId);
      }
    }
    return this.#view(state.nodes.get(nodeId) ?? entry);
  }

  /**
   * Sets labels of the node (over the worker's own) and removes others (the worker's too),
   * durably before it answers; the node is then placed on by its new labels. Tasks running there
   * stay (as Kubernetes' IgnoredDuringExecution): a constraint is checked when a task is placed.
   * The same labels again change nothing. The node's view after the change.
   */
  updateLabels(
    nodeId: string,
    add: Readonly<Record<string, string>>,
    remove: readonly string[],
  ): Promise<NodeStatusView> {
    return this.#records.run(nodeId, () => this.#updateLabels(nodeId, add, remove));
  }

  async #updateLabels(
    nodeId: string,
    add: Readonly<Record<string, string>>,
    remove: readonly string[],
  ): Promise<NodeStatusView> {
    const { state, log } = this.deps;
    const entry = state.nodes.get(nodeId);
    if (entry === undefined) throw new NodeNotFound(nodeId);
    const both = remove.find((key) => Object.hasOwn(add, key));
    if (both !== undefined)
      throw new InvalidField('remove', `names ${both}, which add sets; give a label one of the two`);
    const before = nodeLabels(entry.record) ?? {};
    const operator: Record<string, string | null> = { ...entry.record.operatorLabels };
    for (const key of remove) {
      // the worker's label is hidden by a null; one only the operator set just goes
      if (Object.hasOwn(entry.record.labels ?? {}, key)) operator[key] = null;
      else delete operator[key];
    }
    Object.assign(operator, add);
    const { operatorLabels: _old, ...rest } = entry.record;
    const record: NodeRecord = Object.keys(operator).length === 0 ? rest : { ...rest, operatorLabels: operator };
    const after = nodeLabels(record) ?? {};
    if (Object.keys(after).length > MAX_NODE_LABELS)
      throw new InvalidField(
        'add',
        `would give node ${record.name} ${Object.keys(after).length} labels; a node takes at most ${MAX_NODE_LABELS}`,
      );
    const changed = labelChanges(before, after);
    if (changed === '' && sameLabels(entry.record.operatorLabels, record.operatorLabels)) return this.#view(entry);
    const saved = await state.saveNode(record);
    this.deps.placer.setNode(saved);
    log.info({ nodeId, name: record.name, labels: after }, 'node labels changed');
    if (changed !== '')
      state.events.publish({
        time: state.isoNow(),
        type: 'node.updated',
        node: record.name,
        reason: `labels ${changed}`,
      });
    this.deps.roomGrew(); // a task waiting for a label may fit now
    return this.#view(state.nodes.get(nodeId) ?? saved);
  }

  /**
   * A worker that beats with a digest instead of its task list is asked for the list when the
   * digest disagrees with what the manager placed there, and has for two beats in a row with the
   * worker's own set unchanged: while tasks are being dispatched the two sides differ for a
   * moment all the time, and that is no reason to send thousands of reports.
   */
  needsResync(nodeId: string, digest: TaskDigest): boolean {
    const entry = this.deps.state.nodes.get(nodeId);
    if (entry === undefined) return false;
    const mine = this.deps.placer.pool.of(nodeId).digest.value;
    if (mine.count === digest.count && mine.hash === digest.hash) {
      delete entry.digestSeen;
      return false;
    }
    const theirs = `${digest.count}:${digest.hash}`;
    if (entry.digestSeen === theirs) {
      delete entry.digestSeen;
      return true;
    }
    entry.digestSeen = theirs;
    return false;
  }

  list(): NodeStatusView[] {
    return [...this.deps.state.nodes.values()].map((n) => this.#view(n)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  #view(n: NodeEntry): NodeStatusView {
    const a = this.deps.placer.pool.of(n.record.id);
    return toNodeView(n, { ...a.resources }, a.count);
  }

  countByState(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const n of this.deps.state.nodes.values()) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
    return counts;
  }

  stop(): void {
    this.#health.stop();
    for (const cancel of this.#engineGrace.values()) cancel();
    this.#engineGrace.clear();
  }

  /**
   * The engine's health is the node's: while it is away the node takes no new work and its tasks
   * are left alone (the worker does not fail them for it); past the grace they are given up and
   * placed elsewhere, as a lost node's are. When it answers again, the node takes work again.
   */
  #engine(entry: NodeEntry, status: EngineStatus): void {
    const before = entry.engine;
    entry.engine = status;
    const wasAvailable = before?.available !== false;
    const { id, name } = entry.record;
    const time = this.deps.state.isoNow();
    if (wasAvailable && !status.available) {
      this.deps.log.warn({ nodeId: id, name, reason: status.reason }, 'node engine unavailable');
      this.deps.state.events.publish({ time, type: 'node.engine-down', node: name, reason: status.reason });
      this.#engineGrace.set(
        id,
        this.deps.clock.setTimer(this.deps.engineGraceMs, () => this.#engineLost(id)),
      );
      this.deps.placer.setNode(entry);
    } else if (!wasAvailable && status.available) {
      this.#engineGrace.get(id)?.();
      this.#engineGrace.delete(id);
      entry.engineLost = false;
      this.deps.log.info({ nodeId: id, name }, 'node engine available again');
      this.deps.state.events.publish({ time, type: 'node.engine-up', node: name });
      this.deps.placer.setNode(entry);
      this.deps.up(id);
    }
  }

  #engineLost(nodeId: string): void {
    this.#engineGrace.delete(nodeId);
    const entry = this.deps.state.nodes.get(nodeId);
    if (entry === undefined || entry.engine?.available !== false) return;
    entry.engineLost = true;
    const graceS = Math.round(this.deps.engineGraceMs / 1000);
    const reason = `engine unavailable for more than ${graceS}s`;
    this.deps.log.warn({ nodeId, name: entry.record.name }, 'node engine away past the grace; its tasks go elsewhere');
    this.deps.state.events.publish({
      time: this.deps.state.isoNow(),
      type: 'node.engine-lost',
      node: entry.record.name,
      reason,
    });
    this.deps.down(nodeId);
  }

  #announceUp(entry: NodeEntry): void {
    const { id, name, url } = entry.record;
    this.deps.log.info({ nodeId: id, name, url }, 'node up');
    this.deps.state.events.publish({ time: this.deps.state.isoNow(), type: 'node.up', node: name });
  }

  #announceRestarting(entry: NodeEntry): void {
    const { id, name } = entry.record;
    const grace = formatDuration(this.deps.restartGraceMs);
    this.deps.log.info({ nodeId: id, name }, `node restarting: its tasks stay for up to ${grace}`);
    this.deps.state.events.publish({
      time: this.deps.state.isoNow(),
      type: 'node.restarting',
      node: name,
      reason: `its worker is restarting; its tasks stay for up to ${grace}`,
    });
  }

  #down(nodeId: string, why?: string): void {
    const entry = this.deps.state.nodes.get(nodeId);
    if (entry === undefined || entry.state === 'Down') return;
    const reason =
      why ??
      (entry.restarting === true
        ? `did not come back from its restart within ${formatDuration(this.deps.restartGraceMs)}`
        : 'missed heartbeats');
    entry.state = 'Down';
    delete entry.restarting;
    this.deps.placer.setNode(entry);
    this.deps.metrics.nodesDown.inc();
    this.deps.log.warn({ nodeId, name: entry.record.name }, `node down: ${reason}`);
    this.deps.state.events.publish({
      time: this.deps.state.isoNow(),
      type: 'node.down',
      node: entry.record.name,
      reason,
    });
    this.deps.down(nodeId);
  }
}

/** What changed between two label sets, for people: `zone=b, -disk` (empty: nothing). */
function labelChanges(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(after)) if (before[key] !== value) parts.push(`${key}=${value}`);
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) parts.push(`-${key}`);
  return parts.join(', ');
}

/** What a change of availability publishes, and logs. */
const AVAILABILITY_EVENTS = {
  drain: ['node.drained', 'node drained'],
  pause: ['node.paused', 'node paused'],
  active: ['node.activated', 'node active again'],
} as const satisfies Record<NodeAvailability, readonly [ClusterEventType, string]>;

/**
 * The node ids other than its own that certificates of the node's worker named: those kept, and
 * the one a poll just read (a static worker that joined anew shows another), in the order seen.
 */
function certIdsOf(known: NodeRecord | undefined, polled: PolledNode | undefined, nodeId: string): string[] {
  const ids = known?.certNodeIds ?? [];
  const seen = polled?.certNodeId;
  return seen === undefined || seen === nodeId || ids.includes(seen) ? ids : [...ids, seen];
}

/** The names of this host's loopback address: one server listening on it answers them all alike. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '[::ffff:7f00:1]']);

/**
 * A URL as compared for its node: scheme, host (lowercased, IPv6 in one spelling, `localhost`,
 * `127.0.0.1` and `[::1]` as one) and port (the scheme's default when none), nothing else.
 */
export function sameUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/\.$/, '');
    return `${u.protocol}//${LOOPBACK.has(host) ? 'loopback' : host}:${u.port}`;
  } catch {
    return url;
  }
}

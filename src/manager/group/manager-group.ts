import type { Etcd3, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { POSEIDON_VERSION } from '../../version.js';
import type { ClusterStatusView, ManagerMemberView, StoreStatusView } from '../../api/index.js';
import type { NodeAuthority } from '../../pki/index.js';
import type { Fence } from '../../store/etcd.js';
import type { GroupView } from './forward.js';
import { groupJoinSecret, publishGroupPki, resealGroupPki, takeGroupPki, type GroupPkiOptions } from './group-pki.js';
import { whyNoLeader } from './leaderless.js';
import { settlesWithin, STOP_DEADLINE_MS } from './lease-end.js';
import { Leadership, type LeaderInfo } from './leadership.js';
import { ManagerPresence, type PresentManager } from './presence.js';

// Managers as a group on one etcd (the composition root wires it when --store is etcd):
// the group's CA (group-pki.ts), which managers are up (presence.ts), and which one leads
// (leadership.ts). Only the leader runs the manager's parts; the others pass calls on to it
// (forward.ts). A leader that loses its term does not go back to following with what it had in
// memory: the runtime exits and its supervisor starts it again, as kube-controller-manager does
// when it loses its lease; a manager's state is only ever loaded from the store at the start of
// a term.

/** A dead leader is replaced within about this long; also how long a member stays in /status after it dies. */
export const DEFAULT_LEASE_TTL_SECONDS = 3;

/** How long `GET /status` waits for etcd's list of the managers, each way it asks. */
const LIST_DEADLINE_MS = 2_000;
/** Beyond the lease's TTL, how long `GET /status` waits for an election under way to end. */
const ELECTION_SLACK_MS = 1_000;

export interface ManagerGroupOptions {
  /** The etcd client (the state store's) and the group's key prefix (`/poseidon/`). */
  client: Etcd3;
  prefix: string;
  dataDir: string;
  /** `--join-token`: the manager join token, for a data dir with no CA yet. */
  joinToken?: string;
  leaseTtlSeconds?: number;
  log: Logger;
}

/** Whether the manager at `url` answers `GET /healthz` (within a short deadline). */
export type LeaderProbe = (url: string) => Promise<boolean>;

export interface GroupHooks {
  /** This manager leads: fence every write with `fence`, load the state and start the parts. */
  elected(fence: Fence): Promise<void>;
  /** The term ended (lease lost, key gone): nothing more may be done in its name. */
  deposed(reason: string): void;
}

export class ManagerGroup implements GroupView {
  readonly #pki: GroupPkiOptions;
  #leadership: Leadership | undefined;
  #presence: ManagerPresence | undefined;
  #leading = false;
  #stopping = false;
  /** This manager led when it began to stop. */
  #ledAtStop = false;
  #joinTokenWatch: Watcher | undefined;
  /** Adoptions of the group's join secret, one after another, so the last one seen is the one kept. */
  #adopting: Promise<void> = Promise.resolve();
  #self: PresentManager | undefined;
  #selfId = '';
  readonly #leaderWatchers: Array<() => void> = [];

  private constructor(private readonly opts: ManagerGroupOptions) {
    this.#pki = {
      client: opts.client,
      key: `${opts.prefix}group/pki`,
      dataDir: opts.dataDir,
      log: opts.log,
      ...(opts.joinToken === undefined ? {} : { joinToken: opts.joinToken }),
    };
  }

  /** Before the CA is opened: joins the group's CA (a new manager) or checks the data dir's is the group's. */
  static async open(opts: ManagerGroupOptions): Promise<ManagerGroup> {
    const group = new ManagerGroup(opts);
    await takeGroupPki(group.#pki);
    return group;
  }

  /**
   * After the CA is opened: the group holds it, and rotations of the worker join token reach every
   * manager: a follower takes each one as etcd's watch brings it, and so rewrites its
   * `<data-dir>/join-token`, where a refused worker is told to find the current token.
   */
  async publish(authority: NodeAuthority): Promise<void> {
    await publishGroupPki(this.#pki, authority);
    authority.onRotate(() => resealGroupPki(this.#pki, authority));
    const watcher = await this.#pki.client.watch().key(this.#pki.key).create();
    this.#joinTokenWatch = watcher;
    watcher.on('put', () => this.#adoptJoinSecret(authority));
    // one rotated while this manager was down (its data dir holds the old token)
    this.#adoptJoinSecret(authority);
    await this.#adopting;
  }

  /** Takes the group's worker join secret, unless this manager leads: the leader's own is the newest. */
  #adoptJoinSecret(authority: NodeAuthority): void {
    this.#adopting = this.#adopting.then(async () => {
      if (this.#leading || this.#stopping) return;
      try {
        const secret = await groupJoinSecret(this.#pki, authority.ca.hash);
        if (secret !== undefined && !this.#leading) await authority.adoptJoinSecret(secret);
      } catch (err) {
        this.opts.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "could not take the group's worker join token; the data dir's join-token may be an old one",
        );
      }
    });
  }

  /** The worker join secret as the group holds it now (another manager may have rotated it). */
  joinSecret(caHash: string): Promise<string | undefined> {
    return groupJoinSecret(this.#pki, caHash);
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** The leader as etcd said last (null between two terms): calls are passed on to it. */
  get leader(): LeaderInfo | null {
    return this.#leadership?.leader ?? null;
  }

  /**
   * The leader this manager can vouch for: null while it follows out of touch with etcd
   * (inTouch). etcd's watch brings nothing then, not even the leader key's expiry, so with etcd's
   * majority lost the last leader seen would be named long after it died.
   */
  get vouchedLeader(): LeaderInfo | null {
    const leader = this.leader;
    // this manager's own id on a term it does not lead: its previous run's (killed), or one starting
    if (leader?.id === this.#selfId && !this.#leading) return null;
    return this.#leading || this.inTouch ? leader : null;
  }

  /** How long etcd has not renewed this manager's lease (0 while in touch). */
  outOfTouchMs(nowMs = Date.now()): number {
    if (this.inTouch) return 0;
    return Math.max(0, nowMs - (this.#presence?.aliveAtMs ?? nowMs));
  }

  /** etcd renewed this manager's presence within the lease's TTL (presence.ts). */
  get inTouch(): boolean {
    return this.#presence?.inTouch ?? false;
  }

  get selfId(): string {
    return this.#selfId;
  }

  onLeaderChange(fn: () => void): void {
    this.#leaderWatchers.push(fn);
  }

  /** Announces this manager and campaigns; `hooks` run as terms begin and end. */
  start(self: { id: string; url: string }, hooks: GroupHooks): void {
    const { client, prefix, log } = this.opts;
    const ttlSeconds = this.#ttlSeconds;
    this.#selfId = self.id;
    this.#self = { ...self, startedAt: new Date().toISOString(), version: POSEIDON_VERSION };
    this.#presence = new ManagerPresence({ client, prefix: `${prefix}managers/`, self: this.#self, ttlSeconds, log });
    this.#presence.start();
    const leadership = new Leadership({ client, key: `${prefix}leader`, self, ttlSeconds, log });
    this.#leadership = leadership;
    leadership.on('elected', (fence) => {
      // won while stopping (etcd back as its parts stop): nothing starts, and its stop revokes the lease
      if (this.#stopping) return;
      hooks.elected(fence).then(
        () => {
          // a term may have ended while its parts were starting
          if (leadership.isLeader) this.#leading = true;
        },
        (err: unknown) => hooks.deposed(`could not start leading: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
    leadership.on('leader', () => {
      for (const fn of this.#leaderWatchers) fn();
    });
    leadership.on('deposed', (reason) => {
      this.#leading = false;
      if (!this.#stopping) hooks.deposed(reason);
    });
    leadership.start();
  }

  /**
   * The managers up, and which one leads since when, as this manager sees it (any manager answers
   * `GET /status` itself). While etcd lacks a majority the list is what the etcd member asked
   * holds (managers that died meanwhile are still in it) and no manager is named the leader.
   * This manager is always in it.
   */
  async members(): Promise<{ managers: ManagerMemberView[]; leader: string | null }> {
    const leader = this.vouchedLeader;
    const present = await this.#present();
    const self = this.#self;
    if (self !== undefined && !present.some((m) => m.id === self.id)) {
      present.push(self);
      present.sort((a, b) => (a.id < b.id ? -1 : 1));
    }
    const managers: ManagerMemberView[] = present.map((m) => ({
      id: m.id,
      url: m.url,
      leader: m.id === leader?.id,
      since: m.id === leader?.id ? leader.since : null,
      ...(m.version === undefined ? {} : { version: m.version }),
    }));
    return { managers, leader: leader?.id ?? null };
  }

  /**
   * `GET /status` as this manager sees the group: the managers, the store's members, and, while no
   * manager leads, why (leaderless.ts).
   */
  async status(store: () => Promise<StoreStatusView>, answers?: LeaderProbe): Promise<ClusterStatusView> {
    const ttl = this.#ttlSeconds;
    await this.#electionEnd(ttl * 1_000 + ELECTION_SLACK_MS);
    const [members, stored, leaderAnswers] = await Promise.all([this.members(), store(), this.#leaderAnswers(answers)]);
    const noLeader = members.leader === null ? whyNoLeader(stored, this.outOfTouchMs(), ttl) : undefined;
    // etcd's lease alone says who leads: a leader that does not answer is still named, and said so
    const managers =
      leaderAnswers === undefined
        ? members.managers
        : members.managers.map((m) => (m.leader ? { ...m, answers: leaderAnswers } : m));
    return {
      ...members,
      managers,
      store: stored,
      answeredBy: this.#selfId,
      ...(noLeader === undefined ? {} : { noLeader }),
    };
  }

  /** A follower asks the leader it names whether it answers; undefined when it leads or names none. */
  async #leaderAnswers(answers: LeaderProbe | undefined): Promise<boolean | undefined> {
    const leader = this.vouchedLeader;
    if (answers === undefined || leader === null || leader.id === this.#selfId) return undefined;
    return answers(leader.url).catch(() => false);
  }

  /**
   * Waits up to `ms` while an election is under way (no leader, etcd in touch): one ends within
   * the lease's TTL, and `cluster status` just after a leader died or a manager started then
   * shows who leads, not that none does. Not while out of touch with etcd: no election can end.
   */
  async #electionEnd(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.vouchedLeader === null && this.inTouch && !this.#stopping && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** etcd's list of the managers: from a majority when it can, else from whichever member answers, else none. */
  async #present(): Promise<PresentManager[]> {
    const presence = this.#presence;
    if (presence === undefined) return [];
    try {
      return await presence.list({ memberLocal: !this.inTouch, deadlineMs: LIST_DEADLINE_MS });
    } catch {
      return presence.list({ memberLocal: true, deadlineMs: LIST_DEADLINE_MS }).catch(() => []);
    }
  }

  /**
   * The manager is stopping: a term that ends from now on (etcd out of reach while its parts stop)
   * ends with the stop, not through the deposed hook (which exits saying to start it again).
   */
  stopping(): void {
    this.#ledAtStop ||= this.#leading || this.#leadership?.isLeader === true;
    this.#stopping = true;
  }

  /**
   * Steps down (another leads at once) and leaves the group's list, waiting on etcd at most
   * STOP_DEADLINE_MS (lease-end.ts): when it cannot revoke its leases it says so, and they expire.
   */
  async stop(): Promise<void> {
    this.stopping();
    // a term that ended as its parts stopped still holds the leader key until its lease goes
    const led = this.#ledAtStop;
    this.#leading = false;
    const [, , leadership, presence] = await Promise.all([
      settlesWithin(this.#joinTokenWatch?.cancel() ?? Promise.resolve(), STOP_DEADLINE_MS),
      settlesWithin(this.#adopting, STOP_DEADLINE_MS),
      this.#leadership?.stop(),
      this.#presence?.stop(),
    ]);
    const why = leadership ?? presence;
    if (why !== undefined) this.opts.log.warn({ reason: why }, unrevokedLine(led, this.#ttlSeconds));
  }

  get #ttlSeconds(): number {
    return this.opts.leaseTtlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
  }
}

/** What a manager that stops without revoking its leases leaves behind, and until when. */
export function unrevokedLine(led: boolean, ttlSeconds: number): string {
  const left = led
    ? "the leader key and this manager's entry in the group's list go when their leases expire"
    : "this manager's entry in the group's list goes when its lease expires";
  return (
    `stopping without revoking this manager's leases in etcd: ${left}, ${ttlSeconds}s after etcd last renewed ` +
    `${led ? 'them' : 'it'} (while etcd lacks a majority, ${ttlSeconds}s after it has one again)` +
    (led ? '; another manager leads then' : '')
  );
}

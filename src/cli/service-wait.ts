import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceTaskView, ServiceView } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { PoseidonError } from '../errors/index.js';
import { STDIO, type Output } from './each-name.js';
import { imageHint, isImageUnavailable } from './image-unavailable.js';
import { lastOutput, outputBlock, writeBlock } from './last-output.js';
import { ReplicasGivingUp, replicasGivingUp } from './replica-give-up.js';
import { failingCheck, isStopping, jobProgress, replicaState, times, updateStateText } from './service-format.js';
import { unplaceableOf, unplaceableText } from './unplaceable.js';
import { AwayLooks } from './wait-away.js';

// `--wait` for services: a look every half second, a line for each replica whose state changed.

const POLL_MS = 500;

/**
 * The wait ended, not the service: its replicas and its rollout go on (as `docker service create`
 * says of its own wait, "operation continuing in background"), so the line says how to follow it.
 */
export class ServiceWaitTimedOut extends PoseidonError {
  constructor(name: string, what: string, ms: number, trouble: string | undefined) {
    const last = trouble === undefined ? '' : `; last trouble: ${trouble}`;
    super(
      'wait_timed_out',
      `service ${name}: ${what} after ${Math.round(ms / 1000)}s${last} ` +
        `(it goes on: poseidon service ps ${name} follows it; --timeout waits longer)`,
    );
  }
}

/**
 * A replica could not start because its node cannot have its image: every restart would fail the
 * same way until someone acts, so the wait ends at once with why and what to do (the service's
 * restarts go on: an image loaded meanwhile is taken at the next one).
 */
export class ReplicaImageUnavailable extends PoseidonError {
  constructor(name: string, t: ServiceTaskView) {
    const why = t.lastExit?.reason ?? t.reason;
    super(
      'image_unavailable',
      `service ${name}: ${t.name} cannot start: ${why}; ${imageHint(t)} ` +
        `(it is tried again as its restart policy says: poseidon service ps ${name})`,
    );
  }
}

/**
 * A replica no node of the cluster could ever hold (more memory than any node has, a constraint no
 * node meets): it would wait until someone acts, so the wait ends at once with why and what to do
 * (the service is left as it is: the replica is placed when a node that can hold it joins).
 */
export class ReplicaUnplaceable extends PoseidonError {
  constructor(name: string, t: ServiceTaskView, text: string) {
    super(
      'unplaceable',
      `service ${name}: ${t.name} cannot be placed: ${text} (it stays Pending: poseidon service ps ${name})`,
    );
  }
}

/** What a replica is doing, for a wait's line: its state, what its checks or its end said, its restarts. */
export function progressLine(t: ServiceTaskView): string {
  const where = t.node === null ? '' : ` on ${t.node}`;
  let state = replicaState(t);
  const failing = failingCheck(t);
  if (failing !== undefined) state += `: ${failing}`;
  else if (saysWhy(t)) state += `: ${t.reason}`;
  const restarts = t.restarts > 0 ? `, restarted ${times(t.restarts)}` : '';
  return `${replicaName(t)}: ${state}${where}${restarts}`;
}

/**
 * Whether a replica's reason says more than its state: a Scheduled one's says where it was placed,
 * a stopping one's why it stops ("(stopping)" says enough), and a Running one's says more only when
 * it is not "running" (the host's copy of an image whose pull failed runs, a container was adopted).
 */
function saysWhy(t: ServiceTaskView): boolean {
  if (t.state === 'Scheduled' || t.reason === '') return false;
  return t.state !== 'Running' || (t.reason !== 'running' && !isStopping(t));
}

function replicaName(t: ServiceTaskView): string {
  return `${t.name} (slot ${t.slot}, version ${t.version})`;
}

/** What last went wrong with a replica, if anything: its failing checks, or why it ended. */
function trouble(t: ServiceTaskView): string | undefined {
  const failing = failingCheck(t);
  if (failing !== undefined) return `${t.name}: ${failing}`;
  if (t.state === 'Failed' || (t.state === 'Pending' && t.reason !== '')) return `${t.name}: ${t.state} (${t.reason})`;
  return undefined;
}

/**
 * Prints each replica's progress as it changes, and keeps the last trouble seen, which a wait
 * that times out names: "0/3 healthy" alone does not say that every check answered HTTP 404.
 * Why a replica waited is forgotten once it no longer waits (a replica placed and starting
 * was not named by a timeout as "Pending (waiting to be scheduled)"); a failure stays.
 */
export class Tracker {
  readonly #seen = new Map<string, { line: string; name: string; node: string | null }>();
  #trouble: { text: string; waiting?: string } | undefined;

  constructor(private readonly write: (line: string) => void) {}

  show(tasks: readonly ServiceTaskView[]): void {
    for (const t of tasks) {
      const line = progressLine(t);
      if (this.#seen.get(t.id)?.line !== line) this.write(line);
      this.#seen.set(t.id, { line, name: replicaName(t), node: t.node });
      const now = trouble(t);
      if (now !== undefined) this.#trouble = { text: now, ...(t.state === 'Pending' ? { waiting: t.id } : {}) };
      else if (this.#trouble?.waiting === t.id) this.#trouble = undefined;
    }
    // a replica that ended leaves the service's task list (its slot's history keeps it): its end
    // is said, or a scale down's wait would end on "stopping" lines and never show them done
    const now = new Set(tasks.map((t) => t.id));
    for (const [id, gone] of this.#seen) {
      if (now.has(id)) continue;
      this.write(`${gone.name}: ended${gone.node === null ? '' : ` on ${gone.node}`}`);
      this.#seen.delete(id);
    }
  }

  /** The last trouble seen: a replica's failing checks, or why it failed or waits. */
  get trouble(): string | undefined {
    return this.#trouble?.text;
  }
}

/** The calls a wait makes; with `logStreams`, a wait that ends on failing replicas shows the last one's output. */
export type WaitClient = Pick<ManagerClient, 'getService' | 'serviceTasks'> &
  Partial<Pick<ManagerClient, 'logStreams'>>;

/** A look's verdict: over (with the wait's answer), or not yet (with what is still awaited, for a timeout). */
type Verdict = { over: true; ok: boolean } | { over: false; still: string };

/**
 * Looks at the service and its tasks every POLL_MS, a line for each replica whose state changed,
 * until `look` says it is over; its answer. Past the timeout, throws with what is still awaited.
 * `fatal` says what ends the wait with an error at once, before the look's lines are shown (the
 * error says why, so the reason is said once).
 */
async function pollService(
  client: WaitClient,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
  look: (s: ServiceView, tasks: ServiceTaskView[]) => Verdict,
  fatal: (s: ServiceView, tasks: ServiceTaskView[]) => PoseidonError | undefined = unplaceable(name),
  away = new AwayLooks(),
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const tracker = new Tracker(write);
  const both = () => Promise.all([client.getService(name), client.serviceTasks(name)]);
  for (;;) {
    const [s, tasks] = await away.look(both, `service ${name}`);
    const error = fatal(s, tasks);
    if (error !== undefined) throw error;
    tracker.show(tasks);
    const v = look(s, tasks);
    if (v.over) return v.ok;
    if (Date.now() > deadline) throw new ServiceWaitTimedOut(name, v.still, timeoutMs, tracker.trouble);
    await sleep(POLL_MS);
  }
}

/** States of a replica that holds (or is about to hold) a container. */
const ACTIVE: ReadonlySet<string> = new Set(['Pending', 'Scheduled', 'Running']);

/** A replica the wait waits for: of the service's version, and not being stopped. */
function wanted(s: ServiceView, t: ServiceTaskView): boolean {
  return t.desiredState === 'running' && t.version === s.version;
}

/**
 * Until every replica is healthy and every replica asked to stop has ended (a scale down is done
 * when its containers are gone, as Swarm's converges); false if the service is gone meanwhile. A
 * replica that keeps failing ends it with an error, its last output written to `io` first.
 */
export function waitForReplicas(
  client: WaitClient,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
  io: Output = STDIO,
): Promise<boolean> {
  let unchecked: string | undefined; // the replicas without a check the last look counted healthy
  const look = (s: ServiceView, tasks: ServiceTaskView[]): Verdict => {
    // the look right after a scale down's write may find the replicas it stops not told to yet:
    // more replicas wanted running than the service wants are stopping too (or the wait ended at once)
    const running = tasks.filter((t) => t.desiredState === 'running' && ACTIVE.has(t.state)).length;
    const stopping = tasks.filter(isStopping).length + Math.max(0, running - s.replicas);
    const counted = s.healthy === s.replicas && stopping === 0;
    const unseen = counted ? runningUnchecked(s, tasks) : undefined;
    const seenBefore = unseen === '' || unseen === unchecked;
    unchecked = unseen;
    if (counted && seenBefore) {
      write(`service ${name}: ${s.healthy}/${s.replicas} replicas healthy`);
      return { over: true, ok: true };
    }
    const still = stopping === 0 ? '' : `, ${stopping} still stopping`;
    return { over: false, still: `${s.healthy}/${s.replicas} healthy${still}` };
  };
  const checks = [imageFailures(name), unplaceable(name), replicasGivingUp(name)];
  const fatal = (s: ServiceView, tasks: ServiceTaskView[]): PoseidonError | undefined =>
    checks.reduce<PoseidonError | undefined>((found, check) => found ?? check(s, tasks), undefined);
  return pollService(client, name, timeoutMs, write, look, fatal).catch(async (err: unknown) => {
    // what the replica printed before it failed says why most often, as under `poseidon run --wait`
    if (err instanceof ReplicasGivingUp && client.logStreams !== undefined) {
      const logs = { logStreams: client.logStreams.bind(client) };
      writeBlock(outputBlock(err.last.id, await lastOutput(logs, err.last.id), `${err.last.name}'s`), io);
    }
    throw err;
  });
}

/**
 * The replicas of the service's version that count as healthy only because they run (no health
 * check), each with its restarts, as one text ('' when none). A command that exits at once (a typo)
 * runs for a few ms, since docker-init is PID 1, so a look may find every replica Running: the wait
 * ends only once a second look, POLL_MS later, finds the same ones still running, none restarted.
 */
function runningUnchecked(s: ServiceView, tasks: readonly ServiceTaskView[]): string {
  return tasks
    .filter((t) => wanted(s, t) && t.state === 'Running' && t.health.status === 'none')
    .map((t) => `${t.id}/${t.restarts}`)
    .sort()
    .join(',');
}

/**
 * A fatal check of every wait: a replica of the service's version that no node could ever hold,
 * as the manager judged it (ServiceTaskView.unplaceable). Unlike a failed start, nothing from
 * before the wait needs waiting out: the field is cleared as soon as a node could hold it.
 */
function unplaceable(name: string): (s: ServiceView, tasks: ServiceTaskView[]) => PoseidonError | undefined {
  return (s, tasks) => {
    for (const t of tasks) {
      const u = wanted(s, t) ? unplaceableOf(t) : undefined;
      if (u !== undefined) return new ReplicaUnplaceable(name, t, unplaceableText(u));
    }
    return undefined;
  };
}

/** Whether the manager will start a replica that has not started again: a restart is planned or under way. */
function triesAgain(t: ServiceTaskView): boolean {
  return t.state !== 'Failed' || t.restartAt !== null;
}

/**
 * The fatal check of a replicas wait: a replica whose node cannot have its image ends it. A failure
 * the first look already sees happened before the wait began, maybe before the image was loaded
 * since: while its replica is still to be tried again, it ends the wait only if that next try
 * fails so too (its lastExit is then another). The CLI's clock is never compared with the manager's.
 */
function imageFailures(name: string): (s: ServiceView, tasks: ServiceTaskView[]) => PoseidonError | undefined {
  let earlier: Map<string, string> | undefined; // task id -> when its failure the first look saw happened
  return (s, tasks) => {
    const stuck = tasks.filter((t) => wanted(s, t) && t.state !== 'Running' && isImageUnavailable(t));
    earlier ??= new Map(stuck.filter(triesAgain).map((t) => [t.id, t.lastExit?.at ?? '']));
    const seen = earlier;
    const now = stuck.find((t) => seen.get(t.id) !== t.lastExit?.at || !triesAgain(t));
    return now === undefined ? undefined : new ReplicaImageUnavailable(name, now);
  };
}

/** Until the rollout ends; true when it ended as `want` (an update completed, a rollback rolled back). */
export function waitForRollout(
  client: WaitClient,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
  want: 'completed' | 'rolled_back',
  away?: AwayLooks,
): Promise<boolean> {
  const look = (s: ServiceView): Verdict => {
    const u = s.update;
    if (u === null || (u.state !== 'updating' && u.state !== 'rolling_back')) {
      const ok = u === null || u.state === want;
      const next = ok ? '' : rolloutAdvice(name, u.state);
      write(`service ${name}: ${u === null ? 'no rollout' : `${updateStateText(u.state)}: ${u.reason}${next}`}`);
      return { over: true, ok };
    }
    return { over: false, still: `still ${u.state} ${u.updated}/${u.total}` };
  };
  return pollService(client, name, timeoutMs, write, look, unplaceable(name), away);
}

/**
 * What to do about a rollout that ended other than as waited for: a rolled-back update runs its
 * previous version again, a paused one holds both, and a paused rollback waits for a new spec.
 */
export function rolloutAdvice(name: string, state: string): string {
  const ps = `poseidon service ps ${name} shows the replicas that failed`;
  if (state === 'rolled_back')
    return ` (the service runs its previous version again; ${ps}: fix the spec, update again)`;
  if (state === 'paused')
    return ` (${ps}; poseidon service rollback ${name} goes back, an update with a fixed spec goes on)`;
  if (state === 'rollback_paused') return ` (${ps}; an update with a fixed spec goes on from here)`;
  return '';
}

/**
 * Until a job's run of its version ends (`job.state` no longer running): true when it completed,
 * false when it failed; a service that is no job (a manager before jobs) has nothing to wait for.
 */
export function waitForJob(
  client: WaitClient,
  name: string,
  timeoutMs: number,
  write: (line: string) => void,
): Promise<boolean> {
  return pollService(client, name, timeoutMs, write, (s) => {
    const j = s.job;
    if (j === undefined || j.state !== 'running') {
      write(`service ${name}: ${j === undefined ? 'no job' : `job ${jobProgress(s) ?? j.state}`}`);
      return { over: true, ok: j === undefined || j.state === 'complete' };
    }
    return { over: false, still: `job still ${jobProgress(s) ?? j.state}` };
  });
}

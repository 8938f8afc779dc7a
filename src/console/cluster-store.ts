import type { Api } from './api.js';
import {
  fileView,
  list,
  nodeView,
  serviceView,
  taskView,
  TASK_STATES,
  type ClusterEvent,
  type FileView,
  type NodeView,
  type ServiceView,
  type TaskView,
} from './decode.js';
import { EventFollower, NO_ANSWER, type StreamState } from './event-stream.js';
import { UsageHistory } from './usage-history.js';
import { saysRestartPlan } from '../task/restart-plan.js';

/** Events the overview lists, newest first. */
const MAX_EVENTS = 200;
/** Refetches caused by a burst of events are coalesced over this long. */
const COALESCE_MS = 100;
/** Past this many changed tasks one list call beats one call per task. */
const FETCH_ALL_OVER = 25;

/**
 * The cluster as the console shows it: loaded once, then kept current by the manager's event
 * stream. An event changes what it names at once (a task's state, reason, node and restarts);
 * what it does not carry (a service's healthy count, a node's allocation, a new task's spec) is
 * fetched again, coalesced, for the things it named. Listeners hear of every change.
 * Secrets and configs come again as two lists when one is created or removed, and when a task
 * or service that may mount one changes (what uses each is the manager's to say).
 */
export class ClusterStore {
  nodes = new Map<string, NodeView>();
  tasks = new Map<string, TaskView>();
  services = new Map<string, ServiceView>();
  /** Secrets and configs by fileKey. */
  files = new Map<string, FileView>();
  events: ClusterEvent[] = [];
  stream: { state: StreamState; detail: string } = { state: 'connecting', detail: '' };
  loaded = false;
  /** How many times the nodes came from the manager: a figure of them is of now only once they came again. */
  nodesAnswers = 0;
  error = '';
  /**
   * Since when the manager does not answer at all (ISO time; null while it does): what the page
   * shows is as of then, and the page says so until it is live again and has loaded the state anew.
   */
  lostSince: string | null = null;
  /** What the task and node pages sampled, kept across navigation (the manager keeps no history). */
  readonly usage = new UsageHistory();
  /** When the oldest change not yet rendered arrived (performance.now()); null: all rendered. */
  pendingSince: number | null = null;
  readonly #listeners = new Set<() => void>();
  readonly #eventListeners = new Set<(e: ClusterEvent) => void>();
  readonly #follower: EventFollower;
  #want = { nodes: false, files: false, tasks: new Set<string>(), services: new Set<string>() };
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly api: Api) {
    this.#follower = new EventFollower(api, {
      event: (e) => this.#apply(e),
      state: (state, detail) => {
        this.stream = { state, detail };
        if (state === 'live') this.lostSince = null;
        else if (detail === NO_ANSWER) this.lostSince ??= new Date().toISOString();
        this.#changed();
      },
      resync: () => this.load(),
    });
  }

  async start(): Promise<void> {
    this.#follower.start();
    await this.load();
    // the latest events from before the page opened, listed beside those since
    void this.#follower.past().then((past) => {
      this.events = mergeEvents(this.events, past);
      this.#changed();
    });
  }

  stop(): void {
    this.#follower.stop();
    clearTimeout(this.#timer);
  }

  /** A task's events the manager kept since `sinceIso` (its submission), oldest first; null: it did not answer. */
  async taskHistory(taskId: string, sinceIso: string): Promise<ClusterEvent[] | null> {
    return this.#follower.ofTask(taskId, sinceIso);
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Each event heard live from now on, as it comes (before the listeners of `subscribe` hear of it). */
  onEvent(fn: (e: ClusterEvent) => void): () => void {
    this.#eventListeners.add(fn);
    return () => this.#eventListeners.delete(fn);
  }

  /** Everything again (first load, and after the stream reconnects). */
  async load(): Promise<void> {
    try {
      const [nodes, tasks, services, files] = await Promise.all([
        this.api.get('/nodes', (v) => list(v, 'nodes', nodeView)),
        this.api.get('/tasks', (v) => list(v, 'tasks', taskView)),
        this.api.get('/services', (v) => list(v, 'services', serviceView)),
        this.#getFiles(),
      ]);
      this.nodes = new Map(nodes.map((n) => [n.id, n]));
      this.nodesAnswers += 1;
      this.tasks = new Map(tasks.map((t) => [t.id, t]));
      this.services = new Map(services.map((s) => [s.name, s]));
      this.files = files;
      this.loaded = true;
      this.error = '';
    } catch (err) {
      this.error = this.#errorText(err);
    }
    this.#changed();
  }

  /** A service's view again now (after an action on it). */
  async refreshService(name: string): Promise<void> {
    this.#want.services.add(name);
    await this.#fetch();
  }

  async refreshNodes(): Promise<void> {
    this.#want.nodes = true;
    await this.#fetch();
  }

  nodeByName(name: string): NodeView | undefined {
    for (const n of this.nodes.values()) if (n.name === name) return n;
    return undefined;
  }

  #apply(e: ClusterEvent): void {
    this.pendingSince ??= performance.now();
    this.events = [e, ...this.events].slice(0, MAX_EVENTS);
    for (const fn of this.#eventListeners) fn(e);
    if (this.#touchesFiles(e)) this.#want.files = true;
    if (e.taskId !== null) {
      const known = this.tasks.get(e.taskId);
      if (known !== undefined && e.state !== null) {
        const state = TASK_STATES.find((x) => x === e.state) ?? known.state;
        const reason = e.reason ?? known.reason;
        this.tasks.set(e.taskId, {
          ...known,
          state,
          reason,
          // a planned restart is counted down from the event's own time; the task fetched next says it too
          restartAt:
            e.delayMs !== null
              ? new Date(Date.parse(e.time) + e.delayMs).toISOString()
              : saysRestartPlan(reason)
                ? known.restartAt
                : null,
          restarts: e.restarts ?? known.restarts,
          node: e.type === 'task.lost' || e.type === 'task.moved' ? null : (e.node ?? known.node),
        });
        if (known.service !== null) this.#want.services.add(known.service);
      }
      this.#want.tasks.add(e.taskId);
      this.#want.nodes = true;
    }
    if (e.service !== null) this.#want.services.add(e.service);
    if (e.type.startsWith('node.')) this.#want.nodes = true;
    if (e.type === 'service.removed' && e.service !== null) this.services.delete(e.service);
    if (e.file !== null && (e.type === 'secret.removed' || e.type === 'config.removed'))
      this.files.delete(fileKey({ kind: e.type === 'secret.removed' ? 'secret' : 'config', name: e.file }));
    this.#changed();
    this.#timer ??= setTimeout(() => void this.#fetch(), COALESCE_MS);
  }

  async #fetch(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const want = this.#want;
    this.#want = { nodes: false, files: false, tasks: new Set(), services: new Set() };
    try {
      const calls: Array<Promise<void>> = [];
      if (want.nodes) calls.push(this.#fetchNodes());
      if (want.files) calls.push(this.#getFiles().then((files) => void (this.files = files)));
      // a task the page did not know yet (just submitted) names its service only once fetched
      const services = new Set(want.services);
      if (want.tasks.size > FETCH_ALL_OVER) {
        calls.push(this.#fetchTasks());
        for (const name of this.services.keys()) services.add(name);
      } else
        for (const id of want.tasks)
          calls.push(
            this.api.get(`/tasks/${encodeURIComponent(id)}`, taskView).then(
              (t) => {
                this.tasks.set(t.id, t);
                if (t.service !== null) services.add(t.service);
              },
              () => undefined, // gone meanwhile
            ),
          );
      await Promise.all(calls);
      await Promise.all([...services].map((name) => this.#fetchService(name)));
      this.error = '';
    } catch (err) {
      this.error = this.#errorText(err);
    }
    this.pendingSince ??= performance.now();
    this.#changed();
  }

  async #fetchNodes(): Promise<void> {
    const nodes = await this.api.get('/nodes', (v) => list(v, 'nodes', nodeView));
    this.nodes = new Map(nodes.map((n) => [n.id, n]));
    this.nodesAnswers += 1;
  }

  async #fetchTasks(): Promise<void> {
    const tasks = await this.api.get('/tasks', (v) => list(v, 'tasks', taskView));
    this.tasks = new Map(tasks.map((t) => [t.id, t]));
  }

  /** Both lists, by fileKey. A config's value is not kept: the console never shows it. */
  async #getFiles(): Promise<Map<string, FileView>> {
    const [secrets, configs] = await Promise.all([
      this.api.get('/secrets', (v) => list(v, 'secrets', fileView)),
      this.api.get('/configs', (v) => list(v, 'configs', fileView)),
    ]);
    return new Map([...secrets, ...configs].map((f) => [fileKey(f), f]));
  }

  /**
   * Whether an event may change the secrets and configs or what uses them: their own events, and,
   * while there are any, those of a task or service that mounts one or is not known yet.
   */
  #touchesFiles(e: ClusterEvent): boolean {
    if (e.file !== null || e.type.startsWith('secret.') || e.type.startsWith('config.')) return true;
    if (this.files.size === 0) return false;
    const task = e.taskId === null ? undefined : this.tasks.get(e.taskId);
    const service = e.service === null ? undefined : this.services.get(e.service);
    return (
      (e.taskId !== null && (task === undefined || task.files.length > 0)) ||
      (e.service !== null && (service === undefined || service.files.length > 0))
    );
  }

  async #fetchService(name: string): Promise<void> {
    await this.api.get(`/services/${encodeURIComponent(name)}`, serviceView).then(
      (s) => void this.services.set(s.name, s),
      () => void this.services.delete(name),
    );
  }

  /**
   * What the page says of a failed call: the API's words; none for a manager that does not answer
   * while the page already says it lost it (fetch's "Failed to fetch" says nothing more), and what
   * that means otherwise.
   */
  #errorText(err: unknown): string {
    if (err instanceof TypeError)
      return this.lostSince !== null
        ? ''
        : 'The manager did not answer a call; what is shown may be behind until it does.';
    return err instanceof Error ? err.message : String(err);
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }
}

/** A secret's or config's key in `files`: the same name may be both a secret and a config. */
export function fileKey(f: { kind: string; name: string }): string {
  return `${f.kind}/${f.name}`;
}

/** Both lists as one, newest first, each event once, at most `max`. */
export function mergeEvents(
  listed: readonly ClusterEvent[],
  past: readonly ClusterEvent[],
  max = MAX_EVENTS,
): ClusterEvent[] {
  const byKey = new Map<string, ClusterEvent>();
  for (const e of [...listed, ...past]) byKey.set(JSON.stringify(e), e);
  return [...byKey.values()].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).slice(0, max);
}

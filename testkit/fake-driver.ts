import { PassThrough } from 'node:stream';
import { systemClock, type Clock } from '../src/clock/index.js';
import {
  ContainerGone,
  ContainerStartFailed,
  DriverUnreachable,
  LABEL_GENERATION,
  LABEL_TASK_ID,
  LABEL_TASK_NAME,
  LABEL_WORKER,
  PathNotFound,
  type BoundPort,
  type ContainerEvent,
  type ContainerState,
  type ContainerUsage,
  type Driver,
  type ExecOptions,
  type ExecOutput,
  type ExecRun,
  type LogOptions,
  type PathStat,
  type StartOptions,
} from '../src/driver/index.js';
import { asStdout } from '../src/driver/docker/exec-io.js';
import { KeyedLock } from '../src/lock/index.js';
import { heldBeside, hostPortKey } from '../src/task/host-port-key.js';
import type { TaskRequest } from '../src/task/index.js';

/** The Driver calls a test can record, fail or hold (watch is scripted through the stream methods). */
export type DriverCall =
  'ping' | 'start' | 'startAgain' | 'stop' | 'remove' | 'inspect' | 'list' | 'usage' | 'logs' | 'exec' | 'removeVolume';

export interface FakeDriverOptions {
  /** Put on every container as `poseidon.worker`, as the Docker driver does. */
  workerName: string;
  /** Times of starts, exits and events; the system clock by default. */
  clock?: Clock;
  /** Named by DriverUnreachable while the engine is down. */
  endpoint?: string;
  /** Keep every call in `calls` (default true; a benchmark with 100,000 tasks turns it off). */
  record?: boolean;
  /** SIGTERM's exit code when a container is stopped (default 143: it honoured the signal). */
  stopExitCode?: number;
  /**
   * The machine it runs on, shared with the engines of other workers there (as workers that are
   * processes of one host share its ports): a host port one of them holds is taken for all. Absent:
   * a machine of its own.
   */
  host?: FakeHost;
  /** Answers `exec` (health checks of type exec, and `poseidon exec`); default exit 0, no output. */
  exec?(container: FakeContainer, command: readonly string[]): { exitCode: number; output: string };
}

/** One container the fake engine holds, as a test may read it. */
export interface FakeContainer {
  readonly id: string;
  readonly taskId: string;
  readonly generation: number;
  readonly image: string;
  readonly command: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly memoryLimitBytes: number;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  ports: BoundPort[];
  ipAddress: string;
  /** What `logs` returns; `print` adds to it. */
  output: string;
}

/** A Docker Engine answer other than "unreachable" (an HTTP 500, say): a test's way to fail a call. */
export class EngineError extends Error {
  constructor(message = 'the engine answered 500: scripted failure') {
    super(message);
    this.name = 'EngineError';
  }
}

interface Watcher {
  readonly onEvent: (event: ContainerEvent) => void;
  /** Ends this connection: the watch loop reconnects and emits `resync`. */
  readonly disconnect: () => void;
}

/**
 * One machine that the fake engines of several workers run on: a host port a running container
 * of any of them bound is taken for every one (`port is already allocated`), and `heldPorts()` is
 * what reading the host's listening sockets finds there.
 */
export class FakeHost {
  readonly #drivers = new Set<FakeDriver>();

  /** A driver made with this host joins it. */
  add(driver: FakeDriver): void {
    this.#drivers.add(driver);
  }

  /** Every host port a running container on this machine holds, as `"127.0.0.1:8080/tcp"`, sorted. */
  heldPorts(): string[] {
    const keys = new Set<string>();
    for (const d of this.#drivers) for (const key of d.boundPorts()) keys.add(key);
    return [...keys].sort();
  }
}

/** Docker's first port for a host port of 0. */
const FIRST_EPHEMERAL_PORT = 32768;

/**
 * The Driver interface in memory, for tests and benchmarks that run the real Worker without
 * Docker. Containers carry the labels the Docker driver sets; `start`, `stop`, `remove` and the
 * event stream behave as the Docker driver's do (start idempotent per task and generation unless
 * `fresh`, stop and remove of a gone container succeed, a removal of a running container dies
 * first). A test scripts what Docker would do:
 *
 * - `exit(c, code)`: the container dies with that code; `oomKill(c)`: an `oom` event, then a
 *   die with 137; `removeExternally(c)`: `docker rm -f` behind the worker's back.
 * - `endEventStream()`: the event stream ends or fails; the watch
 *   reconnects at the next turn of the event loop and emits `resync`. Whatever a test scripts
 *   before that turn happens in the gap, unseen.
 * - `engineDown()` / `engineUp()`: every call fails with DriverUnreachable meanwhile, the event
 *   stream is cut, and it comes back with a `resync` once the engine does.
 * - `fail(call)`, `failNext(call)`, `heal(call)`: a call fails (an EngineError unless told);
 *   `hold(call)` / `release(call)` / `unhold(call)`: calls wait until released.
 * - `calls` records every call in order.
 */
export class FakeDriver implements Driver {
  readonly calls: Array<{ call: DriverCall; args: readonly unknown[] }> = [];
  /**
   * Runs as each container has started, before start() answers with it running: a test can make
   * it exit there, so the engine's die comes before the worker has recorded the start.
   */
  onStart: ((container: FakeContainer) => void) | undefined;
  readonly #clock: Clock;
  readonly #endpoint: string;
  readonly #containers = new Map<string, FakeContainer>();
  readonly #lock = new KeyedLock();
  readonly #watchers = new Set<Watcher>();
  readonly #failing = new Map<DriverCall, { error: Error; once: boolean }>();
  readonly #held = new Map<DriverCall, Array<() => void>>();
  readonly #followers = new Map<string, Set<PassThrough>>();
  #reachable = true;
  /** engine-lost has been said for the outage under way. */
  #lostSaid = false;
  #whenReachable: Array<() => void> = [];
  #nextHostPort = FIRST_EPHEMERAL_PORT;
  /** The last #nowIso(): the events of one millisecond share the string. */
  #isoCache = { ms: Number.NaN, iso: '' };
  #nextIp = 2;

  constructor(private readonly opts: Readonly<FakeDriverOptions>) {
    this.#clock = opts.clock ?? systemClock;
    this.#endpoint = opts.endpoint ?? `fake engine of ${opts.workerName}`;
    opts.host?.add(this);
  }

  /** The host ports its running containers hold, as `"127.0.0.1:8080/tcp"` (hostPortKey). */
  boundPorts(): string[] {
    const keys: string[] = [];
    for (const c of this.#containers.values())
      if (c.running)
        for (const p of c.ports) if (p.hostPort > 0) keys.push(hostPortKey(p.hostPort, p.protocol, p.hostIp));
    return keys;
  }

  // ---- the Driver ----

  async ping(): Promise<void> {
    await this.#enter('ping', []);
  }

  async start(task: TaskRequest, options: StartOptions): Promise<ContainerState> {
    await this.#enter('start', [task.id, options.generation]);
    return this.#lock.run(task.id, async () => {
      options.signal?.throwIfAborted();
      for (const existing of options.fresh === true ? [] : this.containersOf(task.id)) {
        if (existing.running && existing.generation === options.generation) return stateOf(existing);
        this.#delete(existing); // a leftover of an earlier run goes before a new one is made
      }
      // the engine takes a turn of the event loop to start a container, as a real one takes its time
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#assertReachable();
      options.signal?.throwIfAborted();
      const c = this.#create(task, options.generation);
      this.#emit({ kind: 'started', containerId: c.id, taskId: c.taskId });
      const started = stateOf(c);
      this.onStart?.(c);
      return started;
    });
  }

  async startAgain(containerId: string): Promise<ContainerState> {
    await this.#enter('startAgain', [containerId]);
    const c = this.#containers.get(containerId);
    if (c === undefined) throw new EngineError(`no such container: ${containerId}`);
    if (!c.running) {
      c.running = true;
      c.exitCode = null;
      c.finishedAt = null;
      c.startedAt = this.#nowIso();
      this.#emit({ kind: 'started', containerId: c.id, taskId: c.taskId });
    }
    return stateOf(c);
  }

  async stop(containerId: string, graceSeconds: number): Promise<void> {
    await this.#enter('stop', [containerId, graceSeconds]);
    const c = this.#containers.get(containerId);
    if (c?.running !== true) return;
    this.#emit({ kind: 'killed', containerId: c.id, taskId: c.taskId, signal: 'SIGTERM' });
    this.#die(c, this.opts.stopExitCode ?? 143, false);
  }

  async remove(containerId: string): Promise<void> {
    await this.#enter('remove', [containerId]);
    const c = this.#containers.get(containerId);
    if (c !== undefined) this.#delete(c);
  }

  async inspect(containerId: string): Promise<ContainerState | null> {
    await this.#enter('inspect', [containerId]);
    const c = this.#containers.get(containerId);
    return c === undefined ? null : stateOf(c);
  }

  async list(): Promise<ContainerState[]> {
    await this.#enter('list', []);
    return [...this.#containers.values()].map(stateOf);
  }

  async usage(containerId: string): Promise<ContainerUsage | null> {
    await this.#enter('usage', [containerId]);
    const c = this.#containers.get(containerId);
    if (c?.running !== true) return null;
    return { cpuCores: 0, memoryBytes: 0, memoryLimitBytes: c.memoryLimitBytes };
  }

  /** Its output, all as stdout (what the fake's containers write has no stream). */
  async logs(containerId: string, options: LogOptions): Promise<AsyncIterable<ExecOutput>> {
    await this.#enter('logs', [containerId]);
    const c = this.#containers.get(containerId);
    if (c === undefined) throw new ContainerGone(containerId);
    const text = tail(c.output, options.tail);
    if (!options.follow || !c.running) return asStdout([Buffer.from(text)]);
    const stream = new PassThrough();
    stream.write(text);
    let followers = this.#followers.get(c.id);
    if (followers === undefined) this.#followers.set(c.id, (followers = new Set()));
    followers.add(stream);
    const end = (): void => {
      followers.delete(stream);
      stream.end();
    };
    options.signal?.addEventListener('abort', end, { once: true });
    stream.once('close', () => followers.delete(stream));
    return asStdout(stream);
  }

  /** Named volumes are the Docker driver's (test/integration); here removing one is a recorded no-op. */
  async removeVolume(name: string): Promise<void> {
    await this.#enter('removeVolume', [name]);
  }

  /** A container's processes are the Docker driver's (test/integration/top-cli.test.ts): here none run. */
  async processes(): Promise<{ titles: string[]; processes: string[][] }> {
    return { titles: ['UID', 'PID', 'CMD'], processes: [] };
  }

  /** Files in containers are the Docker driver's (test/integration/cp.test.ts): here no path is there. */
  async statPath(_containerId: string, path: string): Promise<PathStat> {
    throw new PathNotFound(path);
  }

  async getArchive(_containerId: string, path: string): Promise<NodeJS.ReadableStream> {
    throw new PathNotFound(path);
  }

  async putArchive(_containerId: string, path: string): Promise<void> {
    throw new PathNotFound(path);
  }

  async exec(
    containerId: string,
    command: string[],
    _timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }> {
    await this.#enter('exec', [containerId, command]);
    const c = this.#containers.get(containerId);
    if (c?.running !== true) throw new EngineError(`container ${containerId} is not running`);
    return this.opts.exec?.(c, command) ?? { exitCode: 0, output: '' };
  }

  /** `poseidon exec -d`: the `exec` option's command, run now; its output and exit code are dropped. */
  async execDetached(containerId: string, command: string[]): Promise<void> {
    await this.exec(containerId, command, 0);
  }

  /**
   * `poseidon exec`: what the `exec` option answers, its output as one piece of stdout. With stdin
   * the command is `cat`'s echo of its input (then the option's output), ending when its stdin ends.
   */
  async execStream(containerId: string, command: string[], signal: AbortSignal, io?: ExecOptions): Promise<ExecRun> {
    const { exitCode, output } = await this.exec(containerId, command, 0);
    signal.throwIfAborted();
    const pieces: ExecOutput[] = output === '' ? [] : [{ stream: 'stdout', data: Buffer.from(output) }];
    if (io?.stdin !== true)
      return {
        output: (async function* () {
          yield* pieces;
        })(),
        exitCode: async () => exitCode,
      };
    const echo = new PassThrough();
    signal.addEventListener('abort', () => echo.destroy(), { once: true });
    return {
      output: (async function* () {
        for await (const data of echo as AsyncIterable<Buffer>) yield { stream: 'stdout' as const, data };
        yield* pieces;
      })(),
      exitCode: async () => exitCode,
      stdin: {
        write: (data) => new Promise<void>((resolve) => echo.write(data, () => resolve())),
        end: () => echo.end(),
        resize: async () => undefined,
      },
    };
  }

  async watch(onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
    let missed = false; // events may have been missed: say so once connected again
    while (!signal.aborted) {
      if (!this.#reachable) {
        // the stream cannot come back while the engine is away: say so once, as the Docker driver does
        if (!this.#lostSaid)
          onEvent({ kind: 'engine-lost', reason: `cannot reach the Docker engine at ${this.#endpoint}` });
        this.#lostSaid = true;
        missed = true;
        await this.#untilReachable(signal);
        continue;
      }
      this.#lostSaid = false;
      let disconnect!: () => void;
      const ended = new Promise<void>((resolve) => (disconnect = resolve));
      const watcher: Watcher = { onEvent, disconnect };
      const onAbort = (): void => disconnect();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#watchers.add(watcher);
      if (missed) onEvent({ kind: 'resync' });
      await ended;
      this.#watchers.delete(watcher);
      signal.removeEventListener('abort', onAbort);
      missed = true;
      // reconnecting takes a turn of the event loop: what a test scripts before it goes unseen
      if (!signal.aborted) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // ---- what the test sees ----

  /** Every container, oldest first. */
  containers(): FakeContainer[] {
    return [...this.#containers.values()];
  }

  container(containerId: string): FakeContainer | undefined {
    return this.#containers.get(containerId);
  }

  /** The task's containers, oldest first. */
  containersOf(taskId: string): FakeContainer[] {
    return this.containers().filter((c) => c.taskId === taskId);
  }

  /** The calls of one kind, each with its arguments. */
  callsOf(call: DriverCall): Array<readonly unknown[]> {
    return this.calls.filter((c) => c.call === call).map((c) => c.args);
  }

  /** Connections to the event stream open now. */
  get watching(): number {
    return this.#watchers.size;
  }

  get reachable(): boolean {
    return this.#reachable;
  }

  // ---- what the test scripts ----

  /** The container's process exits with `exitCode` (a die event). */
  exit(containerId: string, exitCode: number): void {
    this.#die(this.#running(containerId), exitCode, false);
  }

  /** The kernel's OOM killer ends the container: an `oom` event, then a die with 137. */
  oomKill(containerId: string): void {
    const c = this.#running(containerId);
    this.#emit({ kind: 'oom', containerId: c.id, taskId: c.taskId });
    this.#die(c, 137, true);
  }

  /** `docker rm -f` by someone else: a running container is killed first (kill, die 137), then destroyed. */
  removeExternally(containerId: string): void {
    const c = this.#containers.get(containerId);
    if (c === undefined) throw new RangeError(`no container ${containerId}`);
    if (c.running) this.#emit({ kind: 'killed', containerId: c.id, taskId: c.taskId, signal: 'SIGKILL' });
    this.#delete(c);
  }

  /** A signal from outside that the container outlives (`docker stop`'s SIGTERM to one that ignores it): a kill event alone. */
  signalExternally(containerId: string, signal: string): void {
    const c = this.#running(containerId);
    this.#emit({ kind: 'killed', containerId: c.id, taskId: c.taskId, signal });
  }

  /** `docker kill` (or `docker stop`) by someone else: a kill event, then the die with `exitCode`. */
  killExternally(containerId: string, exitCode = 137, signal = 'SIGKILL'): void {
    const c = this.#running(containerId);
    this.#emit({ kind: 'killed', containerId: c.id, taskId: c.taskId, signal });
    this.#die(c, exitCode, false);
  }

  /** The container writes to its output (what `logs` returns, and sends to followers). */
  print(containerId: string, text: string): void {
    const c = this.#containers.get(containerId);
    if (c === undefined) throw new RangeError(`no container ${containerId}`);
    c.output += text;
    for (const f of this.#followers.get(c.id) ?? []) f.write(text);
  }

  /**
   * The event stream ends, or fails (to the watcher the same): the watch reconnects at the next
   * turn of the event loop and emits `resync`.
   */
  endEventStream(): void {
    const cut = [...this.#watchers];
    this.#watchers.clear(); // at once: an event scripted right after this is not seen
    for (const w of cut) w.disconnect();
  }

  /**
   * The engine goes away (dockerd stopped): every call fails with DriverUnreachable and the event
   * stream is cut until engineUp(). With `stopContainers`, the running containers stop meanwhile
   * (no live-restore) with that exit code (true: 143), and no event tells it.
   */
  engineDown(opts: { stopContainers?: boolean | number } = {}): void {
    this.#reachable = false;
    this.endEventStream();
    if (opts.stopContainers === undefined || opts.stopContainers === false) return;
    const code = opts.stopContainers === true ? 143 : opts.stopContainers;
    for (const c of this.#containers.values()) if (c.running) this.#stopSilently(c, code);
  }

  /**
   * dockerd stops as it does on `systemctl stop docker`: it signals every running container
   * (kill), each exits (die, with `exitCode`, 143 by default), then its event stream ends and
   * every call fails with DriverUnreachable until engineUp().
   */
  engineShutdown(exitCode = 143): void {
    for (const c of [...this.#containers.values()]) {
      if (!c.running) continue;
      this.#emit({ kind: 'killed', containerId: c.id, taskId: c.taskId, signal: 'SIGTERM' });
      this.#die(c, exitCode, false);
    }
    this.engineDown();
  }

  /** The engine answers again; the event stream reconnects and emits `resync`. */
  engineUp(): void {
    this.#reachable = true;
    for (const resolve of this.#whenReachable.splice(0)) resolve();
  }

  /** Every call of this kind fails with `error` (an EngineError by default) until heal(). */
  fail(call: DriverCall, error: Error = new EngineError()): void {
    this.#failing.set(call, { error, once: false });
  }

  /** The next call of this kind fails with `error`. */
  failNext(call: DriverCall, error: Error = new EngineError()): void {
    this.#failing.set(call, { error, once: true });
  }

  heal(call: DriverCall): void {
    this.#failing.delete(call);
  }

  /** Calls of this kind wait (after being recorded) until release() or unhold(). */
  hold(call: DriverCall): void {
    if (!this.#held.has(call)) this.#held.set(call, []);
  }

  /** Lets every waiting call of this kind go on; later ones wait again while held. */
  release(call: DriverCall): void {
    for (const go of this.#held.get(call)?.splice(0) ?? []) go();
  }

  /** Stops holding calls of this kind, and lets the waiting ones go on. */
  unhold(call: DriverCall): void {
    this.release(call);
    this.#held.delete(call);
  }

  /** Stops holding every kind of call, and lets every waiting one go on (a test's cleanup). */
  unholdAll(): void {
    for (const call of [...this.#held.keys()]) this.unhold(call);
  }

  // ---- inside ----

  async #enter(call: DriverCall, args: readonly unknown[]): Promise<void> {
    if (this.opts.record !== false) this.calls.push({ call, args });
    const held = this.#held.get(call);
    if (held !== undefined) await new Promise<void>((resolve) => held.push(resolve));
    this.#assertReachable();
    const failure = this.#failing.get(call);
    if (failure !== undefined) {
      if (failure.once) this.#failing.delete(call);
      throw failure.error;
    }
  }

  #assertReachable(): void {
    if (!this.#reachable) throw new DriverUnreachable(this.#endpoint);
  }

  #untilReachable(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.#whenReachable.push(done);
    });
  }

  #create(task: TaskRequest, generation: number): FakeContainer {
    const ports = task.ports.map((p): BoundPort => {
      const hostPort = p.hostPort === 0 ? this.#nextHostPort++ : p.hostPort;
      // published as a worker with the default --host 127.0.0.1 does, or on the address the port asks for
      const hostIp = p.hostIp ?? '127.0.0.1';
      if (p.hostPort !== 0 && this.#portTaken(hostPortKey(hostPort, p.protocol, hostIp)))
        throw new ContainerStartFailed(`Bind for ${hostIp}:${hostPort} failed: port is already allocated`);
      return { containerPort: p.containerPort, hostPort, protocol: p.protocol, hostIp };
    });
    const c: FakeContainer = {
      id: this.#newId(task.id, generation),
      taskId: task.id,
      generation,
      image: task.image,
      command: task.command,
      labels: {
        ...task.labels,
        [LABEL_TASK_ID]: task.id,
        [LABEL_TASK_NAME]: task.name,
        [LABEL_WORKER]: this.opts.workerName,
        [LABEL_GENERATION]: String(generation),
      },
      memoryLimitBytes: task.memoryBytes,
      running: true,
      exitCode: null,
      oomKilled: false,
      startedAt: this.#nowIso(),
      finishedAt: null,
      ports,
      ipAddress: `172.17.${Math.floor(this.#nextIp / 250)}.${(this.#nextIp++ % 250) + 2}`,
      output: '',
    };
    this.#containers.set(c.id, c);
    return c;
  }

  /** `ctr-<first 8 of the task id>-g<generation>`, and a count after it when that is taken. */
  #newId(taskId: string, generation: number): string {
    const base = `ctr-${taskId.slice(0, 8)}-g${generation}`;
    let id = base;
    for (let n = 2; this.#containers.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  #portTaken(key: string): boolean {
    const held = new Set(this.opts.host !== undefined ? this.opts.host.heldPorts() : this.boundPorts());
    return heldBeside(held, key) !== undefined;
  }

  #running(containerId: string): FakeContainer {
    const c = this.#containers.get(containerId);
    if (c === undefined) throw new RangeError(`no container ${containerId}`);
    if (!c.running) throw new RangeError(`container ${containerId} is not running`);
    return c;
  }

  #die(c: FakeContainer, exitCode: number, oomKilled: boolean): void {
    this.#stopSilently(c, exitCode, oomKilled);
    this.#emit({ kind: 'exited', containerId: c.id, taskId: c.taskId, exitCode, at: c.finishedAt ?? this.#nowIso() });
  }

  #stopSilently(c: FakeContainer, exitCode: number, oomKilled = false): void {
    c.running = false;
    c.exitCode = exitCode;
    c.oomKilled = oomKilled;
    c.finishedAt = this.#nowIso();
    for (const f of this.#followers.get(c.id) ?? []) f.end();
    this.#followers.delete(c.id);
  }

  /** Removal as the engine does it with force: a running container dies (137) first. */
  #delete(c: FakeContainer): void {
    if (c.running) this.#die(c, 137, false);
    this.#containers.delete(c.id);
    this.#emit({ kind: 'removed', containerId: c.id, taskId: c.taskId });
  }

  /** To every open connection of the event stream; with none open, the event is lost (as Docker's would be). */
  #emit(event: ContainerEvent): void {
    for (const w of this.#watchers) w.onEvent(event);
  }

  #nowIso(): string {
    const ms = this.#clock.now();
    if (ms !== this.#isoCache.ms) this.#isoCache = { ms, iso: new Date(ms).toISOString() };
    return this.#isoCache.iso;
  }
}

function stateOf(c: FakeContainer): ContainerState {
  return {
    containerId: c.id,
    taskId: c.taskId,
    generation: c.generation,
    running: c.running,
    exitCode: c.exitCode,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    oomKilled: c.oomKilled,
    error: '',
    ports: c.ports.map((p) => ({ ...p })),
    ipAddress: c.running ? c.ipAddress : '',
    image: c.image,
    command: [...c.command],
    labels: { ...c.labels },
  };
}

function tail(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  const all = text.split('\n');
  const last = all.at(-1) === '' ? all.slice(0, -1) : all;
  return last.slice(-lines).join('\n') + (last.length > 0 && text.endsWith('\n') ? '\n' : '');
}

import { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { TaskRequest } from '../../task/index.js';
import type { PullPolicy } from '../../task/process-rules.js';
import { InvalidField, NotRunning } from '../../errors/index.js';
import { ContainerGone, ContainerStartFailed, DriverUnreachable, ImageUnavailable } from '../errors.js';
import { startFailureWords } from './start-words.js';
import { LABEL_TASK_ID, LABEL_WORKER } from '../labels.js';
import type {
  ContainerEvent,
  ContainerState,
  ContainerUsage,
  Driver,
  ExecOptions,
  ExecOutput,
  ExecRun,
  LogOptions,
  PathStat,
  StartOptions,
  TerminalSize,
} from '../types.js';
import { getArchive, putArchive, statPath, type EngineCall } from './archive.js';
import { fromInspect, usageFromStats } from './container-state.js';
import { createOptions } from './create-options.js';
import { demuxFrames } from './demux.js';
import { asStdout, execStdin } from './exec-io.js';
import { followEvents, type EventLog } from './event-stream.js';
import { OutputTail } from './output-tail.js';
import { watchNetwork } from './network-watch.js';
import { checkNetworkOptions, ensureNetwork, joinsOf, type NetworkInfo, type NetworkOptions } from './network.js';
import type { HostRoutes } from './network-subnets.js';
import { ensureVolumes, removeVolume } from './volumes.js';
import { CredentialHelperFailed, registryOf, type PullAuth, type RegistryAuth } from './registry-auth.js';
import { KeyedLock } from '../../lock/index.js';
import { engineMessage, type HttpError } from './engine-error.js';

export interface DockerDriverOptions {
  /** Unix socket of the engine; default /var/run/docker.sock. */
  socketPath?: string;
  /** Put on every container as `poseidon.worker`; containers are found by it. */
  workerName: string;
  /** Host address published ports bind to. */
  publishIp: string;
  /** The Poseidon network every container joins (created when missing); absent: Docker's default bridge. */
  network?: NetworkOptions;
  /** The host's routes, which a network given no subnet stays clear of (stats' readHostRoutes); default none. */
  hostRoutes?: HostRoutes;
  /** Deadline for pulling a missing image. */
  pullTimeoutMs?: number;
  /** The credentials a pull of a missing image sends its registry (registry-auth.ts); absent: none. */
  registryAuth?: Pick<RegistryAuth, 'forImage' | 'path'>;
  log: EventLog & { debug(obj: object, msg: string): void };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE']);

/** What an exec keeps of its output: the last 64 KiB (a check's verdict is usually at its end). */
export const EXEC_OUTPUT_MAX_BYTES = 64 * 1024;

/** The Driver on the Docker Engine API (dockerode). Dockerode types stay inside this folder. */
export class DockerDriver implements Driver {
  readonly #docker: Docker;
  readonly #socketPath: string;
  readonly #lock = new KeyedLock();
  /** #call, for the modules beside this one. */
  readonly #engine: EngineCall = (fn) => this.#call(fn);
  #network: Promise<NetworkInfo> | undefined;
  /** The subnet the network had when first made sure of: the one it is made with again (its gateway serves DNS). */
  #subnet: string | undefined;
  /** The Docker network task containers join (their address is read there); undefined without a Poseidon network. */
  readonly #joins: string | undefined;

  constructor(private readonly opts: DockerDriverOptions) {
    this.#socketPath = opts.socketPath ?? '/var/run/docker.sock';
    this.#docker = new Docker({ socketPath: this.#socketPath });
    this.#joins = opts.network === undefined ? undefined : joinsOf(checkNetworkOptions(opts.network));
  }

  async ping(): Promise<void> {
    await this.#call(() => this.#docker.ping());
  }

  /**
   * Creates the Poseidon network when missing (idempotent; see network.ts); null without one.
   * A failure is not kept: the next start asks again. Once it has a subnet (given, found or
   * picked), a network made again (after `docker network prune`) takes that one, not a new pick:
   * the DNS server and the virtual IPs live on its bridge's addresses.
   */
  async ensureNetwork(): Promise<NetworkInfo | null> {
    const opts = this.opts.network;
    if (opts === undefined) return null;
    const want = this.#subnet === undefined ? opts : { ...opts, subnet: this.#subnet };
    const host = { routes: this.opts.hostRoutes ?? (async () => []) };
    this.#network ??= this.#call(() => ensureNetwork(this.#docker, want, host)).then(
      (info) => {
        this.#subnet = info.subnet;
        return info;
      },
      (err: unknown) => {
        this.#network = undefined;
        throw err;
      },
    );
    return this.#network;
  }

  async start(task: TaskRequest, options: StartOptions): Promise<ContainerState> {
    return this.#lock.run(task.id, async () => {
      // Dispatched twice, or a start cut short: return the container already running for this
      // task and generation. A fresh start (the worker knows every container it made for this
      // task) skips the look: on a busy engine each call counts.
      for (const existing of options.fresh === true ? [] : await this.#listTask(task.id)) {
        if (existing.running && existing.generation === options.generation) return existing;
        // a leftover of an earlier run: it goes before a new one is created
        await this.#removeForce(existing.containerId);
      }
      const network = await this.#joinable();
      const body = createOptions(task, {
        workerName: this.opts.workerName,
        generation: options.generation,
        publishIp: this.opts.publishIp,
        ...(network === null ? {} : { network }),
        ...(options.files === undefined ? {} : { files: options.files }),
      });
      if (task.volumes !== undefined) await this.#volumes(task);
      const { container, pullFailed } = await this.#createOnNetwork(task.image, task.pull, body, options.signal);
      try {
        await this.#call(() => container.start({ abortSignal: options.signal }));
      } catch (err) {
        await this.#removeForce(container.id);
        throw this.#startError(err);
      }
      const startedAt = new Date().toISOString();
      // only the engine knows the host ports it chose and the container's address (on the
      // Poseidon network the address is always wanted: discovery lists it)
      const state =
        task.ports.length === 0 && task.healthCheck === null && network === null
          ? startedState(container.id, task, body, options.generation, startedAt)
          : await this.inspect(container.id);
      if (state === null) throw new ContainerStartFailed('the container vanished right after it started');
      return pullFailed === undefined ? state : { ...state, pullFailed };
    });
  }

  async startAgain(containerId: string): Promise<ContainerState> {
    try {
      await this.#call(() => this.#docker.getContainer(containerId).start());
    } catch (err) {
      if ((err as HttpError).statusCode !== 304) throw this.#startError(err); // 304: already running
    }
    const state = await this.inspect(containerId);
    if (state === null) throw new ContainerStartFailed('the container vanished right after it started');
    return state;
  }

  async stop(containerId: string, graceSeconds: number): Promise<void> {
    try {
      await this.#call(() => this.#docker.getContainer(containerId).stop({ t: graceSeconds }));
    } catch (err) {
      const status = (err as HttpError).statusCode;
      if (status === 304 || status === 404) return; // already stopped / already gone
      throw err;
    }
  }

  async remove(containerId: string): Promise<void> {
    await this.#removeForce(containerId);
  }

  async inspect(containerId: string): Promise<ContainerState | null> {
    try {
      return fromInspect(await this.#call(() => this.#docker.getContainer(containerId).inspect()), this.#joins);
    } catch (err) {
      if ((err as HttpError).statusCode === 404) return null;
      throw err;
    }
  }

  async list(): Promise<ContainerState[]> {
    const items = await this.#call(() =>
      this.#docker.listContainers({ all: true, filters: { label: [`${LABEL_WORKER}=${this.opts.workerName}`] } }),
    );
    const states = await Promise.all(items.map((c) => this.inspect(c.Id)));
    return states.filter((s): s is ContainerState => s !== null);
  }

  async usage(containerId: string): Promise<ContainerUsage | null> {
    try {
      return usageFromStats(await this.#call(() => this.#docker.getContainer(containerId).stats({ stream: false })));
    } catch (err) {
      const status = (err as HttpError).statusCode;
      if (status === 404 || status === 409) return null;
      throw err;
    }
  }

  async logs(containerId: string, options: LogOptions): Promise<AsyncIterable<ExecOutput>> {
    try {
      return await this.#logs(containerId, options);
    } catch (err) {
      if ((err as HttpError).statusCode === 404) throw new ContainerGone(containerId);
      throw err;
    }
  }

  async #logs(containerId: string, options: LogOptions): Promise<AsyncIterable<ExecOutput>> {
    const container = this.#docker.getContainer(containerId);
    const base = {
      stdout: true,
      stderr: true,
      timestamps: options.timestamps === true,
      ...(options.tail === undefined ? {} : { tail: options.tail }),
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.until === undefined ? {} : { until: options.until }),
    };
    if (options.follow) {
      const stream = await this.#call(() => container.logs({ ...base, follow: true, abortSignal: options.signal }));
      return demuxFrames(stream as AsyncIterable<Buffer>);
    }
    const buf = await this.#call(() => container.logs({ ...base, follow: false }));
    return demuxFrames([buf]);
  }

  async exec(containerId: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const container = this.#docker.getContainer(containerId);
    const exec = await this.#call(() => container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true }));
    const stream = await this.#call(() => exec.start({ hijack: true, stdin: false }));
    const output = new OutputTail(EXEC_OUTPUT_MAX_BYTES);
    const finished = new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => output.push(c));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      if ((await Promise.race([finished, timedOut])) === 'timeout') {
        stream.destroy();
        return { exitCode: -1, output: `timed out after ${timeoutMs}ms` };
      }
    } finally {
      clearTimeout(timer);
    }
    const info = await this.#call(() => exec.inspect());
    return { exitCode: info.ExitCode ?? -1, output: output.text() };
  }

  /** The engine's exec for `command`, attached to its output unless `detached`; NotRunning if the container is not. */
  async #createExec(containerId: string, command: string[], io: ExecOptions, detached: boolean): Promise<Docker.Exec> {
    const container = this.#docker.getContainer(containerId);
    try {
      return await this.#call(() =>
        container.exec({
          Cmd: command,
          AttachStdin: io.stdin,
          AttachStdout: !detached,
          AttachStderr: !detached,
          Tty: io.tty,
          ...(io.user === undefined ? {} : { User: io.user }),
          ...(io.workdir === undefined ? {} : { WorkingDir: io.workdir }),
          ...(io.env === undefined ? {} : { Env: Object.entries(io.env).map(([k, v]) => `${k}=${v}`) }),
        }),
      );
    } catch (err) {
      // 404: the container is gone; 409: it is not running (stopped, paused, restarting)
      const status = (err as HttpError).statusCode;
      if (status === 404 || status === 409)
        throw new NotRunning(`container ${containerId.slice(0, 12)} is not running`);
      throw err;
    }
  }

  async execStream(
    containerId: string,
    command: string[],
    signal: AbortSignal,
    io: ExecOptions = { stdin: false, tty: false },
  ): Promise<ExecRun> {
    const exec = await this.#createExec(containerId, command, io, false);
    const stream = await this.#call(() => exec.start({ hijack: true, stdin: io.stdin, Tty: io.tty }));
    if (signal.aborted) stream.destroy();
    else signal.addEventListener('abort', () => stream.destroy(), { once: true });
    // the engine sizes an exec's terminal once it runs (API 1.41 has no size at create)
    const resize = async (size: TerminalSize): Promise<void> => {
      await this.#call(() => exec.resize({ h: size.rows, w: size.cols })).catch(() => undefined); // it may have ended
    };
    if (io.tty && io.size !== undefined) await resize(io.size);
    const source = stream as AsyncIterable<Buffer>;
    return {
      // a terminal's output is one stream, as the terminal shows it; without one, frames say which
      output: io.tty ? asStdout(source) : demuxFrames(source),
      exitCode: async () => (await this.#call(() => exec.inspect())).ExitCode ?? -1,
      ...(io.stdin ? { stdin: execStdin(stream, resize) } : {}),
    };
  }

  async execDetached(containerId: string, command: string[], io: ExecOptions = { stdin: false, tty: false }) {
    const exec = await this.#createExec(containerId, command, { ...io, stdin: false }, true);
    // the engine answers once the command has started, with nothing to read after
    const answer: unknown = await this.#call(() => exec.start({ Detach: true, Tty: io.tty }));
    if (answer instanceof Readable) answer.resume();
    // a terminal is sized once the command runs, as execStream's; it may have ended already
    const size = io.tty ? io.size : undefined;
    if (size !== undefined) await this.#call(() => exec.resize({ h: size.rows, w: size.cols })).catch(() => undefined);
  }

  async processes(containerId: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }> {
    try {
      const top = (await this.#call(() =>
        this.#docker.getContainer(containerId).top(psArgs === undefined ? {} : { ps_args: psArgs }),
      )) as { Titles?: string[]; Processes?: string[][] | null };
      return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
    } catch (err) {
      const status = (err as HttpError).statusCode;
      if (status === 404 || status === 409)
        throw new NotRunning(
          `container ${containerId.slice(0, 12)} is not running`,
          'top lists what a running one runs',
        );
      // the engine answers 500 with ps's own complaint about its options
      if (status === 500 && psArgs !== undefined)
        throw new InvalidField(
          'ps OPTIONS',
          `"${psArgs}" were refused by ps on the node (${engineMessage(err)}); ` +
            'give options ps takes, such as -o pid,comm',
        );
      throw err;
    }
  }

  statPath(containerId: string, path: string): Promise<PathStat> {
    return statPath(this.#docker, this.#engine, containerId, path);
  }

  getArchive(containerId: string, path: string, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
    return getArchive(this.#docker, this.#engine, containerId, path, signal);
  }

  putArchive(containerId: string, path: string, tar: NodeJS.ReadableStream, signal: AbortSignal): Promise<void> {
    return putArchive(this.#docker, this.#engine, containerId, path, tar, signal);
  }

  async removeVolume(name: string): Promise<void> {
    await this.#call(() => removeVolume(this.#docker, name, this.opts.workerName));
  }

  async #volumes(task: TaskRequest): Promise<void> {
    try {
      await this.#call(() => ensureVolumes(this.#docker, task, this.opts.workerName));
    } catch (err) {
      throw err instanceof ContainerStartFailed ? err : this.#startError(err);
    }
  }

  watch(onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
    return followEvents(this.#docker, this.opts.workerName, onEvent, signal, this.opts.log);
  }

  /** Makes the Poseidon network again whenever it is removed, then calls `restored` (network-watch.ts). */
  watchNetwork(restored: () => Promise<void>, signal: AbortSignal): Promise<void> {
    const name = this.opts.network?.name;
    if (name === undefined) return Promise.resolve();
    const restore = async (): Promise<void> => {
      this.#network = undefined;
      await this.ensureNetwork();
      await restored();
    };
    return watchNetwork(this.#docker, name, restore, signal, this.opts.log);
  }

  async #listTask(taskId: string): Promise<ContainerState[]> {
    const items = await this.#call(() =>
      this.#docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_WORKER}=${this.opts.workerName}`, `${LABEL_TASK_ID}=${taskId}`] },
      }),
    );
    const states = await Promise.all(items.map((c) => this.inspect(c.Id)));
    return states.filter((s): s is ContainerState => s !== null);
  }

  /** The network a start joins; a network the engine cannot make is a failed start, not a crash. */
  async #joinable(): Promise<NetworkInfo | null> {
    try {
      return await this.ensureNetwork();
    } catch (err) {
      if (err instanceof DriverUnreachable) throw err;
      throw new ContainerStartFailed(engineMessage(err));
    }
  }

  /** Creates the container; when the network went away meanwhile (removed by hand), makes it again once. */
  async #createOnNetwork(
    image: string,
    pull: TaskRequest['pull'],
    body: Docker.ContainerCreateOptions,
    signal: AbortSignal | undefined,
  ): Promise<Created> {
    try {
      return await this.#createPulling(image, pull, body, signal);
    } catch (err) {
      const network = this.opts.network;
      // on Docker's default bridge a create does not need the Poseidon network
      if (
        network === undefined ||
        network.tasks !== 'poseidon' ||
        !(err instanceof ContainerStartFailed) ||
        !/network .* not found/i.test(err.message)
      )
        throw err;
      this.#network = undefined;
      await this.#joinable();
      // pulled already when it pulls always (a missing image is then pulled again); never stays never
      return this.#createPulling(image, pull === 'always' ? undefined : pull, body, signal);
    }
  }

  /**
   * Creates the container, pulling its image as the task says: before the create (`always`; the
   * host's copy when that pull fails, #pullOrKeep), never (`never`: a missing image fails the
   * start), or once the engine says it lacks it (absent).
   */
  async #createPulling(
    image: string,
    pull: TaskRequest['pull'],
    body: Docker.ContainerCreateOptions,
    signal: AbortSignal | undefined,
  ): Promise<Created> {
    let pullFailed: string | undefined;
    if (pull === 'always') {
      this.opts.log.info({ image }, 'pulling image (its task pulls before each start)');
      pullFailed = await this.#pullOrKeep(image, signal);
    }
    try {
      const container = await this.#call(() => this.#docker.createContainer({ ...body, abortSignal: signal }));
      return pullFailed === undefined ? { container } : { container, pullFailed };
    } catch (err) {
      // a 404 is a missing image, or a missing network (not something a pull brings)
      if ((err as HttpError).statusCode !== 404 || /network/i.test(engineMessage(err))) throw this.#startError(err);
      if (pull === 'never') throw new ImageUnavailable(image, 'docker pull or docker load it on this host', 'never');
      if (pull === 'always') throw this.#startError(err); // just pulled: gone again meanwhile
    }
    this.opts.log.info({ image }, 'pulling missing image');
    await this.#pull(image, signal);
    try {
      return { container: await this.#call(() => this.#docker.createContainer({ ...body, abortSignal: signal })) };
    } catch (err) {
      throw this.#startError(err);
    }
  }

  /**
   * `pull: always`: pulls the image. When that pull fails and the host has a copy, the copy runs,
   * as Swarm does: a registry that is away or refuses does not stop restarts, moves and updates of
   * what the node already has. Answers what went wrong then (the task's reason while it runs); with
   * no copy on the host the pull's error fails the start.
   */
  async #pullOrKeep(image: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    try {
      await this.#pull(image, signal, 'always');
      return undefined;
    } catch (err) {
      if (!(err instanceof ImageUnavailable) || signal?.aborted === true || !(await this.#hasImage(image))) throw err;
      this.opts.log.warn({ image, detail: err.detail }, 'pull failed; the copy of the image on this host runs');
      return (
        `running the copy of ${image} on this host, since its pull failed: ${err.detail}; ` +
        `check that ${this.opts.workerName} reaches its registry`
      );
    }
  }

  /** Whether the engine holds the image (by name or id). */
  async #hasImage(image: string): Promise<boolean> {
    try {
      await this.#call(() => this.#docker.getImage(image).inspect());
      return true;
    } catch (err) {
      if ((err as HttpError).statusCode === 404) return false;
      throw err;
    }
  }

  async #pull(image: string, signal: AbortSignal | undefined, why: PullPolicy = 'missing'): Promise<void> {
    const timeout = AbortSignal.timeout(this.opts.pullTimeoutMs ?? 120_000);
    const abort = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let auth: PullAuth | undefined;
    try {
      auth = await this.opts.registryAuth?.forImage(image);
      const stream = await this.#call(() =>
        this.#docker.pull(image, { abortSignal: abort, ...(auth === undefined ? {} : { authconfig: auth }) }),
      );
      await new Promise<void>((resolve, reject) => {
        this.#docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
          const failed = output?.find((o) => o.error !== undefined);
          if (err !== null) reject(err);
          else if (failed !== undefined) reject(new Error(failed.error));
          else resolve();
        });
      });
    } catch (err) {
      if (err instanceof DriverUnreachable) throw err;
      if (err instanceof CredentialHelperFailed) throw new ImageUnavailable(image, err.message, why);
      const detail = timeout.aborted ? 'the pull timed out' : engineMessage(err);
      // a registry that wanted credentials, and the worker sent none: say where it looks for them
      const asked = auth === undefined && /denied|unauthorized|authentication required|credentials/i.test(detail);
      throw new ImageUnavailable(image, asked ? `${detail}${this.#noCredentials(image)}` : detail, why);
    }
  }

  /** What to do when a pull sent no credentials: where the worker looks for them. */
  #noCredentials(image: string): string {
    const registry = registryOf(image);
    const file = this.opts.registryAuth?.path;
    return file === undefined
      ? ` (the worker has no registry credentials: poseidon worker --registry-auth FILE, a docker config.json)`
      : ` (no credentials for ${registry} in ${file}: docker login ${registry} there, ` +
          'or poseidon worker --registry-auth FILE)';
  }

  #startError(err: unknown): Error {
    if (err instanceof DriverUnreachable) return err;
    const status = (err as HttpError).statusCode;
    if (status !== undefined) return new ContainerStartFailed(startFailureWords(engineMessage(err)));
    return err instanceof Error ? err : new Error(String(err));
  }

  async #removeForce(containerId: string): Promise<void> {
    try {
      await this.#call(() => this.#docker.getContainer(containerId).remove({ force: true, v: true }));
    } catch (err) {
      const status = (err as HttpError).statusCode;
      if (status === 404 || status === 409) return; // gone, or removal already in progress
      throw err;
    }
  }

  /** Runs one Engine API call, turning "no engine there" into DriverUnreachable. */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = (err as HttpError).code;
      if (code !== undefined && UNREACHABLE.has(code)) throw new DriverUnreachable(this.#socketPath, { cause: err });
      throw err;
    }
  }
}

/** A container made, and why it runs the host's copy of its image when it does (#pullOrKeep). */
interface Created {
  container: Docker.Container;
  pullFailed?: string;
}

/**
 * A container just started, as far as the create body and the start call tell: running, since
 * `startedAt` (the start call's return, a few ms after the engine's own StartedAt). If it has
 * already exited, its die event says so.
 */
function startedState(
  containerId: string,
  task: TaskRequest,
  body: Docker.ContainerCreateOptions,
  generation: number,
  startedAt: string,
): ContainerState {
  return {
    containerId,
    taskId: task.id,
    generation,
    running: true,
    exitCode: null,
    startedAt,
    finishedAt: null,
    oomKilled: false,
    error: '',
    ports: [],
    ipAddress: '',
    image: task.image,
    command: task.command,
    labels: body.Labels ?? {},
  };
}

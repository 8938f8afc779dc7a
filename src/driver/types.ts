import type { LogRead } from '../api/logs-media.js';
import type { Protocol, TaskRequest } from '../task/index.js';

/** A published port as Docker bound it. */
export interface BoundPort {
  containerPort: number;
  /** The host port actually bound (Docker's choice when the request was 0); 0 if not bound. */
  hostPort: number;
  protocol: Protocol;
  hostIp: string;
}

/** What the driver knows of one container, in Poseidon's terms. */
export interface ContainerState {
  containerId: string;
  taskId: string;
  /** Placement generation the container was started for (label), 0 when absent. */
  generation: number;
  running: boolean;
  exitCode: number | null;
  /** ISO 8601, null when never started / not finished. */
  startedAt: string | null;
  finishedAt: string | null;
  oomKilled: boolean;
  /** Docker's own error text for a failed start, '' when none. */
  error: string;
  ports: BoundPort[];
  /**
   * The container's own address on its (bridge) network, where health checks connect; '' when it has none (stopped, or
   * network mode none/host).
   */
  ipAddress: string;
  image: string;
  command: string[];
  labels: Readonly<Record<string, string>>;
  /**
   * The health of the container's own HEALTHCHECK (its image's, as the engine runs it), with the
   * output of the last check; absent when it has none, or was not inspected.
   */
  engineHealth?: { status: 'starting' | 'healthy' | 'unhealthy'; lastOutput: string };
  /**
   * Set by a start whose task pulls always when that pull failed and the host's copy of the image
   * runs: what went wrong and what to do, the task's reason while it runs.
   */
  pullFailed?: string;
}

/** Resource use of one container, sampled once. */
export interface ContainerUsage {
  /** Cores in use over Docker's sampling interval (1.0 = one full core). */
  cpuCores: number;
  memoryBytes: number;
  /** 0 when unlimited. */
  memoryLimitBytes: number;
}

/**
 * Something happened to one of this worker's containers, or to the engine: `engine-lost` when
 * the event stream broke and the engine does not answer (dockerd stopped), `resync` when the
 * stream is back after a gap and events may have been missed.
 */
export type ContainerEvent =
  | { kind: 'started'; containerId: string; taskId: string }
  /** A signal was sent to the container: by the worker's own stop, or by someone else (dockerd stopping). */
  | { kind: 'killed'; containerId: string; taskId: string; signal: string }
  /** `at`: when the engine saw the exit (ISO 8601), within a few ms of the container's FinishedAt. */
  | { kind: 'exited'; containerId: string; taskId: string; exitCode: number; at: string }
  | { kind: 'oom'; containerId: string; taskId: string }
  | { kind: 'removed'; containerId: string; taskId: string }
  /** The container's own HEALTHCHECK (its image's) changed its verdict, as the engine runs it. */
  | { kind: 'health'; containerId: string; taskId: string; healthy: boolean }
  | { kind: 'engine-lost'; reason: string }
  | { kind: 'resync' };

export interface StartOptions {
  generation: number;
  signal?: AbortSignal;
  /**
   * The worker made no container for this task on this host before, or knows each one it made:
   * the driver need not look for a copy to reuse or a leftover to clear before it creates one.
   * False (the default) after a crash or on a resync, when a container may exist unrecorded.
   */
  fresh?: boolean;
  /** Files of the host bound read-only into the container (secrets and configs, written by the worker). */
  files?: readonly FileBind[];
}

/** A host file that appears at `target` in the container, read-only. */
export interface FileBind {
  source: string;
  target: string;
}

export interface LogOptions extends LogRead {
  follow: boolean;
  signal?: AbortSignal;
}

/** A piece of what a container (its logs) or a command run by `poseidon exec` printed, with the stream it went to. */
export interface ExecOutput {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** A terminal's size in characters. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/** What an exec is given besides its command (`docker exec -i -t -u -w -e`). */
export interface ExecOptions {
  /** Its stdin stays open for `ExecRun.stdin`. */
  stdin: boolean;
  /** It runs on a terminal: its output all comes as stdout, as the terminal shows it. */
  tty: boolean;
  /** The terminal's size at the start (with `tty`). */
  size?: TerminalSize;
  /** Who it runs as (`user[:group]`, names or ids), instead of the container's user. */
  user?: string;
  /** The directory it runs in, instead of the container's. */
  workdir?: string;
  /** Variables besides the container's own. */
  env?: Record<string, string>;
}

/** An exec's stdin, written in order. */
export interface ExecStdin {
  /** Resolves once the engine has taken the bytes (the next write may go). */
  write(data: Buffer): Promise<void>;
  /** Closes the command's stdin (it reads the end of its input). */
  end(): void;
  /** The terminal was resized (with `tty`). */
  resize(size: TerminalSize): Promise<void>;
}

/** A command running in a container (`poseidon exec`): its output as it comes, then its exit code. */
export interface ExecRun {
  /** Ends when the command exits (or the run is detached by its signal). */
  output: AsyncIterable<ExecOutput>;
  /** Read once `output` has ended: the command's exit code. */
  exitCode(): Promise<number>;
  /** With `ExecOptions.stdin`: where its input goes. */
  stdin?: ExecStdin;
}

/** What a path in a container is (`poseidon cp`), its last symlink not followed. */
export interface PathStat {
  /** Its last part: an archive of the path names its top entry so. */
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  /** Permission bits (and setuid, setgid, sticky), not the kind. */
  mode: number;
  /** RFC 3339. */
  mtime: string;
  linkTarget?: string;
}

/** Runs task containers. Start is idempotent per task id; stop and remove of a gone container succeed. */
export interface Driver {
  /** Fails with DriverUnreachable when the engine cannot be reached. */
  ping(): Promise<void>;
  /**
   * Pulls the image when missing; returns the running container (an existing one for the same
   * task and generation, unless `fresh`). Its `ipAddress` and bound `ports` are read back from the
   * engine only when the task publishes ports or has a health check; otherwise they are empty.
   */
  start(task: TaskRequest, options: StartOptions): Promise<ContainerState>;
  /** Starts an existing container again (the engine stopped it); its state as it runs now. */
  startAgain(containerId: string): Promise<ContainerState>;
  /** SIGTERM, then SIGKILL after `graceSeconds`. */
  stop(containerId: string, graceSeconds: number): Promise<void>;
  remove(containerId: string): Promise<void>;
  /** null when the container does not exist. */
  inspect(containerId: string): Promise<ContainerState | null>;
  /** Every container of this worker, running or not. */
  list(): Promise<ContainerState[]>;
  /** null when the container is not running. */
  usage(containerId: string): Promise<ContainerUsage | null>;
  /** The container's output as it comes, each piece with its stream (stdout, stderr), in the order written. */
  logs(containerId: string, options: LogOptions): Promise<AsyncIterable<ExecOutput>>;
  /** Runs `command` in the container; resolves with its exit code and the last 64 KiB of its output. */
  exec(containerId: string, command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /**
   * Runs `command` in the running container as `docker exec` does (with stdin and a terminal as
   * `io` asks; neither by default), its output streamed as it comes, read at the caller's pace. An
   * abort of `signal` detaches: the engine offers no way to stop the command, which runs on to
   * its end (with stdin, detaching closes its stdin).
   */
  execStream(containerId: string, command: string[], signal: AbortSignal, io?: ExecOptions): Promise<ExecRun>;
  /**
   * Starts `command` in the running container in the background, as `docker exec -d` does (no
   * stdin; a terminal as `io` asks): resolves once the engine has started it; nothing of its
   * output or exit is kept. NotRunning when the container is not running.
   */
  execDetached(containerId: string, command: string[], io?: ExecOptions): Promise<void>;
  /**
   * Removes one of this worker's named volumes (labelled as Poseidon's and this worker's), with
   * the stopped containers of this worker that still mount it; a volume that is not there is
   * removed already. Fails with VolumeBusy while a running container mounts it.
   */
  removeVolume(name: string): Promise<void>;
  /**
   * The container's processes as ps on the host lists them (`psArgs`, the engine's -ef when
   * absent); NotRunning when it does not run, InvalidField naming psArgs when ps refuses them.
   */
  processes(containerId: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }>;
  /** What a path in the container is; PathNotFound when it is not there, ContainerGone when the container is not. */
  statPath(containerId: string, path: string): Promise<PathStat>;
  /** A tar archive of the path (a directory with all it holds), read at the caller's pace until `signal` aborts. */
  getArchive(containerId: string, path: string, signal: AbortSignal): Promise<NodeJS.ReadableStream>;
  /**
   * Unpacks a tar archive into `path`, a directory of the container (running or not); resolves
   * once the engine has taken it all. CopyRefused where the engine will not write (read-only).
   */
  putArchive(containerId: string, path: string, tar: NodeJS.ReadableStream, signal: AbortSignal): Promise<void>;
  /** Streams this worker's container events until `signal` aborts, reconnecting after engine restarts. */
  watch(onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void>;
}

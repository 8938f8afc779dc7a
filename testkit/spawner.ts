import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { joinEnv, readManagerAccess, type ManagerAccess } from './manager-access.js';

/** bin/poseidon.js of this checkout (this file runs as dist/testkit/spawner.js). */
export const POSEIDON_BIN = fileURLToPath(new URL('../../bin/poseidon.js', import.meta.url));

/** How long a started process may take to log its listening URL. */
const LISTEN_TIMEOUT_MS = 15_000;
/** SIGTERM grace before SIGKILL when a spawned process is stopped. */
const STOP_GRACE_MS = 5_000;
/** Lines of output kept for error messages and tests; older ones are read and dropped. */
const KEPT_LINES = 2_000;

/** A process this run started: stopped by its pid only, never by name or group. */
export interface SpawnedProcess {
  readonly pid: number;
  /** The URL it logged with its "... listening" line. */
  readonly url: string;
  /** Its latest lines of output (stdout and stderr), in order. */
  readonly output: readonly string[];
  isAlive(): boolean;
  /** Its exit code once it has exited; null while it runs or when a signal ended it. */
  readonly exitCode: number | null;
  /** SIGTERM, then SIGKILL after the grace; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash); resolves once it has exited. */
  kill(): Promise<void>;
}

/** `node bin/poseidon.js <args>` as the spawner started it. */
export type PoseidonProcess = SpawnedProcess;

export interface SpawnOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Gets the process before it is ready, so a caller can track it for cleanup even if the start fails. */
  onSpawn?(p: SpawnedProcess): void;
  listenTimeoutMs?: number;
  stopGraceMs?: number;
}

/** The process did not log its listening URL: it exited first, or took too long. */
export class ProcessNotListening extends Error {
  constructor(what: string, why: string, output: readonly string[]) {
    super(`${what} ${why}; its output:\n${output.join('\n')}`);
    this.name = 'ProcessNotListening';
  }
}

/**
 * Starts `node bin/poseidon.js <args>` (manager, worker, dev: give it `--port 0` and a
 * `--data-dir` of its own) and waits until it logs a JSON line with a `url` and a message ending
 * in "listening". Its output keeps being read, so a chatty process never blocks on a full pipe.
 */
export function spawnPoseidon(args: readonly string[], opts: SpawnOptions = {}): Promise<PoseidonProcess> {
  return spawnListening(POSEIDON_BIN, args, opts);
}

/** spawnPoseidon for any Node script that logs its listening URL the same way (testkit/fake-worker-process.ts). */
export async function spawnListening(
  script: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): Promise<SpawnedProcess> {
  const what = `${script.endsWith('poseidon.js') ? 'poseidon' : script} ${args.join(' ')}`;
  const child = spawn(process.execPath, [...nodeArgs(), script, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  // settles on exit, or on a failed spawn (which never exits): stop() must not hang on either
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let url = '';
  let stopping: Promise<void> | undefined;
  const handle: SpawnedProcess = {
    get pid() {
      return child.pid ?? -1;
    },
    get url() {
      return url;
    },
    output,
    get exitCode() {
      return child.exitCode;
    },
    isAlive: () => isAlive(child),
    stop: () => (stopping ??= stopChild(child, exited, opts.stopGraceMs ?? STOP_GRACE_MS)),
    kill: async () => {
      if (isAlive(child) && child.pid !== undefined) signalPid(child.pid, 'SIGKILL');
      await exited;
    },
  };
  opts.onSpawn?.(handle);
  const timeoutMs = opts.listenTimeoutMs ?? LISTEN_TIMEOUT_MS;
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ProcessNotListening(what, `did not log a listening URL within ${timeoutMs} ms`, output)),
      timeoutMs,
    );
    readLines(child, (line) => {
      output.push(line);
      if (output.length > KEPT_LINES) output.shift();
      if (url !== '') return; // once it listens, a line is only kept: a busy manager logs thousands
      const listening = listeningUrl(line);
      if (listening !== undefined) {
        url = listening;
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new ProcessNotListening(what, `exited (${signal ?? `code ${code}`}) before listening`, output));
    });
  });
  return handle;
}

/**
 * Runs `poseidon <args>` to completion (a CLI command), in `cwd` if given, with `input` as its
 * stdin if given (none otherwise); its exit code and output (stdout as text and as its bytes).
 */
export async function runPoseidon(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
  input?: string | Buffer,
): Promise<{ code: number | null; stdout: string; stderr: string; stdoutBytes: Buffer }> {
  const child = spawn(process.execPath, [POSEIDON_BIN, ...args], {
    env: { ...process.env, ...env },
    ...(cwd === undefined ? {} : { cwd }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(input); // none: an input that ends at once
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes };
}

function listeningUrl(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { url?: unknown; msg?: unknown };
    if (typeof parsed.url === 'string' && typeof parsed.msg === 'string' && parsed.msg.endsWith('listening'))
      return parsed.url;
  } catch {
    // not a JSON log line
  }
  return undefined;
}

/**
 * Extra Node flags for every process spawned (`POSEIDON_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof"`):
 * profiling a benchmark's manager as it runs. Node refuses --cpu-prof in NODE_OPTIONS.
 */
function nodeArgs(): string[] {
  return (process.env['POSEIDON_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
}

function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
  }
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (isAlive(child) && child.pid !== undefined) {
    signalPid(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>(
      (resolve) => (timer = setTimeout(() => resolve('grace over'), graceMs)),
    );
    try {
      if ((await Promise.race([exited, graceOver])) === 'grace over') {
        signalPid(child.pid, 'SIGKILL');
        await exited;
      }
    } finally {
      clearTimeout(timer);
    }
  }
  await exited;
}

/** Signals exactly this pid (never a group or a name); a process already gone is fine. */
function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A manager the spawner started, with what reaching it takes (testkit/manager-access.ts). */
export interface SpawnedManager {
  process: PoseidonProcess;
  access: ManagerAccess;
}

/**
 * `poseidon manager --port 0 --data-dir DIR ARGS`, ready once it listens, with its CA, join token,
 * admin token and certificate read from DIR: tests and benchmarks reach it as a user must.
 */
export async function spawnManager(
  dataDir: string,
  args: readonly string[] = [],
  opts: SpawnOptions = {},
): Promise<SpawnedManager> {
  const p = await spawnPoseidon(['manager', '--port', '0', '--data-dir', dataDir, ...args], opts);
  return { process: p, access: await readManagerAccess(p.url, dataDir) };
}

/** `poseidon worker --manager URL ARGS`, joining with the manager's join token (from the environment). */
export function spawnWorker(
  manager: ManagerAccess,
  args: readonly string[],
  opts: SpawnOptions = {},
): Promise<PoseidonProcess> {
  return spawnPoseidon(['worker', '--manager', manager.url, ...args], {
    ...opts,
    env: { ...joinEnv(manager), ...opts.env },
  });
}

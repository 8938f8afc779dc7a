import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchError } from './bench-error.js';

/** bin/poseidon.js of this checkout (this file runs as dist/bench/processes.js). */
const POSEIDON_BIN = fileURLToPath(new URL('../../bin/poseidon.js', import.meta.url));

/** How long a started process may take to log its listening URL. */
const LISTEN_TIMEOUT_MS = 15_000;
/** SIGTERM grace before SIGKILL when the bench stops a process it spawned. */
const STOP_GRACE_MS = 5_000;
/** Lines of output kept for error messages; the rest is read and dropped. */
const KEPT_LINES = 200;

export interface PoseidonProcess {
  readonly pid: number;
  /** The URL it logged with its "... listening" line. */
  readonly url: string;
  /** Its last lines of output (stdout and stderr), for error messages. */
  readonly output: readonly string[];
  isAlive(): boolean;
  /** SIGTERM by pid, SIGKILL after a grace; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Poseidon did not log its listening URL: exited first or took too long. */
export class ProcessNotListening extends BenchError {
  constructor(args: readonly string[], why: string, output: readonly string[]) {
    super(`poseidon ${args.join(' ')} ${why}; its output:\n${output.join('\n')}`);
  }
}

/**
 * Starts `node bin/poseidon.js <args>` and waits until it logs a JSON line with a `url` and a
 * message ending in "listening". Its output keeps being read, so a chatty process never
 * blocks on a full pipe during a measurement. `onSpawn` gets the process before it is ready,
 * so a caller can track it for cleanup even if waiting fails.
 */
export async function spawnPoseidon(
  args: readonly string[],
  onSpawn: (p: PoseidonProcess) => void,
): Promise<PoseidonProcess> {
  const child = spawn(process.execPath, [POSEIDON_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  // settles on exit, or on a failed spawn (which never exits): stop() must not hang on either
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let url = '';
  const handle: PoseidonProcess = {
    get pid() {
      return child.pid ?? -1;
    },
    get url() {
      return url;
    },
    output,
    isAlive: () => isAlive(child),
    stop: () => stopChild(child, exited),
  };
  onSpawn(handle);
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ProcessNotListening(args, `did not log a listening URL within ${LISTEN_TIMEOUT_MS} ms`, output)),
      LISTEN_TIMEOUT_MS,
    );
    const onLine = (line: string): void => {
      output.push(line);
      if (output.length > KEPT_LINES) output.shift();
      const listening = listeningUrl(line);
      if (listening !== undefined) {
        clearTimeout(timer);
        resolve(listening);
      }
    };
    readLines(child, onLine);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new ProcessNotListening(args, `exited (${signal ?? `code ${code}`}) before listening`, output));
    });
  });
  return handle;
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

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (!isAlive(child) || child.pid === undefined) return;
  signalPid(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>(
    (resolve) => (timer = setTimeout(() => resolve('grace over'), STOP_GRACE_MS)),
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

/** Signals exactly this pid (never a group or a name); a process already gone is fine. */
function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

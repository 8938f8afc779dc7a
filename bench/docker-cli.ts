import { spawn } from 'node:child_process';
import { BenchError } from './bench-error.js';
import { wallClockMs } from './docker-events.js';

/** One command run to its end, timed from just before the spawn to its exit. */
export interface CommandRun {
  /** Spawn to exit, as the person typing it waits (process start and CLI start-up included). */
  wallMs: number;
  /** Wall-clock ms (sub-ms) at the spawn and at the exit, comparable with engine event times. */
  startedAtMs: number;
  exitedAtMs: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  signal: AbortSignal;
  /** The command is killed (SIGKILL, by pid) and the run fails after this long. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** A command exited non-zero, was killed, or took too long. */
export class CommandFailed extends BenchError {
  constructor(command: string, args: readonly string[], why: string, stderr: string) {
    super(
      `\`${[command, ...args].join(' ')}\` ${why}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' | ')}`}`,
    );
  }
}

/**
 * Runs `command args` (no shell) and resolves once it exits 0. Its output is collected, and it
 * is killed by pid when the run is aborted (Ctrl-C) or times out, so no child outlives a step.
 */
export function timedCommand(command: string, args: readonly string[], opts: CommandOptions): Promise<CommandRun> {
  opts.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const startedAtMs = wallClockMs();
    const t0 = performance.now();
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.env === undefined ? {} : { env: opts.env }),
    });
    let exitedAtMs = 0;
    let wallMs = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    let why: string | undefined;
    const kill = (reason: string): void => {
      why ??= reason;
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL'); // this child's pid only
        } catch {
          // already gone
        }
      }
    };
    const timer = setTimeout(() => kill(`took longer than ${opts.timeoutMs} ms`), opts.timeoutMs);
    const onAbort = (): void => kill('was interrupted');
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.once('exit', () => {
      // timed at the exit, not at 'close': the command has returned, whatever is left in the pipes
      wallMs = performance.now() - t0;
      exitedAtMs = wallClockMs();
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      reject(new CommandFailed(command, args, `could not be started (${err.message})`, ''));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      if (opts.signal.aborted) reject(opts.signal.reason);
      else if (why !== undefined) reject(new CommandFailed(command, args, why, stderr));
      else if (code !== 0) reject(new CommandFailed(command, args, `exited ${signal ?? `with code ${code}`}`, stderr));
      else resolve({ wallMs, startedAtMs, exitedAtMs, stdout, stderr });
    });
  });
}

/** The `docker` CLI on PATH (it negotiates the engine's API version itself). */
export function dockerCli(args: readonly string[], opts: CommandOptions): Promise<CommandRun> {
  return timedCommand('docker', args, opts);
}

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Stoppable } from './cleanup.js';
import { POSEIDON_BIN } from './spawner.js';

/** A CLI command left running, as a user's is: what it printed so far, and its exit code once it ends. */
export interface RunningCli {
  out(): string;
  err(): string;
  exited: Promise<number | null>;
  /** Ctrl-C, as a user ends `logs -f`; resolves with its exit code. */
  interrupt(): Promise<number | null>;
}

/**
 * `poseidon ARGS` with `env` added to this process's, left running; `track` gets it to stop it
 * by its pid at the end (RunCleanup.trackProcess) if it still runs then.
 */
export function runningCli(args: readonly string[], env: NodeJS.ProcessEnv, track: (p: Stoppable) => void): RunningCli {
  const child = spawn(process.execPath, [POSEIDON_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  // 'close', not 'exit': by then what it wrote has all been read
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const kill = async (): Promise<void> => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };
  track({ isAlive: alive, stop: kill, kill });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const interrupt = (): Promise<number | null> => {
    if (alive()) child.kill('SIGINT');
    return exited;
  };
  return { out: () => out, err: () => err, exited, interrupt };
}

import type { Command } from 'commander';
import { DEFAULT_MANAGER_URL, ManagerClient } from '../client/index.js';
import { urlFlag } from './flags.js';

/** Adds --manager to a command that talks to the Manager API. */
export function withManager(cmd: Command): Command {
  return cmd.option('--manager <url>', `manager address (env POSEIDON_MANAGER; default ${DEFAULT_MANAGER_URL})`);
}

export function managerClient(flags: { manager?: string }): ManagerClient {
  const raw = flags.manager ?? process.env.POSEIDON_MANAGER ?? DEFAULT_MANAGER_URL;
  return new ManagerClient(
    urlFlag(
      flags.manager === undefined && process.env.POSEIDON_MANAGER !== undefined ? 'POSEIDON_MANAGER' : '--manager',
      raw,
    ),
  );
}

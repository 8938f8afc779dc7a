import type { Command } from 'commander';
import { DEFAULT_MANAGER_URL } from './defaults.js';

/** Adds --manager to a command that talks to the Manager API (the client is built in its action: manager-client.ts). */
export function withManager(cmd: Command): Command {
  return cmd.option('--manager <url>', `manager address (env POSEIDON_MANAGER; default ${DEFAULT_MANAGER_URL})`);
}

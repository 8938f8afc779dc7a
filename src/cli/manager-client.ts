import { ManagerClient } from '../client/index.js';
import { DEFAULT_MANAGER_URL } from './defaults.js';
import { urlFlag } from './flags.js';

/** The Manager API at --manager, else POSEIDON_MANAGER, else the default; a bad URL names where it came from. */
export function managerClient(flags: { manager?: string }): ManagerClient {
  const raw = flags.manager ?? process.env.POSEIDON_MANAGER ?? DEFAULT_MANAGER_URL;
  return new ManagerClient(
    urlFlag(
      flags.manager === undefined && process.env.POSEIDON_MANAGER !== undefined ? 'POSEIDON_MANAGER' : '--manager',
      raw,
    ),
  );
}

import { existsSync } from 'node:fs';
import { InvalidField } from '../errors/index.js';
import { claimDataDir } from './data-dir-claim.js';
import { makeDataDir } from './start-places.js';

// `poseidon dev` claims its data dir as the manager and the worker claim theirs (data-dir-claim.ts:
// an abstract socket the kernel drops when the process ends, kill -9 and a reboot too): a second
// dev on it, which would adopt the first one's containers, and `poseidon dev --clean`, which would
// remove them under it, are refused while it runs. (It wrote a pid file before, which a dev killed
// left behind: telling a live one from a pid reused since took its start time and the boot's id.)

/** Claims the data dir (made first, 0700 when new) for this `poseidon dev`; resolves to the release. */
export async function claimDev(dataDir: string): Promise<() => Promise<void>> {
  makeDataDir(dataDir);
  return claimDataDir(
    'dev',
    dataDir,
    (who) =>
      new InvalidField(
        '--data-dir',
        `${dataDir} is in use by another poseidon dev (${who}); ` +
          'stop it first, or give this one a --data-dir of its own',
      ),
  );
}

/**
 * Claims the data dir for `poseidon dev --clean` while it removes what the dev left, so that no
 * dev runs on it meanwhile; a data dir that is not there is no one's (nothing to claim).
 */
export async function claimForClean(dataDir: string): Promise<() => Promise<void>> {
  if (!existsSync(dataDir)) return () => Promise.resolve();
  return claimDataDir(
    'dev',
    dataDir,
    (who) => new InvalidField('--clean', `finds poseidon dev running (${who}) on ${dataDir}; stop it first`),
  );
}

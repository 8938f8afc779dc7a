import { isJobMode } from '../api/service-modes.js';
import type { TaskTemplate } from '../api/index.js';
import { parseQuantity } from '../units/index.js';
import { composeBytes, cpus } from './deploy.js';
import { asInteger, asScalarText, composeError, shown, type ComposeMap, type Findings } from './values.js';

// The service-level keys of a docker-compose file that `deploy:` also has (the Compose spec's
// mem_limit, cpus, pids_limit and restart): files written for `docker compose up` use them, and
// `docker stack deploy` drops them without a word, so a service capped at 64m ran uncapped. Here
// they mean what docker compose makes of them. Where `deploy:` says the same thing the two must
// agree (as docker compose checks); a `restart:` beside a `deploy.restart_policy` gives way to it.

type Fields = Pick<TaskTemplate, 'memory' | 'cpuLimit' | 'pidsLimit' | 'restartPolicy'>;

/** The task fields these keys give, over none of `fromDeploy`'s: refused where the two differ. */
export function composeServiceLimits(
  map: ComposeMap,
  at: (key: string) => string,
  fromDeploy: Fields,
  mode: string | undefined,
  found: Findings,
): Fields {
  const out: Fields = {};
  const given = (key: string): boolean => map[key] !== undefined && map[key] !== null;
  if (given('mem_limit')) {
    const memory = composeBytes(map['mem_limit'], at('mem_limit'));
    // 64m and 67108864 are one size: compared in bytes
    const bytes = (q: number | string): number => parseQuantity(at('mem_limit'), q);
    agree(
      at('mem_limit'),
      memory,
      'deploy.resources.limits.memory',
      fromDeploy.memory,
      (a, b) => bytes(a) === bytes(b),
    );
    out.memory = memory;
  }
  if (given('cpus')) {
    const limit = cpus(map['cpus'], at('cpus'));
    agree(at('cpus'), limit, 'deploy.resources.limits.cpus', fromDeploy.cpuLimit);
    out.cpuLimit = limit;
  }
  if (given('pids_limit')) {
    const pids = asInteger(map['pids_limit'], at('pids_limit'), 2);
    agree(at('pids_limit'), pids, 'deploy.resources.limits.pids', fromDeploy.pidsLimit);
    out.pidsLimit = pids;
  }
  if (given('restart')) {
    if (fromDeploy.restartPolicy !== undefined)
      found.notes.push(`${at('restart')}: deploy.restart_policy is the one applied, as in a swarm`);
    else out.restartPolicy = restartOf(map['restart'], at('restart'), mode);
  }
  return out;
}

/** The same value given twice must be the same; `deploy`'s is undefined when it gives none. */
function agree(
  path: string,
  value: number | string,
  other: string,
  theirs: number | string | undefined,
  same = (a: number | string, b: number | string): boolean => String(a) === String(b),
): void {
  if (theirs === undefined || same(value, theirs)) return;
  throw composeError(path, `(${shown(value)}) and ${other} (${shown(theirs)}) differ; give one of them`);
}

/**
 * docker's restart policies: "no" → never, always and unless-stopped → always (a task stopped
 * with poseidon stop stays stopped either way), on-failure[:N] → on-failure, at most N restarts.
 */
function restartOf(value: unknown, path: string, mode: string | undefined): NonNullable<TaskTemplate['restartPolicy']> {
  const text = asScalarText(value, path).trim();
  const failure = /^on-failure(?::([0-9]{1,6}))?$/.exec(text);
  if (failure !== null) {
    const max = failure[1] === undefined ? 0 : Number(failure[1]);
    return { mode: 'on-failure', maxRestarts: max === 0 ? null : max };
  }
  if (text === 'no' || text === 'false') return { mode: 'never' };
  if (text === 'always' || text === 'unless-stopped') {
    if (mode !== undefined && isJobMode(mode))
      throw composeError(
        path,
        `is "${text}" with mode: ${mode}, whose tasks run to completion; use "on-failure" or "no"`,
      );
    return { mode: 'always' };
  }
  throw composeError(path, `must be "no", "always", "unless-stopped" or "on-failure[:N]" (got ${shown(text)})`);
}

/** The keys read here, for the list of a service's keys. */
export const SERVICE_LIMIT_KEYS = ['mem_limit', 'cpus', 'pids_limit', 'restart'] as const;

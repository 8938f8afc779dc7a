import type { Command } from 'commander';
import { InvalidField } from '../errors/index.js';
import { DEFAULT_PIDS_LIMIT, MAX_PIDS_LIMIT, MIN_PIDS_LIMIT } from '../task/limits.js';
import { countFlag } from './flags.js';

// A task's hard limits from flags: `--cpu-limit` (cores it is held to, as `docker run --cpus` and
// `docker service create --limit-cpu` hold a container) and `--pids-limit` (as docker run's), for
// `poseidon run IMAGE`, `service create IMAGE` and `service update`. The task file's `cpuLimit` and
// `pidsLimit`; the manager checks them as it checks a file (at least `cpu`, the kernel's floor).

export interface LimitFlags {
  /** `--cpu-limit 1.5`; service update's `0` takes the limit away. */
  cpuLimit?: string;
  /** `--pids-limit 256`; service update's `""` gives the default again. */
  pidsLimit?: string;
}

/** The task's fields the flags give; null where service update takes a field away. */
export interface LimitFields {
  cpuLimit?: number | null;
  pidsLimit?: number | null;
}

/** Adds --cpu-limit and --pids-limit; `'update'` says how to take each away. */
export function withLimitFlags(cmd: Command, kind: 'image' | 'update'): Command {
  const image = kind === 'image';
  return cmd
    .option(
      '--cpu-limit <cores>',
      `cores ${image ? 'the container is' : 'each replica is'} held to at most, such as 1.5 (docker's --cpus); ` +
        `at least --cpu (default none: idle cpu beyond --cpu may be used)${image ? '' : '; 0 for none'}`,
    )
    .option(
      '--pids-limit <n>',
      `processes the container may hold at once, ${MIN_PIDS_LIMIT} to ${MAX_PIDS_LIMIT} ` +
        `(default ${DEFAULT_PIDS_LIMIT})${image ? '' : '; "" for the default'}`,
    );
}

/** A number of cores as `--cpu` (a task's; what a worker offers) and `--cpu-limit` take it: a plain decimal above 0. */
export function coresFlag(flag: string, text: string): number {
  const n = Number(text);
  if (!/^[0-9]*\.?[0-9]+$/.test(text) || !(n > 0))
    throw new InvalidField(flag, `is ${JSON.stringify(text)}; use a number of cores above 0, such as 0.5`);
  return n;
}

/**
 * What the flags given set, each checked naming its flag; with `kind` `'update'`, `--cpu-limit 0`
 * and `--pids-limit ""` are null: the field taken away.
 */
export function limitFieldsOf(flags: LimitFlags, kind: 'image' | 'update'): LimitFields {
  const out: LimitFields = {};
  const update = kind === 'update';
  if (flags.cpuLimit !== undefined)
    out.cpuLimit = update && /^0*\.?0*$/.test(flags.cpuLimit) ? null : coresFlag('--cpu-limit', flags.cpuLimit);
  if (flags.pidsLimit !== undefined)
    out.pidsLimit =
      update && flags.pidsLimit === ''
        ? null
        : countFlag('--pids-limit', flags.pidsLimit, MIN_PIDS_LIMIT, MAX_PIDS_LIMIT);
  return out;
}

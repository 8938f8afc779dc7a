import { eachOf, jsonOfEach, STDIO, type Output } from './each-name.js';
import { InvalidField } from '../errors/index.js';
import { volumeFilter, volumeFormat } from './volume-format.js';
import { volumeDetail } from './volume-detail.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { viewFormatOf } from './inspect-format.js';
import { idLines, printable, toJson } from './terminal-text.js';

export type VolumeFlags = ClientFlags & { json?: boolean };
/** inspect: `--format` (`-f`), as `docker volume inspect` takes it (view-format.ts). */
export type VolumeInspectFlags = VolumeFlags & { format?: string };
export interface VolumeListFlags extends VolumeFlags {
  quiet?: boolean;
  /** `--format`, as `docker volume ls --format` takes it (volume-format.ts). */
  format?: string;
  /** `-f name=PART`, `node=NAME`, `dangling=true|false` (volume-format.ts). */
  filter?: string[];
}

/** `poseidon volume ls`: named volumes, the node holding each, and the tasks using it; -q: the names alone. */
export async function listVolumes(flags: VolumeListFlags, io: Output = STDIO): Promise<void> {
  // --format and -f are read before the manager is asked; -q wins over --format, as with docker
  const format = flags.quiet === true ? undefined : volumeFormat(flags.format, Date.now());
  const kept = volumeFilter(flags.filter);
  if (flags.json === true && flags.format !== undefined)
    throw new InvalidField(
      '--json',
      'and --format both say how to print: give one (--format json prints a line a volume)',
    );
  const all = await managerClient(flags).listVolumes();
  const volumes = all.filter(kept);
  if (flags.json === true) io.out(`${toJson(volumes)}\n`);
  else if (format === undefined) io.out(idLines(volumes.map((v) => v.name)));
  else io.out(all.length === 0 && flags.format === undefined ? 'no volumes\n' : format.print(volumes));
}

/**
 * `poseidon volume inspect NAME...`: each volume's node, and each task that mounts it, with its
 * service and node; as `docker volume inspect` takes several, a name that matches nothing is said
 * on stderr, the others are still shown, and the exit status is then 1. --json: the volume for
 * one name, as before; an array for several, as docker prints them.
 */
export async function inspectVolumes(
  names: readonly string[],
  flags: VolumeInspectFlags,
  io: Output = STDIO,
): Promise<void> {
  const format = await viewFormatOf(flags);
  const client = managerClient(flags);
  const volumes = await eachOf(names, io, (name) => client.getVolume(name));
  if (format !== undefined) {
    io.out(format.print(volumes));
    return;
  }
  if (flags.json === true) {
    io.out(jsonOfEach(names, volumes));
    return;
  }
  const nowMs = Date.now();
  // a blank line between two volumes, as between a volume's rows and its tasks: each begins with its Name
  if (volumes.length > 0) io.out(`${volumes.map((v) => volumeDetail(v, nowMs)).join('\n\n')}\n`);
}

/**
 * `poseidon volume rm NAME...`: each in turn, as `docker volume rm` takes several; one refused
 * (in use by a task that is not finished, or unknown) is said on stderr, the rest still go, and
 * the exit status is then 1.
 */
export async function removeVolumes(names: readonly string[], flags: VolumeFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const removed = await eachOf(names, io, async (name) => {
    const done = await client.removeVolume(name);
    if (flags.json !== true) io.out(printable(`volume ${done.name} removed from node ${done.node}`) + '\n');
    return done;
  });
  if (flags.json === true) io.out(`${toJson(removed.length === 1 && names.length === 1 ? removed[0] : removed)}\n`);
}

import type { VolumeView } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { filterPairs } from './filter-flag.js';
import { age } from './format.js';
import { formatField, rowFormat, type FormatField, type RowFormat } from './row-format.js';

// `poseidon volume ls` as `docker volume ls` takes --format and -f. Poseidon's volumes have no
// driver (each is the engine's local volume on one node), so no .Driver and no -f driver=.

/** What `volume ls --format` may show of a volume; `table` alone is the table volume ls prints. */
export function volumeFields(nowMs: number): ReadonlyArray<FormatField<VolumeView>> {
  return [
    formatField('Name', 'NAME', (v) => v.name),
    formatField('Node', 'NODE', (v) => v.node),
    formatField('Created', 'CREATED', (v) => `${age(v.createdAt, nowMs)} ago`),
    formatField('CreatedAt', 'CREATED AT', (v) => v.createdAt),
    formatField('InUseBy', 'IN USE BY', (v) => v.inUseBy.map((id) => id.slice(0, 8)).join(',') || '-'),
    // docker's name for how many containers use it
    formatField('Links', 'LINKS', (v) => String(v.inUseBy.length)),
  ];
}

const VOLUME_TABLE = 'table {{.Name}}\t{{.Node}}\t{{.Created}}\t{{.InUseBy}}';

/** `--format`'s value read (the table when none); InvalidField names what it cannot print. */
export function volumeFormat(format: string | undefined, nowMs: number): RowFormat<VolumeView> {
  return rowFormat(format ?? 'table', volumeFields(nowMs), VOLUME_TABLE);
}

const TAKES = 'name=PART, node=NAME or dangling=true|false (repeat: any of several)';

/**
 * `volume ls -f KEY=VALUE`, as `docker volume ls --filter` takes it: name= a part of the name,
 * node= the node that holds it, dangling=true one no unfinished task mounts. A key given twice
 * keeps volumes that match either.
 */
export function volumeFilter(given: readonly string[] | undefined): (v: VolumeView) => boolean {
  const pairs = filterPairs(given, ['name', 'node', 'dangling'] as const, TAKES);
  const values = (key: string): string[] => pairs.filter(([k]) => k === key).map(([, v]) => v);
  const dangling = values('dangling').map((d) => {
    if (d !== 'true' && d !== 'false')
      throw new InvalidField('--filter', `is "dangling=${d}"; use dangling=true or false`);
    return d === 'true';
  });
  const [names, nodes] = [values('name'), values('node')];
  return (v) =>
    (names.length === 0 || names.some((n) => v.name.includes(n))) &&
    (nodes.length === 0 || nodes.includes(v.node)) &&
    (dangling.length === 0 || dangling.includes(v.inUseBy.length === 0));
}

import { basename, dirname, resolve } from 'node:path';
import type { ServiceSpec, ServiceView } from '../api/index.js';
import { composeToServices, planStack, stackNameFrom, type StackPlan } from '../compose/index.js';
import { InvalidField } from '../errors/index.js';
import { readDocument } from '../files/index.js';
import { parseServiceSpec, templateChanged } from '../service/index.js';
import { table } from './format.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, toJson } from './terminal-text.js';

export interface DeployFlags extends ClientFlags {
  file: string;
  name?: string;
  prune?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** What deploy needs of the Manager API (ManagerClient has it). */
export interface StackClient {
  listServices(): Promise<ServiceView[]>;
  createService(spec: ServiceSpec): Promise<ServiceView>;
  updateService(name: string, spec: ServiceSpec): Promise<ServiceView>;
  removeService(name: string): Promise<unknown>;
}

/** What a deploy did (or, with --dry-run, would do). */
export interface DeployResult {
  stack: string;
  dryRun: boolean;
  warnings: string[];
  created: string[];
  updated: { name: string; newVersion: boolean; changes: string[] }[];
  removed: string[];
  unchanged: string[];
  /** The stack's services the file no longer has, kept because --prune was not given. */
  kept: string[];
}

/**
 * `poseidon deploy -f compose.yaml`: the file's services are created or updated (only those whose
 * spec changed), and with --prune the stack's services the file no longer has are removed. The
 * whole file is read, converted and checked against the manager's rules before anything changes.
 */
export async function deploy(flags: DeployFlags): Promise<void> {
  const doc = await readDocument(flags.file, '-f');
  const stack = stackName(flags, doc);
  const result = await deployStack(managerClient(flags), doc, {
    stack,
    baseDir: dirname(resolve(flags.file)),
    prune: flags.prune === true,
    dryRun: flags.dryRun === true,
  });
  if (flags.json === true) {
    process.stdout.write(`${toJson(result)}\n`);
    return;
  }
  for (const w of result.warnings) process.stderr.write(`poseidon: warning: ${printable(w)}\n`);
  process.stdout.write(`${describe(result)}\n`);
}

export async function deployStack(
  client: StackClient,
  doc: unknown,
  options: { stack: string; baseDir: string; prune: boolean; dryRun: boolean },
): Promise<DeployResult> {
  const { stack } = options;
  const { services, warnings } = composeToServices(doc, { stack, baseDir: options.baseDir, hostEnv: process.env });
  // errors name the Compose file's path: services.web (the key), not the service's full name
  const normalize = (spec: ServiceSpec): ServiceSpec =>
    parseServiceSpec(spec, `services.${spec.name.slice(stack.length + 1)}`);
  const plan = planStack({
    stack,
    desired: services,
    existing: await client.listServices(),
    prune: options.prune,
    normalize,
    templateChanged,
  });
  const result = resultOf(stack, options, warnings, plan);
  if (options.dryRun) return result;
  for (const spec of plan.create) await client.createService(spec);
  for (const { spec } of plan.update) await client.updateService(spec.name, spec);
  if (options.prune) for (const name of plan.remove) await client.removeService(name);
  return result;
}

function resultOf(
  stack: string,
  options: { prune: boolean; dryRun: boolean },
  warnings: string[],
  plan: StackPlan,
): DeployResult {
  return {
    stack,
    dryRun: options.dryRun,
    warnings,
    created: plan.create.map((s) => s.name),
    updated: plan.update.map((u) => ({ name: u.spec.name, newVersion: u.newVersion, changes: u.changes })),
    removed: options.prune ? plan.remove : [],
    unchanged: plan.unchanged,
    kept: options.prune ? [] : plan.remove,
  };
}

/** --name, else the file's `name:`, else its directory's name made a DNS label. */
function stackName(flags: DeployFlags, doc: unknown): string {
  if (flags.name !== undefined) return flags.name;
  const named = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['name'] : undefined;
  if (typeof named === 'string') return named;
  const dir = basename(dirname(resolve(flags.file)));
  const name = stackNameFrom(dir);
  if (name === null) throw new InvalidField('--name', `is needed: the directory name "${dir}" makes no stack name`);
  return name;
}

function describe(r: DeployResult): string {
  const rows: string[][] = [
    ...r.created.map((n) => ['create', n, '']),
    ...r.updated.map((u) => ['update', u.name, `${u.newVersion ? 'new version: ' : ''}${u.changes.join(', ')}`]),
    ...r.removed.map((n) => ['remove', n, '']),
    ...r.kept.map((n) => ['keep', n, 'not in the file; --prune removes it']),
    ...r.unchanged.map((n) => ['unchanged', n, '']),
  ];
  const counts =
    `${r.created.length} created, ${r.updated.length} updated, ${r.removed.length} removed, ` +
    `${r.unchanged.length} unchanged`;
  const last = r.dryRun ? `dry run: nothing was changed (would be: ${counts})` : `stack ${r.stack}: ${counts}`;
  return `${table(['ACTION', 'SERVICE', 'CHANGES'], rows)}\n${printable(last)}`;
}

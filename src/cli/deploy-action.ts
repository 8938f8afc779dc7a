import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseEnv } from 'dotenv';
import type { FileView, ServiceSpec, ServiceView } from '../api/index.js';
import { isJobMode } from '../api/service-modes.js';
import { STACK_LABEL } from '../api/stack-label.js';
import {
  asDocument,
  composeToServices,
  interpolateText,
  mergeComposeDocuments,
  modeOf,
  planStack,
  stackNameFrom,
  type StackFile,
  type StackPlan,
  type Variables,
  fieldOrigin,
  withIncludes,
} from '../compose/index.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField, isNotFound, PoseidonError } from '../errors/index.js';
import { parseDuration } from '../units/index.js';
import { fsProblem, MAX_DOCUMENT_BYTES, parseDocument, readDocument } from '../files/index.js';
import { parseServiceSpec, templateChanged } from '../service/index.js';
import { STDIO, type Output } from './each-name.js';
import { table } from './format.js';
import { includeReader } from './include-reader.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { waitForJob, waitForReplicas, waitForRollout, type WaitClient } from './service-wait.js';
import { printable, toJson } from './terminal-text.js';

/** The flags that name a Compose file. */
export type FileFlag = '-f' | '-c';

export interface DeployFlags extends ClientFlags {
  /**
   * The Compose files, merged in order (`-c base.yml -c prod.yml`); the one of the current
   * directory (COMPOSE_FILE_NAMES) when none is given. Paths in them are relative to the first's
   * directory, whose `.env` is read, as docker compose has it.
   */
  files?: readonly string[];
  /** The flag that named them, for their errors: -f unless -c (docker stack deploy's spelling). */
  fileFlag?: FileFlag;
  wait?: boolean;
  timeout?: string;
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
  listFiles(kind: 'secret' | 'config'): Promise<FileView[]>;
  removeFile(kind: 'secret' | 'config', name: string): Promise<unknown>;
  createFile(
    kind: 'secret' | 'config',
    req: { name: string; data: Buffer; labels?: Record<string, string> },
  ): Promise<FileView>;
}

/**
 * What a deploy does with a secret or config its services mount: creates it, finds it there
 * already (created by an earlier deploy: the manager refuses another value under its name), or
 * checks that an external one exists.
 */
export interface FileAction {
  kind: 'secret' | 'config';
  name: string;
  /** `remove`: an older one of the stack's (another value), which nothing mounts any more. */
  action: 'create' | 'exists' | 'external' | 'remove';
}

/** What a deploy did (or, with --dry-run, would do). */
export interface DeployResult {
  stack: string;
  dryRun: boolean;
  warnings: string[];
  /** The secrets and configs the services mount, created before any service. */
  files: FileAction[];
  created: string[];
  updated: { name: string; newVersion: boolean; changes: string[] }[];
  removed: string[];
  unchanged: string[];
  /** The stack's services the file no longer has, kept because --prune was not given. */
  kept: string[];
  /**
   * Which of the services created or updated are jobs (replicated-job, global-job): run to
   * completion, they have no rollout, and a new version of one runs it again.
   */
  jobs: string[];
}

/**
 * The Compose file as a document, named in its errors as the user named it: by the flag that gave
 * it (-f, or -c as docker stack deploy spells it), or as the one found here (`given` false). An
 * empty one is said to be empty, not "(document) must be a mapping (got null)".
 */
export async function readComposeFile(
  file: string,
  given: false | FileFlag,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<unknown> {
  const flag = given === false ? 'the Compose file' : given;
  const doc =
    file === '-' ? await parseDocument(await readStdin(stdin, flag), 'stdin', flag) : await readDocument(file, flag);
  if (doc === null || doc === undefined)
    throw new InvalidField(flag, `${file} is empty; a Compose file names its services under services:`);
  try {
    return asDocument(doc);
  } catch (err) {
    // a text file (-c /etc/hostname) or a list: which file, as a field's error says it
    throw err instanceof InvalidField ? inFile(err, file) : err;
  }
}

/** `-c -`: the Compose file piped in, as docker stack deploy reads it; a terminal is refused, not waited on. */
async function readStdin(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, flag: string): Promise<string> {
  if (stdin.isTTY === true)
    throw new InvalidField(`${flag} -`, 'reads the Compose file from stdin, which is a terminal: pipe the file in');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_DOCUMENT_BYTES)
      throw new InvalidField(`${flag} -`, `stdin has more than ${MAX_DOCUMENT_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * `poseidon deploy -f compose.yaml`: the file's services are created or updated (only those whose
 * spec changed), and with --prune the stack's services the file no longer has are removed. The
 * whole file is read, converted and checked against the manager's rules before anything changes.
 */
export async function deploy(flags: DeployFlags, io: Output = STDIO): Promise<void> {
  const given = flags.files !== undefined && flags.files.length > 0;
  const files = given ? (flags.files ?? []) : [composeFileIn(process.cwd())];
  const file = files[0] ?? '';
  // a bad --timeout is refused before anything changes
  const timeoutMs = flags.wait === true ? parseDuration('--timeout', flags.timeout ?? '10m') : 0;
  if (files.filter((f) => f === '-').length > 1)
    throw new InvalidField(`${flags.fileFlag ?? '-f'} -`, 'is given twice: stdin holds one Compose file');
  const docs: unknown[] = [];
  for (const f of files) docs.push(await readComposeFile(f, given && (flags.fileFlag ?? '-f')));
  const baseDir = dirname(resolve(file));
  const variables = projectVariables(baseDir, process.env);
  const named = files.map((f) => ({ name: f === '-' ? 'stdin' : f, path: resolve(f) }));
  const included = await withIncludes(docs, named, baseDir, variables, includeReader);
  const doc = mergeComposeDocuments(included.docs, variables);
  const stack = stackName(file, flags, doc, variables);
  const client = managerClient(flags);
  const result = await deployStack(client, doc, {
    stack,
    baseDir,
    variables,
    prune: flags.prune === true,
    dryRun: flags.dryRun === true,
  }).catch((err: unknown) => {
    throw namingFile(err, included.origins.docs, included.origins.names);
  });
  result.warnings.unshift(...included.warnings);
  if (flags.json === true) io.out(`${toJson(result)}\n`);
  else {
    for (const w of result.warnings) io.err(`poseidon: warning: ${printable(w)}\n`);
    io.out(`${describe(result)}\n`);
  }
  if (flags.wait === true && !result.dryRun) {
    const write = flags.json === true ? () => {} : (line: string) => io.out(`${printable(line)}\n`);
    if (!(await waitForStack(client, result, timeoutMs, write, io))) process.exitCode = 1;
  }
}

/**
 * A field of the Compose file named with the file (of several merged ones, `-c base.yml -c
 * prod.yml`, or one they include, the one that set it), so the user knows which one to open; any
 * other error as it is.
 */
function namingFile(err: unknown, docs: readonly unknown[], files: readonly string[]): unknown {
  if (!(err instanceof InvalidField)) return err;
  const file = fieldOrigin(docs, files, err.field);
  return file === undefined ? err : inFile(err, file);
}

/** `err` with the Compose file it is about: `..., in compose.yaml` (`, in stdin` for -c -). */
function inFile(err: InvalidField, file: string): InvalidField {
  return new InvalidField(err.field, `${err.problem}, in ${file === '-' ? 'stdin' : file}`);
}

/** The names `docker compose` looks for in a directory, in its order. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** The Compose file of `dir`, as `docker compose` finds it without -f. */
export function composeFileIn(dir: string): string {
  const found = COMPOSE_FILE_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
  if (found === undefined) throw new NoComposeFile();
  return found;
}

class NoComposeFile extends PoseidonError {
  constructor() {
    super(
      'invalid_request',
      `no Compose file here (${COMPOSE_FILE_NAMES.join(', ')}); name one: poseidon deploy -f FILE (or -c FILE)`,
    );
  }
}

/**
 * `--wait`: until each service the deploy created or scaled has every replica healthy, each it
 * gave a new version has finished its rollout, and each job's run has ended, one after the other
 * within one `timeoutMs`; false when a rollout did not complete (rolled back or paused) or a job
 * failed. A timeout throws (ServiceWaitTimedOut). A replica that keeps failing throws too, its last
 * output written to `io` first.
 */
export async function waitForStack(
  client: WaitClient,
  result: DeployResult,
  timeoutMs: number,
  write: (line: string) => void,
  io: Output = STDIO,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(0, deadline - Date.now());
  let ok = true;
  const jobs = new Set(result.jobs);
  for (const name of result.created)
    ok =
      (jobs.has(name)
        ? await waitForJob(client, name, left(), write)
        : await waitForReplicas(client, name, left(), write, io)) && ok;
  for (const u of result.updated) {
    const done = jobs.has(u.name)
      ? await waitForJob(client, u.name, left(), write)
      : u.newVersion
        ? await waitForRollout(client, u.name, left(), write, 'completed')
        : await waitForReplicas(client, u.name, left(), write, io);
    ok = done && ok;
  }
  return ok;
}

/**
 * The variables a Compose file's `${VAR}` and `environment: [KEY]` take, as `docker compose` has
 * them: the shell's environment, over the `.env` file in the Compose file's directory when there
 * is one. (`docker stack deploy` reads no `.env`; the same file then deploys the same way here as
 * under `docker compose up`.)
 */
export function projectVariables(baseDir: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const path = join(baseDir, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...env };
    throw new InvalidField(path, `cannot be read: ${fsProblem(err)}`);
  }
  return { ...parseEnv(text), ...env };
}

export async function deployStack(
  client: StackClient,
  doc: unknown,
  options: {
    stack: string;
    baseDir: string;
    prune: boolean;
    dryRun: boolean;
    /** The shell's environment unless given (projectVariables). */
    variables?: Readonly<Record<string, string | undefined>>;
  },
): Promise<DeployResult> {
  const { stack } = options;
  const { services, files, warnings } = composeToServices(doc, {
    stack,
    baseDir: options.baseDir,
    hostEnv: options.variables ?? process.env,
    readFile: (path) => readFileSync(path, 'utf8'),
    readBytes: readAtMost,
  });
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
  const moved = modeChanges(stack, plan);
  if (moved[0] !== undefined && !options.dryRun) throw new InvalidField(moved[0].path, moved[0].problem);
  const { actions: fileActions, stale } = await filesToCreate(client, files, stack);
  const modeWarnings = moved.map((m) => `${m.path} ${m.problem}; the deploy would be refused`);
  const result = resultOf(stack, options, [...warnings, ...modeWarnings], plan, fileActions);
  if (options.dryRun) return result;
  // before the services that mount them; the same value again is answered with the one there
  for (const f of files)
    if (f.value !== undefined)
      await client.createFile(f.kind, { name: f.name, data: f.value, ...(f.labels ? { labels: f.labels } : {}) });
  for (const spec of plan.create) await client.createService(spec);
  for (const { spec } of plan.update) await client.updateService(spec.name, spec);
  if (options.prune) for (const name of plan.remove) await client.removeService(name);
  // older values nothing mounted when the deploy began; one still in use goes with a later deploy or stack rm
  for (const f of stale)
    await client.removeFile(f.kind, f.name).catch((err: unknown) => {
      // taken meanwhile, or removed by someone else: nothing to do; anything else is said, as the deploy itself is done
      if (isNotFound(err, 'file') || (err instanceof PoseidonError && err.code === 'file_in_use')) return;
      const why = err instanceof Error ? err.message : String(err);
      result.warnings.push(
        `${f.kind} ${f.name}, an older value of the stack's, was not removed (${why}); ` +
          `remove it with poseidon ${f.kind} rm ${f.name}`,
      );
    });
  return result;
}

/**
 * The services whose mode the file changes: the manager refuses such a change, so a deploy is
 * refused before anything changes rather than halfway through (a dry run lists it, and says so).
 */
function modeChanges(stack: string, plan: StackPlan): { path: string; problem: string }[] {
  return plan.update
    .filter((u) => u.changes.includes('mode'))
    .map(({ spec, fromMode }) => ({
      path: `services.${spec.name.slice(stack.length + 1)}.deploy.mode`,
      problem:
        `is ${modeOf(spec)}, and service ${spec.name} is ${fromMode}: a service's mode ` +
        `cannot change (remove it with poseidon service rm ${spec.name}, then deploy)`,
    }));
}

/** At most `limit` bytes of a file (a secret's or config's value): a larger one is not read whole. */
function readAtMost(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(limit);
    let n = 0;
    while (n < limit) {
      const got = readSync(fd, buf, n, limit - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * What the deploy does with each secret and config: create it, or find it there; an external one
 * the manager does not have is refused here, before anything changes.
 */
async function filesToCreate(
  client: StackClient,
  files: readonly StackFile[],
  stack: string,
): Promise<{ actions: FileAction[]; stale: FileAction[] }> {
  const kinds = ['secret', 'config'] as const;
  const lists = await Promise.all(kinds.map((k) => client.listFiles(k)));
  const known = new Set(kinds.flatMap((k, i) => (lists[i] ?? []).map((v) => `${k}/${v.name}`)));
  const wanted = new Set(files.map((f) => `${f.kind}/${f.name}`));
  // the stack's own that this deploy does not mount (an older value, or no longer declared), unused
  const stale = kinds.flatMap((kind, i) =>
    (lists[i] ?? [])
      .filter((v) => v.labels[STACK_LABEL] === stack && !wanted.has(`${kind}/${v.name}`) && v.inUseBy.length === 0)
      .map((v): FileAction => ({ kind, name: v.name, action: 'remove' })),
  );
  const actions = files.map((f): FileAction => {
    const there = known.has(`${f.kind}/${f.name}`);
    if (f.external && !there)
      throw new InvalidField(
        `${f.kind}s.${f.key}`,
        `is external, and the manager has no ${f.kind} named ${f.name}: create it first ` +
          `(poseidon ${f.kind} create ${f.name} FILE), or give its value here (file:)`,
      );
    return { kind: f.kind, name: f.name, action: f.external ? 'external' : there ? 'exists' : 'create' };
  });
  return { actions: [...actions, ...stale], stale };
}

function resultOf(
  stack: string,
  options: { prune: boolean; dryRun: boolean },
  warnings: string[],
  plan: StackPlan,
  files: FileAction[],
): DeployResult {
  return {
    stack,
    dryRun: options.dryRun,
    warnings,
    files,
    created: plan.create.map((s) => s.name),
    updated: plan.update.map((u) => ({ name: u.spec.name, newVersion: u.newVersion, changes: u.changes })),
    removed: options.prune ? plan.remove : [],
    unchanged: plan.unchanged,
    kept: options.prune ? [] : plan.remove,
    jobs: [...plan.create, ...plan.update.map((u) => u.spec)].filter((s) => isJobMode(s.mode)).map((s) => s.name),
  };
}

/** --name, else the file's `name:` (variables substituted), else its directory's name made a DNS label. */
function stackName(file: string, flags: DeployFlags, doc: unknown, variables: Variables): string {
  if (flags.name !== undefined) return flags.name;
  const named = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['name'] : undefined;
  if (typeof named === 'string') return interpolateText(named, 'name', variables);
  const dir = basename(dirname(resolve(file)));
  const name = stackNameFrom(dir);
  if (name === null) throw new InvalidField('--name', `is needed: the directory name "${dir}" makes no stack name`);
  return name;
}

/** A job's created row says it runs, an updated one whether it runs again (a new version: no rollout). */
export function describe(r: DeployResult): string {
  const jobs = new Set(r.jobs);
  const version = (u: DeployResult['updated'][number]): string =>
    !u.newVersion ? '' : jobs.has(u.name) ? 'new version, the job runs again: ' : 'new version: ';
  const rows: string[][] = [
    ...r.created.map((n) => ['create', n, jobs.has(n) ? 'a job: runs to completion' : '']),
    ...r.updated.map((u) => ['update', u.name, `${version(u)}${u.changes.join(', ')}`]),
    ...r.removed.map((n) => ['remove', n, '']),
    ...r.kept.map((n) => ['keep', n, 'not in the file; --prune removes it']),
    ...r.unchanged.map((n) => ['unchanged', n, '']),
  ];
  const counts =
    `${r.created.length} created, ${r.updated.length} updated, ${r.removed.length} removed, ` +
    `${r.unchanged.length} unchanged`;
  const last = r.dryRun ? `dry run: nothing was changed (would be: ${counts})` : `stack ${r.stack}: ${counts}`;
  const files =
    r.files.length === 0
      ? ''
      : `${table(
          ['ACTION', 'KIND', 'NAME'],
          r.files.map((f) => [f.action, f.kind, f.name]),
        )}\n\n`;
  return `${files}${table(['ACTION', 'SERVICE', 'CHANGES'], rows)}\n${printable(last)}`;
}

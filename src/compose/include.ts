import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseEnv } from 'dotenv';
import { InvalidField } from '../errors/index.js';
import { MAX_DOCUMENT_BYTES } from '../files/index.js';
import { fieldOrigin } from './field-origin.js';
import { absolutePaths, escapeDollars } from './include-paths.js';
import { interpolate, type Variables } from './interpolate.js';
import { mergeComposeDocuments } from './merge.js';
import { asList, asMap, asString, composeError, fieldPath, isMap, shown, type ComposeMap } from './values.js';

// The top-level `include:` of the Compose specification, as docker compose reads it: each entry is
// another Compose application (`path`: one file, or several merged in order), read as its own
// project: its relative paths from its `project_directory` (by default its first file's
// directory), its variables from the including project's, over its `env_file` (by default the
// `.env` of its project directory). Its own `include:` is followed. Its services, volumes,
// networks, secrets and configs join the including file's; one the including file (or an earlier
// include) also defines differently is refused, as docker compose refuses it. Paths of `include`
// itself are relative to the including file's project directory (a top-level file's: the first
// file's directory, as every relative path of several merged files).

/** Includes deeper than this are refused (a chain, not a cycle, that long is a mistake). */
export const MAX_INCLUDE_DEPTH = 10;
/** Included files read for one deploy, at most; together they hold no more than one Compose file may. */
export const MAX_INCLUDED_FILES = 100;

const RESOURCES = ['services', 'volumes', 'networks', 'secrets', 'configs'] as const;
const ENTRY_KEYS = new Set(['path', 'project_directory', 'env_file']);

/** What reads included files: the CLI's, or a test's. */
export interface IncludeReader {
  /** The Compose file at an absolute path, parsed, and its size; refused naming `at` when it cannot be. */
  readCompose(path: string, at: string): Promise<{ doc: unknown; bytes: number }>;
  /** A `.env` file's text; undefined when there is no such file. */
  readEnv(path: string): string | undefined;
  /** How a path is written in messages. */
  shown(path: string): string;
}

export interface Included {
  /** The documents, each with what its includes bring in (and no `include:`), to merge in order. */
  docs: unknown[];
  /** The pieces each field came from, in merge order, and their files' names: for fieldOrigin. */
  origins: { docs: unknown[]; names: string[] };
  /** Variables an included file uses that are not set (substituted as empty). */
  warnings: string[];
}

/** One application an include brings in: its merged document, and the pieces of it by file. */
interface Model {
  doc: Record<string, unknown>;
  pieces: { docs: ComposeMap[]; names: string[] };
}

/** A Compose file: as messages name it, and its absolute path. */
export interface ComposeFile {
  name: string;
  path: string;
}

/** Where a file's project is: its directory (relative paths start there), its variables, the includes to it. */
interface Project {
  dir: string;
  vars: Variables;
  /** The absolute paths of the files that include it, outermost first. */
  chain: readonly string[];
}

interface Walk {
  reader: IncludeReader;
  bytes: number;
  files: number;
  unset: Set<string>;
}

/**
 * The top-level Compose files (`-c a.yml -c b.yml`, named `names`) with their includes read:
 * `baseDir` is the project's directory, `vars` the project's variables.
 */
export async function withIncludes(
  docs: readonly unknown[],
  files: readonly ComposeFile[],
  baseDir: string,
  vars: Variables,
  reader: IncludeReader,
): Promise<Included> {
  const walk: Walk = { reader, bytes: 0, files: 0, unset: new Set() };
  const out: Included = { docs: [], origins: { docs: [], names: [] }, warnings: [] };
  for (const [i, doc] of docs.entries()) {
    const file = files[i] ?? { name: '', path: '' };
    if (!isMap(doc) || doc['include'] === undefined || doc['include'] === null) {
      out.docs.push(doc);
      out.origins.docs.push(doc);
      out.origins.names.push(file.name);
      continue;
    }
    const model = await withOwnIncludes(doc, doc['include'], file, { dir: baseDir, vars, chain: [] }, walk);
    out.docs.push(model.doc);
    out.origins.docs.push(...model.pieces.docs);
    out.origins.names.push(...model.pieces.names);
  }
  if (walk.unset.size > 0)
    out.warnings.push(
      `not set, so substituted as empty in an included file (as docker compose does): ` +
        [...walk.unset]
          .sort()
          .map((v) => `$${v}`)
          .join(', '),
    );
  return out;
}

/** `doc` (of `file`, without its `include`) with the resources of its includes joined to its own. */
async function withOwnIncludes(
  doc: ComposeMap,
  include: unknown,
  file: ComposeFile,
  project: Project,
  walk: Walk,
): Promise<Model> {
  const own = Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'include'));
  const model: Model = { doc: own, pieces: { docs: [own], names: [file.name] } };
  if (include === undefined || include === null) return model;
  const entries = inFile(file.name, () => includeEntries(interpolate({ include }, project.vars).doc));
  for (const [i, entry] of entries.entries()) {
    const at = fieldPath('include', i);
    const included = await loadEntry(entry, at, file, { ...project, chain: [...project.chain, file.path] }, walk);
    joinResources(model, included);
  }
  return model;
}

interface Entry {
  /** Each file, and the path of the field that names it. */
  paths: { path: string; at: string }[];
  projectDirectory?: string;
  envFiles?: string[];
}

function includeEntries(doc: unknown): Entry[] {
  const value = (doc as { include: unknown }).include;
  return asList(value, 'include').map((entry, i) => {
    const at = fieldPath('include', i);
    if (typeof entry === 'string') return { paths: stringOrList(entry, at) };
    const map = asMap(entry, at);
    for (const k of Object.keys(map))
      if (!ENTRY_KEYS.has(k))
        throw composeError(fieldPath(at, k), 'is not a key of an include (path, project_directory, env_file)');
    const out: Entry = { paths: stringOrList(map['path'], fieldPath(at, 'path')) };
    if (map['project_directory'] !== undefined && map['project_directory'] !== null)
      out.projectDirectory = asString(map['project_directory'], fieldPath(at, 'project_directory'));
    if (map['env_file'] !== undefined && map['env_file'] !== null)
      out.envFiles = stringOrList(map['env_file'], fieldPath(at, 'env_file')).map((f) => f.path);
    return out;
  });
}

/** A path or a list of them, each with the path of its field; a remote one is refused. */
function stringOrList(value: unknown, path: string): { path: string; at: string }[] {
  const list =
    typeof value === 'string'
      ? [{ path: value, at: path }]
      : asList(value, path).map((v, i) => ({ path: asString(v, fieldPath(path, i)), at: fieldPath(path, i) }));
  if (list.length === 0) throw composeError(path, 'names no file');
  for (const { path: p, at } of list) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || /^git@/.test(p))
      throw composeError(
        at,
        `is ${shown(p)}, a remote file: Poseidon includes local files only; download it and include its path`,
      );
  }
  return list;
}

/** One include entry of `file`: its files read as their own project, and merged. */
async function loadEntry(entry: Entry, at: string, file: ComposeFile, including: Project, walk: Walk): Promise<Model> {
  const { reader } = walk;
  const { dir: workingDir, chain } = including;
  const paths = entry.paths.map((p) => ({ path: posix.resolve(workingDir, p.path), at: p.at }));
  const first = paths[0]?.path ?? workingDir;
  const projectDir =
    entry.projectDirectory === undefined ? posix.dirname(first) : posix.resolve(workingDir, entry.projectDirectory);
  const project: Project = {
    dir: projectDir,
    vars: { ...envFiles(entry, at, file.name, workingDir, projectDir, reader), ...including.vars },
    chain,
  };
  const models: Model[] = [];
  for (const { path, at: pathAt } of paths) {
    if (chain.includes(path))
      throw new InvalidField(
        pathAt,
        `goes round in a circle: ${[...chain, path].map((p) => reader.shown(p)).join(' includes ')}, ` +
          `in ${file.name}`,
      );
    if (chain.length >= MAX_INCLUDE_DEPTH)
      throw new InvalidField(
        pathAt,
        `includes ${reader.shown(path)} ${chain.length} includes deep; at most ${MAX_INCLUDE_DEPTH}, in ${file.name}`,
      );
    models.push(await loadFile({ name: reader.shown(path), path }, pathAt, file.name, project, walk));
  }
  return {
    doc: mergeComposeDocuments(
      models.map((m) => m.doc),
      project.vars,
    ) as Record<string, unknown>,
    pieces: { docs: models.flatMap((m) => m.pieces.docs), names: models.flatMap((m) => m.pieces.names) },
  };
}

/** The variables of an include's env_file (relative to the including project), or its project's `.env`. */
function envFiles(
  entry: Entry,
  at: string,
  name: string,
  workingDir: string,
  projectDir: string,
  reader: IncludeReader,
): Record<string, string> {
  if (entry.envFiles === undefined) {
    const text = reader.readEnv(posix.join(projectDir, '.env'));
    return text === undefined ? {} : parseEnv(text);
  }
  const vars: Record<string, string> = {};
  for (const f of entry.envFiles) {
    const text = reader.readEnv(posix.resolve(workingDir, f));
    if (text === undefined)
      throw new InvalidField(fieldPath(at, 'env_file'), `names ${f}, which does not exist, in ${reader.shown(name)}`);
    Object.assign(vars, parseEnv(text));
  }
  return vars;
}

/** An included file: read, its variables substituted, its paths made absolute, then its own includes. */
async function loadFile(file: ComposeFile, at: string, name: string, project: Project, walk: Walk): Promise<Model> {
  const { reader } = walk;
  const read = await inFile(name, () => reader.readCompose(file.path, at));
  walk.bytes += read.bytes;
  walk.files += 1;
  if (walk.bytes > MAX_DOCUMENT_BYTES || walk.files > MAX_INCLUDED_FILES)
    throw new InvalidField(
      at,
      `includes ${file.name}, past the most included files hold together (${MAX_INCLUDED_FILES} files, ` +
        `${MAX_DOCUMENT_BYTES} bytes), in ${name}`,
    );
  const doc = inFile(file.name, () => {
    if (!isMap(read.doc)) throw composeError('(document)', `must be a mapping (got ${shown(read.doc)})`);
    const done = interpolate(read.doc, project.vars);
    for (const v of done.unset) walk.unset.add(v);
    return done.doc as ComposeMap;
  });
  const own = escapeDollars(absolutePaths(doc, project.dir)) as ComposeMap;
  // its own include as written: substituted with its variables there, and not escaped
  return withOwnIncludes(own, (read.doc as ComposeMap)['include'], file, project, walk);
}

/** Adds `included`'s resources to `model`'s; the same one defined differently is refused, as docker compose does. */
function joinResources(model: Model, included: Model): void {
  const taken: Record<string, Set<string>> = {};
  for (const kind of RESOURCES) {
    const from = included.doc[kind];
    if (from === undefined || from === null) continue;
    const add = asMap(from, kind);
    const there = model.doc[kind];
    const to: Record<string, unknown> = there === undefined || there === null ? {} : { ...asMap(there, kind) };
    const names = new Set<string>();
    for (const [key, value] of Object.entries(add)) {
      if (Object.hasOwn(to, key)) {
        if (isDeepStrictEqual(to[key], value)) continue;
        const path = fieldPath(kind, key);
        const mine = fieldOrigin(model.pieces.docs, model.pieces.names, path) ?? '';
        const theirs = fieldOrigin(included.pieces.docs, included.pieces.names, path) ?? '';
        throw new InvalidField(
          path,
          `is defined both in ${mine} and in ${theirs} (included), differently: docker compose refuses ` +
            'such a conflict; keep one of them',
        );
      }
      to[key] = value;
      names.add(key);
    }
    model.doc[kind] = to;
    taken[kind] = names;
  }
  // the pieces keep only what joined, so a field's origin is the file that defined it
  included.pieces.docs.forEach((piece, i) => {
    const kept: Record<string, unknown> = {};
    for (const kind of RESOURCES) {
      const res = piece[kind];
      if (!isMap(res)) continue;
      const keep = Object.entries(res).filter(([k]) => taken[kind]?.has(k) === true);
      if (keep.length > 0) kept[kind] = Object.fromEntries(keep);
    }
    model.pieces.docs.push(kept);
    model.pieces.names.push(included.pieces.names[i] ?? '');
  });
}

/** Runs `fn`; a field error it throws is said with the file it is in. */
function inFile<T>(file: string, fn: () => T): T {
  try {
    const out = fn();
    if (out instanceof Promise)
      return out.catch((err: unknown) => {
        throw named(err, file);
      }) as T;
    return out;
  } catch (err) {
    throw named(err, file);
  }
}

function named(err: unknown, file: string): unknown {
  return err instanceof InvalidField ? new InvalidField(err.field, `${err.problem}, in ${file}`) : err;
}

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FileView } from '../api/index.js';
import type { FileKind } from '../task/file-ref.js';
import { FILE_NAME_PATTERN, FILE_NAME_RULE, MAX_FILE_BYTES } from '../task/file-limits.js';
import { InvalidField, PoseidonError } from '../errors/index.js';
import { fsProblem } from '../files/index.js';
import { formatBytes } from '../units/index.js';
import { pairs } from './flags.js';
import { age, table } from './format.js';
import { eachOf, STDIO, type Output } from './each-name.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { viewFormatOf } from './inspect-format.js';
import { printable, toJson } from './terminal-text.js';

// `poseidon secret create|ls|inspect|rm` and `poseidon config …`, as `docker secret` and
// `docker config` have them: named values the manager keeps, which a task mounts as files. A
// secret's value is sent once and never shown again; a config's is shown by `config inspect`.

export type { FileKind };

export interface FileCreateFlags extends ClientFlags {
  label?: string[];
  json?: boolean;
}
export interface FileListFlags extends ClientFlags {
  json?: boolean;
  quiet?: boolean;
}
export type FileFlags = ClientFlags & { json?: boolean };
/** inspect: `--format` (`-f`), as `docker secret inspect` takes it (view-format.ts). */
export type FileInspectFlags = FileFlags & { format?: string };

export type { Output };

/** What a value may be read from: a file, or stdin (a terminal is refused). */
export type ValueInput = Readable & { isTTY?: boolean };

/** A value over MAX_FILE_BYTES: refused here, before it is sent. */
export class ValueTooLarge extends PoseidonError {
  constructor(kind: FileKind, from: string) {
    super(
      'invalid_request',
      `${from} holds more than ${formatBytes(MAX_FILE_BYTES)} (${MAX_FILE_BYTES} bytes), the most a ${kind} holds; ` +
        'put a larger file in a volume instead',
    );
  }
}

/**
 * The value `create` sends: the file's bytes, or stdin's when `file` is `-` or absent (a terminal
 * is refused: the value is piped in, never typed where it would stay on the screen). Stops reading
 * as soon as it has more than MAX_FILE_BYTES.
 */
export async function readValue(
  kind: FileKind,
  name: string,
  file: string | undefined,
  stdin: ValueInput = process.stdin,
): Promise<Buffer> {
  if (file === undefined || file === '-') {
    if (stdin.isTTY === true)
      throw new InvalidField(
        'FILE',
        `is missing and stdin is a terminal: give a FILE or pipe the value in ` +
          `(printf %s VALUE | poseidon ${kind} create ${name} -)`,
      );
    return nonEmpty(kind, await readLimited(stdin, kind, 'stdin'), 'stdin');
  }
  try {
    return nonEmpty(kind, await readLimited(createReadStream(file), kind, file), file);
  } catch (err) {
    if (err instanceof PoseidonError) throw err;
    throw new InvalidField(file, `cannot be read: ${fsProblem(err)}`);
  }
}

/** A secret's value, refused when empty (the manager refuses it too), naming where it came from. */
function nonEmpty(kind: FileKind, value: Buffer, from: string): Buffer {
  if (kind === 'secret' && value.length === 0)
    throw new InvalidField(from, 'is empty: a secret needs a value (was the variable you piped unset?)');
  return value;
}

async function readLimited(input: Readable, kind: FileKind, from: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_FILE_BYTES) {
      input.destroy();
      throw new ValueTooLarge(kind, from);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

/** `poseidon secret create NAME [FILE|-]`: prints the name (the view with --json). */
export async function createFile(
  kind: FileKind,
  name: string,
  file: string | undefined,
  flags: FileCreateFlags,
  io: Output = STDIO,
  stdin: ValueInput = process.stdin,
): Promise<void> {
  if (!new RegExp(FILE_NAME_PATTERN).test(name))
    throw new InvalidField('NAME', `${FILE_NAME_RULE} (got ${JSON.stringify(name)})`);
  const labels = pairs('--label', flags.label);
  const data = await readValue(kind, name, file, stdin);
  const view = await managerClient(flags).createFile(kind, { name, data, ...(labels === undefined ? {} : { labels }) });
  io.out(flags.json === true ? `${toJson(view)}\n` : `${printable(view.name)}\n`);
}

/** `poseidon secret ls`: NAME, SIZE, CREATED, IN USE BY; never a value. */
export async function listFiles(kind: FileKind, flags: FileListFlags, io: Output = STDIO): Promise<void> {
  const views = await managerClient(flags).listFiles(kind);
  if (flags.json === true) io.out(`${toJson(views)}\n`);
  else if (flags.quiet === true) io.out(views.map((v) => `${printable(v.name)}\n`).join(''));
  else io.out(views.length === 0 ? `no ${kind}s\n` : `${fileTable(views, Date.now())}\n`);
}

/**
 * `poseidon secret inspect NAME...`: a JSON array of the views, as `docker secret inspect` prints
 * it. A config's value is its text (`value`) when it is UTF-8, else base64 (`data`). One that
 * cannot be shown is said on stderr and the others still are; the exit status is then 1.
 */
export async function inspectFiles(
  kind: FileKind,
  names: readonly string[],
  flags: FileInspectFlags,
  io: Output = STDIO,
): Promise<void> {
  const format = await viewFormatOf(flags);
  const client = managerClient(flags);
  const views = await eachOf(names, io, async (name) => shownView(await client.getFile(kind, name)));
  io.out(format === undefined ? `${toJson(views)}\n` : format.print(views));
}

/** `poseidon secret rm NAME...`: each in turn, its name printed once removed; a failure is said, the rest go on. */
export async function removeFiles(
  kind: FileKind,
  names: readonly string[],
  flags: FileFlags,
  io: Output = STDIO,
): Promise<void> {
  const client = managerClient(flags);
  const removed = await eachOf(names, io, async (name) => {
    const view = await client.removeFile(kind, name);
    if (flags.json !== true) io.out(`${printable(view.name)}\n`);
    return view;
  });
  if (flags.json === true) io.out(`${toJson(removed)}\n`);
}

/** A view as inspect shows it: a config's value as text (`value`) when it is valid UTF-8, else base64 (`data`). */
export function shownView(view: FileView): FileView & { value?: string } {
  if (view.data === undefined) return view;
  const { data, ...rest } = view;
  try {
    return { ...rest, value: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data, 'base64')) };
  } catch {
    return view;
  }
}

/** Task ids are shortened as in the other tables; service names are shown whole. */
const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How many users IN USE BY names before it counts the rest. */
const USERS_SHOWN = 2;

/** `web,3f2a1b4c (+3)`: the first users, then how many more; `-` for none. */
export function usersOf(inUseBy: readonly string[]): string {
  if (inUseBy.length === 0) return '-';
  const shown = inUseBy.slice(0, USERS_SHOWN).map((u) => (TASK_ID.test(u) ? u.slice(0, 8) : u));
  const more = inUseBy.length - shown.length;
  return `${shown.join(',')}${more > 0 ? ` (+${more})` : ''}`;
}

export function fileTable(views: readonly FileView[], nowMs: number): string {
  return table(
    ['NAME', 'SIZE', 'CREATED', 'IN USE BY'],
    views.map((v) => [v.name, formatBytes(v.size), `${age(v.createdAt, nowMs)} ago`, usersOf(v.inUseBy)]),
  );
}

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { Document, isScalar, isSeq, parseDocument, type Pair } from 'yaml';
import { InvalidField, nearestName } from '../errors/index.js';
import { fsProblem, yamlFault } from '../files/index.js';
import { DEFAULT_CONFIG_DIR } from './defaults.js';
import { collect, isCommaList } from './repeatable.js';

// The config file of `poseidon manager|worker|dev`: YAML whose keys are the command's flags
// without their dashes (`data-dir: /var/lib/poseidon`; `--no-register` is `register: false`), read
// from --config FILE or else <POSEIDON_CONFIG_DIR, default /etc/poseidon>/<command>.yaml when it
// exists. The keys come from the command's own definition (runtime-commands.ts), so a new flag is
// a key at once. A value counts where neither a flag nor an environment variable gave one
// (flags, then environment, then the file, then defaults: commander's own order of sources), and
// is checked by the same code as the flag: a bad one is named by file and key.

export type ConfigName = 'manager' | 'worker' | 'dev';

/** What a runtime command does once its flags are merged: check them (for --print-config), or run. */
export interface RuntimeAction<F> {
  check(flags: F): unknown;
  /** `config`: the file the flags were merged with, if any, for what a failure tells to set. */
  run(flags: F, config: LoadedConfig): Promise<void>;
}

/** Flags that are not configuration: which file, printing it, a one-off action. */
const NOT_KEYS = new Set(['config', 'print-config', 'clean']);
/** Keys whose value --print-config does not show. */
const SECRET_KEYS = new Set(['join-token']);

/** The config file used, if any, and the keys whose value came from it. */
export interface LoadedConfig {
  file: string | undefined;
  fromFile: Set<string>;
}

/** Each key of a command's config file, with the flag it stands for. */
export function configKeys(cmd: Command): Map<string, Option> {
  const keys = new Map<string, Option>();
  for (const option of cmd.options) {
    if (option.long === undefined || option.hidden) continue;
    const key = option.long.replace(/^--(no-)?/, '');
    // the first flag of a key is its own; a later one (--no-proxy beside --proxy) says its opposite
    if (!NOT_KEYS.has(key) && !keys.has(key)) keys.set(key, option);
  }
  return keys;
}

/** --config FILE, else the default file when it exists, else none. */
function configPath(cmd: Command, name: ConfigName): string | undefined {
  const given = cmd.getOptionValue('config') as string | undefined;
  if (given !== undefined) return given;
  const fallback = join(process.env.POSEIDON_CONFIG_DIR ?? DEFAULT_CONFIG_DIR, `${name}.yaml`);
  return existsSync(fallback) ? fallback : undefined;
}

/** Reads the command's config file and gives each of its values to the flag no flag or variable set. */
export function loadConfig(cmd: Command, name: ConfigName): LoadedConfig {
  const file = configPath(cmd, name);
  const fromFile = new Set<string>();
  if (file === undefined) return { file, fromFile };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (cmd.getOptionValue('config') !== undefined)
      throw new InvalidField('--config', `names ${file}, which cannot be read: ${fsProblem(err)}`);
    // the default file, read because it is there: no --config was given to blame
    throw new InvalidField(
      `${file}:`,
      `cannot be read: ${fsProblem(err)} (poseidon ${name} reads it when it exists; --config FILE reads another)`,
    );
  }
  const doc = parseDocument(text);
  const problem = yamlFault(doc.errors, text, doc.contents);
  if (problem !== undefined) throw new InvalidField(`${file}:`, `is not YAML: ${problem}`);
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return { file, fromFile };
  if (typeof data !== 'object' || Array.isArray(data))
    throw new InvalidField(`${file}:`, 'must be a mapping of keys to values, such as "port: 5555"');
  const keys = configKeys(cmd);
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const option = keys.get(key);
    if (option === undefined)
      throw new InvalidField(`${file}:`, `unknown key "${key}"${nearest(key, [...keys.keys()])}`);
    const attribute = option.attributeName();
    const source = cmd.getOptionValueSource(attribute);
    if (source !== undefined && source !== 'default') continue; // a flag or the environment said
    cmd.setOptionValueWithSource(attribute, typed(`${file}: ${key}`, option, raw), 'config');
    fromFile.add(key);
  }
  return { file, fromFile };
}

/**
 * A file's value as the flag would have given it: true/false, a list of strings, or a string. A
 * flag of a comma-separated list (commaList) takes a YAML list too, joined with commas, so the
 * flag's own check reads it and names the entry it refuses.
 */
function typed(where: string, option: Option, raw: unknown): boolean | string | string[] {
  if (option.negate || option.isBoolean()) {
    if (typeof raw !== 'boolean') throw new InvalidField(where, `is ${JSON.stringify(raw)}; use true or false`);
    return raw;
  }
  const list = (): string[] => (Array.isArray(raw) ? raw.map((v, i) => text(`${where} entry ${i + 1}`, v)) : []);
  if (option.parseArg === collect) return Array.isArray(raw) ? list() : [text(where, raw)];
  if (isCommaList(option) && Array.isArray(raw)) return list().join(',');
  const value = text(where, raw);
  // a flag of a few values (log-level): the file is held to them as commander holds the flag
  const choices = option.argChoices;
  if (choices !== undefined && !choices.includes(value))
    throw new InvalidField(where, `is ${JSON.stringify(value)}; use one of ${choices.join(', ')}`);
  return value;
}

/** One value of the file as the flag's text: text or a number, else an error naming `where`. */
function text(where: string, v: unknown): string {
  // a shell expands `~/` in a flag; nothing does in a file, where it would name a directory `~`
  // under the working directory (`/` for a systemd unit)
  if (typeof v === 'string' && (v === '~' || v.startsWith('~/')))
    throw new InvalidField(
      where,
      `is ${JSON.stringify(v)}; no shell reads this file to expand ~: write the whole path ` +
        `(${JSON.stringify(join(homedir(), v.slice(1)))} for this user)`,
    );
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  throw new InvalidField(where, `is ${JSON.stringify(v) ?? String(v)}; give a value (text or a number)`);
}

/** ` (did you mean "store"?)` for a key one or two edits from a known one. */
function nearest(key: string, known: readonly string[]): string {
  const best = nearestName(key, known, 2);
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/** Where each value came from, as --print-config says it. */
function sourceOf(cmd: Command, option: Option): string {
  const source = cmd.getOptionValueSource(option.attributeName());
  if (source === 'cli') return 'flag';
  if (source === 'env') return `env ${option.envVar ?? ''}`.trim();
  if (source === 'config') return 'file';
  return 'default';
}

/** The merged configuration as YAML, each value with its source; secrets are not shown. */
export function printConfig(cmd: Command, name: ConfigName, loaded: LoadedConfig): string {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const [key, option] of configKeys(cmd)) {
    const value: unknown = cmd.getOptionValue(option.attributeName());
    if (value === undefined) continue;
    values[key] = SECRET_KEYS.has(key) ? '[not shown]' : asNumber(value);
    sources.set(key, sourceOf(cmd, option));
  }
  const doc = new Document(values);
  const file = loaded.file ?? 'no config file';
  doc.commentBefore = ` poseidon ${name}: flags, then environment, then ${file}, then defaults`;
  for (const pair of (doc.contents as { items: Pair[] }).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    // a list too (label, allow-host-path), on one line so that its source can follow it
    if (isSeq(pair.value)) pair.value.flow = true;
    if (isScalar(pair.value) || isSeq(pair.value)) pair.value.comment = ` ${sources.get(key) ?? ''}`;
  }
  return doc.toString();
}

/** "5555" prints as 5555: the file takes either. */
function asNumber(value: unknown): unknown {
  return typeof value === 'string' && /^(0|[1-9][0-9]{0,14})$/.test(value) ? Number(value) : value;
}

/**
 * An error about a flag whose value came from the file names the file and key instead:
 * `manager.yaml: port is "99999"; use a port between 0 and 65535`.
 */
function renamed(err: unknown, loaded: LoadedConfig): unknown {
  if (!(err instanceof InvalidField) || !err.field.startsWith('--')) return err;
  const key = err.field.slice(2);
  if (!loaded.fromFile.has(key)) return err;
  return new InvalidField(`${loaded.file}: ${key}`, err.problem);
}

/** Merges the config file into the command's flags, then prints the result (--print-config) or runs. */
export async function runConfigured<F>(
  cmd: Command,
  name: ConfigName,
  action: RuntimeAction<F>,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  const loaded = loadConfig(cmd, name);
  const flags = cmd.opts<F & { printConfig?: boolean }>();
  try {
    if (flags.printConfig === true) {
      action.check(flags);
      write(printConfig(cmd, name, loaded));
      return;
    }
    await action.run(flags, loaded);
  } catch (err) {
    throw renamed(err, loaded);
  }
}

import { InvalidField } from '../errors/index.js';
import { parseTemplate, render, type Action, type Piece } from './row-format.js';
import { printable, printableJson } from './terminal-text.js';

// `--format` (`-f`) on the inspect commands, as `docker inspect -f '{{.State.Status}}'` takes it:
// a template printed once a view (the JSON each command prints with --json), read by row-format's
// one template reader. A placeholder is a path of fields, `{{.Spec.Image}}`, each matched to a key
// of the view as written (`spec`) or in any case (`Spec`, as docker's fields are spelled);
// `{{json .Spec}}` prints it as JSON, `{{.}}` and `{{json .}}` the whole view; `json` alone is
// `{{json .}}`. A string prints as it is, a number or true/false as JSON does, null as nothing, an
// object or a list as JSON. A field the view does not have is refused, naming it and the fields
// that are there (docker prints `<no value>` for a map's missing key; here a typo is an error).

/** A format read once: prints views, a line (or the template's lines) each. */
export interface ViewFormat {
  print(views: readonly unknown[]): string;
}

const PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** `given` read as a template; InvalidField says what in it is not a path of fields. */
export function viewFormat(given: string, flag = '--format'): ViewFormat {
  if (given === 'table' || given.startsWith('table '))
    throw new InvalidField(flag, 'is a table, which lists rows: an inspect prints views; give json or a template');
  const pieces = parseTemplate<unknown>(given === 'json' ? '{{json .}}' : given, flag, (a) => pathPiece(a, flag));
  return { print: (views) => views.map((v) => `${render(pieces, v)}\n`).join('') };
}

function pathPiece(action: Action, flag: string): Piece<unknown> {
  const { ref, json } = action;
  if (ref === undefined || (ref !== '.' && !PATH.test(ref)))
    throw new InvalidField(
      flag,
      `has {{${printable(action.text)}}}, which is not a field: use {{.Field}}, {{.Field.Sub}}, ` +
        '{{json .Field}} or {{json .}}',
    );
  const path = ref === '.' ? [] : ref.slice(1).split('.');
  return {
    header: '',
    show: (view) => {
      const value = lookup(view, path, action.text, flag);
      return json ? printableJson(JSON.stringify(value) ?? 'null') : text(value);
    },
  };
}

/** The value at `path` in `view`; InvalidField names the field it lacks and those it has. */
function lookup(view: unknown, path: readonly string[], action: string, flag: string): unknown {
  let at = view;
  for (const [i, name] of path.entries()) {
    const where = i === 0 ? 'the view' : `.${path.slice(0, i).join('.')}`;
    if (at === null || typeof at !== 'object' || Array.isArray(at))
      throw new InvalidField(flag, `has {{${printable(action)}}}, but ${where} is ${kindOf(at)}, which has no fields`);
    const fields = at as Record<string, unknown>;
    const key = keyFor(Object.keys(fields), name);
    if (key === undefined) {
      const known = Object.keys(fields).map((k) => `.${printable(capitalized(k))}`);
      throw new InvalidField(
        flag,
        `has {{${printable(action)}}}, but ${where} has no field ${name}: it has ${known.join(', ') || 'none'}`,
      );
    }
    at = fields[key];
  }
  return at;
}

/** The key `name` stands for: itself, or the one key it matches in any case (`Spec` for `spec`). */
function keyFor(keys: readonly string[], name: string): string | undefined {
  if (keys.includes(name)) return name;
  const folded = keys.filter((k) => k.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

function capitalized(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** A value as `{{.X}}` prints it: a string as it is, null as nothing, anything else as JSON. */
function text(value: unknown): string {
  if (typeof value === 'string') return printable(value);
  if (value === null || value === undefined) return '';
  return printableJson(JSON.stringify(value));
}

/**
 * An inspect command's `--format`, read before the manager is asked; undefined when none. Beside
 * --json it is refused: both say how to print.
 */
export function inspectFormat(flags: { format?: string; json?: boolean }): ViewFormat | undefined {
  if (flags.format === undefined) return undefined;
  if (flags.json === true)
    throw new InvalidField('--json', 'and --format both say how to print: give one (--format json prints JSON a line)');
  return viewFormat(flags.format);
}

import { InvalidField } from '../errors/index.js';
import { table } from './format.js';
import { printable, printableJson } from './terminal-text.js';

// `--format`, as docker's list commands take it (`docker ps`, `stats`, `node ls`): `json` (a JSON
// object a line), `table` (the command's own table), `table TEMPLATE` (a table of the template's
// columns, under their headers), or a TEMPLATE printed once a row. A template is Go's text with
// placeholders, as docker's: `{{.Name}}`, `{{json .Name}}` (the value as JSON), `{{json .}}` (the
// row); `\t` and `\n` typed in it are a tab and a newline, as docker reads them. Only these
// forms: a template that asks for more (`{{if}}`, `{{range}}`) is refused, naming what it has.

/** A placeholder: its name in a template (`CPUPerc`), its column's header (`CPU %`), and a row's value. */
export interface FormatField<R> {
  readonly name: string;
  readonly header: string;
  value(row: R): string;
}

/** A field of `R`, for a command's list of them. */
export function formatField<R>(name: string, header: string, value: (row: R) => string): FormatField<R> {
  return { name, header, value };
}

/** A format read once (and refused before anything is asked of the manager): prints rows. */
export interface RowFormat<R> {
  /** The rows laid out, a line each (a table under its header); ends with a newline. */
  print(rows: readonly R[]): string;
}

/**
 * A piece of a template: text as it is, or a placeholder (its column's header in a table, and what
 * it prints of a row, printable).
 */
export type Piece<R> = string | { readonly header: string; show(row: R): string };

/** A placeholder as typed: `{{.Name}}` has ref `.Name`, `{{json .Name}}` the same as JSON; `text` all of it. */
export interface Action {
  readonly text: string;
  readonly ref: string | undefined;
  readonly json: boolean;
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/gs;

/**
 * `given` (--format's value) read against a command's fields; `table` alone is `defaultTable`
 * (a template of the command's own columns). InvalidField names what cannot be printed.
 */
export function rowFormat<R>(
  given: string,
  fields: readonly FormatField<R>[],
  defaultTable: string,
  flag = '--format',
): RowFormat<R> {
  if (given === 'json') return { print: (rows) => rows.map((r) => `${jsonLine(r, fields)}\n`).join('') };
  const asTable = given === 'table' || given.startsWith('table ');
  const template = asTable ? (given === 'table' ? defaultTable.slice('table '.length) : given.slice(6)) : given;
  const pieces = parseTemplate<R>(template, flag, (action) => placeholder(action, fields, flag));
  if (!asTable) return { print: (rows) => rows.map((r) => `${render(pieces, r)}\n`).join('') };
  const headers = pieces.map((p) => (typeof p === 'string' ? p : p.header));
  return {
    print: (rows) => {
      // the template's tabs part the columns, as docker's tabwriter reads them
      const cells = rows.map((r) => render(pieces, r).split('\t'));
      return `${table(headers.join('').split('\t'), cells)}\n`;
    },
  };
}

/**
 * A template's pieces, `\t` and `\n` typed in it read as a tab and a newline; `placeholder` reads
 * each `{{...}}` (and throws InvalidField for one it cannot print).
 */
export function parseTemplate<R>(given: string, flag: string, placeholder: (action: Action) => Piece<R>): Piece<R>[] {
  const template = given.trim().replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  const pieces: Piece<R>[] = [];
  let at = 0;
  for (const m of template.matchAll(ACTION)) {
    if (m.index > at) pieces.push(template.slice(at, m.index));
    const text = m[1] ?? '';
    const words = text.split(/\s+/);
    const json = words.length === 2 && words[0] === 'json';
    pieces.push(placeholder({ text, json, ref: json ? words[1] : words.length === 1 ? words[0] : undefined }));
    at = m.index + m[0].length;
  }
  const rest = template.slice(at);
  if (rest.includes('{{'))
    throw new InvalidField(flag, `has a "{{" with no "}}" to close it: write placeholders as {{.Name}}`);
  if (rest !== '') pieces.push(rest);
  if (template === '') throw new InvalidField(flag, `is empty: give json, table, or a template such as {{.Name}}`);
  return pieces;
}

/** The pieces filled in from `row`. */
export function render<R>(pieces: readonly Piece<R>[], row: R): string {
  let out = '';
  for (const p of pieces) out += typeof p === 'string' ? p : p.show(row);
  return out;
}

function placeholder<R>(action: Action, fields: readonly FormatField<R>[], flag: string): Piece<R> {
  const { ref, json } = action;
  if (json && ref === '.') return { header: '', show: (row) => jsonLine(row, fields) };
  const field = ref?.startsWith('.') === true ? fields.find((f) => f.name === ref.slice(1)) : undefined;
  // each value printable: a tab in one is no column's end
  if (field !== undefined)
    return {
      header: field.header,
      show: json ? (row) => printableJson(JSON.stringify(field.value(row))) : (row) => printable(field.value(row)),
    };
  const known = fields.map((f) => `.${f.name}`).join(', ');
  throw new InvalidField(
    flag,
    `has {{${printable(action.text)}}}, which is not a field: use {{.Field}} or {{json .Field}} with one of ${known}`,
  );
}

/** The row as one JSON object of its fields by name, as docker's `--format json` prints one. */
function jsonLine<R>(row: R, fields: readonly FormatField<R>[]): string {
  return printableJson(JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, f.value(row)]))));
}

import { InvalidField } from '../errors/index.js';
import { table } from './format.js';
import { FUNCTIONS } from './template-functions.js';
import { parseTemplate, rootFields, TemplateError, type TemplateNode } from './template-parse.js';
import { runTemplate, type Run } from './template-run.js';
import { printable, printableJson } from './terminal-text.js';
import { printed, Written } from './template-values.js';

// `--format`, as docker's list commands take it (`docker ps`, `stats`, `node ls`): `json` (a JSON
// object a line), `table` (the command's own table), `table TEMPLATE` (a table of the template's
// columns, under their headers), or a TEMPLATE printed once a row. A template is Go's text/template
// with docker's functions (template-parse.ts): `{{.Name}}`, `{{json .Name}}`, `{{json .}}` (the
// row), `{{upper .Name}}`, `{{if}}`, `{{range}}`; `\t` and `\n` typed in it are a tab and a
// newline, as docker reads them. A field the command does not have is refused before any row.

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
  const nodes = readTemplate(template, flag);
  checkFields(nodes, fields, flag);
  const line = (row: R): string =>
    fillTemplate(nodes, { root: rowOf(row, fields), rootName: 'the row', exact: true }, flag);
  if (!asTable) return { print: (rows) => rows.map((r) => `${line(r)}\n`).join('') };
  return {
    print: (rows) => {
      // the template's tabs part the columns, as docker's tabwriter reads them
      const cells = rows.map((r) => line(r).split('\t'));
      return `${table(headerLine(nodes, fields, flag).split('\t'), cells)}\n`;
    },
  };
}

/**
 * A template's pieces, `\t` and `\n` typed in it read as a tab and a newline; InvalidField says
 * what in it cannot be read (a function unknown or given too many arguments, an unclosed brace).
 */
export function readTemplate(given: string, flag: string): TemplateNode[] {
  const template = given.trim().replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  if (template === '') throw new InvalidField(flag, `is empty: give json, table, or a template such as {{.Name}}`);
  try {
    return parseTemplate(template);
  } catch (err) {
    throw invalid(err, flag);
  }
}

/** The template filled in; InvalidField names the placeholder that could not be. */
export function fillTemplate(nodes: readonly TemplateNode[], run: Run, flag: string): string {
  try {
    return runTemplate(nodes, run);
  } catch (err) {
    throw invalid(err, flag);
  }
}

function invalid(err: unknown, flag: string): unknown {
  if (err instanceof TemplateError) {
    const said = err.message.startsWith('but ') ? `, ${err.message}` : `: ${err.message}`;
    return new InvalidField(flag, `has {{${printable(err.text)}}}${said}`);
  }
  return err instanceof Error && !(err instanceof InvalidField) ? new InvalidField(flag, err.message) : err;
}

/** Each field the template reads of the row is one of the command's: refused before any row, naming those there are. */
function checkFields<R>(nodes: readonly TemplateNode[], fields: readonly FormatField<R>[], flag: string): void {
  for (const { text, path } of rootFields(nodes)) {
    const name = path[0];
    if (name === undefined || fields.some((f) => f.name === name)) continue;
    const known = fields.map((f) => `.${f.name}`).join(', ');
    const which = text === `.${path.join('.')}` ? 'which is not a field' : `whose .${name} is not a field`;
    throw new InvalidField(
      flag,
      `has {{${printable(text)}}}, ${which}: use {{.Field}} or {{json .Field}} with one of ${known}`,
    );
  }
}

/** A row as a template sees it: its fields by name. */
function rowOf<R>(row: R, fields: readonly FormatField<R>[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, f.value(row)]));
}

/**
 * The table's header: the template filled in with each field's header, as docker fills it;
 * `{{json .Field}}` heads its column with the header as it is, `{{json .}}` with nothing.
 */
function headerLine<R>(nodes: readonly TemplateNode[], fields: readonly FormatField<R>[], flag: string): string {
  const root = Object.fromEntries(fields.map((f) => [f.name, new Written(f.header)]));
  const json = {
    usage: 'json VALUE',
    min: 1,
    max: 1,
    run: ([v]: readonly unknown[]) => new Written(v === root ? '' : printed(v)),
  };
  return fillTemplate(nodes, { root, rootName: 'the row', exact: true, functions: { ...FUNCTIONS, json } }, flag);
}

/** The row as one JSON object of its fields by name, as docker's `--format json` prints one. */
function jsonLine<R>(row: R, fields: readonly FormatField<R>[]): string {
  return printableJson(JSON.stringify(rowOf(row, fields)));
}

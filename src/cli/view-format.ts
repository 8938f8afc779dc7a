import { InvalidField } from '../errors/index.js';
import { fillTemplate, readTemplate } from './row-format.js';

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

/** `given` read as a template; InvalidField says what in it cannot be read. */
export function viewFormat(given: string, flag = '--format'): ViewFormat {
  if (given === 'table' || given.startsWith('table '))
    throw new InvalidField(flag, 'is a table, which lists rows: an inspect prints views; give json or a template');
  const nodes = readTemplate(given === 'json' ? '{{json .}}' : given, flag);
  return {
    print: (views) =>
      views.map((v) => `${fillTemplate(nodes, { root: v, rootName: 'the view', exact: false }, flag)}\n`).join(''),
  };
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

import { Option } from 'commander';

// `--format` on the list commands (`status`, `stats`, `node ls`), as docker's take it; its help
// names the placeholders (row-format.ts reads the value; test/unit/cli/format-flag.test.ts checks
// that the help names each field the command has, and no other).

/** --format for a command like docker's `like`, whose template fields are `fields`. */
export function formatOption(like: string, fields: readonly string[]): Option {
  const placeholders = fields.map((f) => `{{.${f}}}`).join(' ');
  return new Option(
    '--format <format>',
    `as ${like} takes it: json (a JSON object a line), table, a template (${placeholders}), ` +
      'or "table TEMPLATE" for its columns under headers',
  );
}

/** --format (and -f, as docker's inspect commands take it, unless the command's -f is another flag). */
export function inspectFormatOption(like: string, short = true): Option {
  return new Option(
    `${short ? '-f, ' : ''}--format <template>`,
    `as ${like} -f takes it: a template over the --json view, a line each ({{.Name}}, {{.Spec.Image}}, ` +
      '{{json .Spec}}), or json',
  );
}

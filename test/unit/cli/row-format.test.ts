import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowFormat, type FormatField } from '../../../src/cli/row-format.js';

// `--format`, as docker's list commands read it: json, table, table TEMPLATE, TEMPLATE.

type Row = { name: string; size: number };
const FIELDS: readonly FormatField<Row>[] = [
  { name: 'Name', header: 'NAME', value: (r) => r.name },
  { name: 'Size', header: 'SIZE', value: (r) => `${r.size} B` },
];
const ROWS: Row[] = [
  { name: 'db', size: 10 },
  { name: 'web-1', size: 2048 },
];
const TABLE = 'table {{.Name}}\\t{{.Size}}';
const FUNCTION_NAMES =
  'json, index, len, join, split, upper, lower, title, pad, truncate, print, println, printf, eq, ne, lt, le, gt, ge, ' +
  'not, and, or';
const print = (format: string, rows: readonly Row[] = ROWS): string => rowFormat(format, FIELDS, TABLE).print(rows);

test('a template is printed once a row, its placeholders filled, with spaces inside braces as Go allows', () => {
  assert.equal(print('{{.Name}}: {{ .Size }}'), 'db: 10 B\nweb-1: 2048 B\n');
  assert.equal(print('{{.Name}}'), 'db\nweb-1\n', 'a template of one field is a list, as with -q');
  assert.equal(print('{{.Name}}\\t{{.Size}}'), 'db\t10 B\nweb-1\t2048 B\n', 'a typed \\t is a tab, as docker reads it');
  assert.equal(print('{{.Name}}', []), '', 'no rows, no lines');
});

test('"table TEMPLATE" lays out the columns the tabs part under their headers; "table" alone is the default', () => {
  assert.equal(print('table {{.Size}}\\t{{.Name}}'), 'SIZE    NAME\n10 B    db\n2048 B  web-1\n');
  assert.equal(print('table'), 'NAME   SIZE\ndb     10 B\nweb-1  2048 B\n');
  assert.equal(print('table {{.Name}}', []), 'NAME\n', 'no rows: the headers alone, as docker prints them');
});

test('json prints a JSON object a row, its fields by name; {{json .Field}} and {{json .}} quote values', () => {
  assert.equal(print('json'), '{"Name":"db","Size":"10 B"}\n{"Name":"web-1","Size":"2048 B"}\n');
  assert.equal(print('{{json .Name}}', ROWS.slice(0, 1)), '"db"\n');
  assert.equal(print('{{json .}}', ROWS.slice(0, 1)), '{"Name":"db","Size":"10 B"}\n');
});

test('a value from outside is printed with its control characters escaped, so it cannot move columns or the cursor', () => {
  const odd = [{ name: 'a\tb\x1b[2J', size: 1 }];
  assert.equal(print('{{.Name}}', odd), 'a\\x09b\\x1b[2J\n');
  assert.equal(print('table {{.Name}}\\t{{.Size}}', odd), 'NAME           SIZE\na\\x09b\\x1b[2J  1 B\n');
  assert.equal(print('json', odd), '{"Name":"a\\tb\\u001b[2J","Size":"1 B"}\n');
});

test('a field it does not have (in a function, in a block), a function it does not know, an unclosed brace: refused', () => {
  const refused = (format: string, message: string): void =>
    assert.throws(() => rowFormat(format, FIELDS, TABLE), { message });
  refused(
    '{{.Nmae}}',
    '--format has {{.Nmae}}, which is not a field: use {{.Field}} or {{json .Field}} with one of .Name, .Size',
  );
  refused(
    'table {{upper .Nmae}}',
    '--format has {{upper .Nmae}}, whose .Nmae is not a field: use {{.Field}} or {{json .Field}} with one of .Name, .Size',
  );
  refused(
    '{{if .Name}}{{range split .Nmae ","}}{{.}}{{end}}{{end}}',
    '--format has {{range split .Nmae ","}}, whose .Nmae is not a field: use {{.Field}} or {{json .Field}} with ' +
      'one of .Name, .Size',
  );
  refused('{{uper .Name}}', '--format has {{uper .Name}}: uper is not a function: the functions are ' + FUNCTION_NAMES);
  refused('{{.Name', '--format has a "{{" with no "}}" to close it: write placeholders as {{.Name}}');
  refused('', '--format is empty: give json, table, or a template such as {{.Name}}');
});

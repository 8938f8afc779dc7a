import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowFormat, type FormatField } from '../../../src/cli/row-format.js';
import { viewFormat } from '../../../src/cli/view-format.js';

// What Docker users write in --format beyond {{.Field}}: docker's functions (json, join, split,
// upper, lower, title, pad, truncate), Go's (index, len, print, println, printf, eq, not, and, or),
// pipes, and if/else, with and range blocks; each refused, naming what is wrong, when misused.

const VIEW = {
  name: 'web-1',
  image: 'nginx:1.27',
  desiredState: 'running',
  exitCode: null,
  restarts: 2,
  spec: { command: ['httpd', '-f'], env: {} },
  labels: { 'com.example.team': 'web', 'com.example.tier': 'front\tend' },
};
const print = (format: string): string => viewFormat(format).print([VIEW]);
const refused = (format: string, message: string): void => {
  assert.throws(() => print(format), { name: 'InvalidField', message: `--format has ${message}` });
};

test('index reads a key with dots in it, and a list by its place; a key it lacks is refused, naming those there are', () => {
  assert.equal(print('{{index .Labels "com.example.team"}}'), 'web\n');
  assert.equal(print('{{index .Spec.Command 1}}'), '-f\n');
  assert.equal(print('{{index . "labels" "com.example.team"}}'), 'web\n', 'several keys in turn');
  refused(
    '{{index .Labels "team"}}',
    '{{index .Labels "team"}}: index finds no key "team": the keys are com.example.team, com.example.tier',
  );
  refused('{{index .Spec.Command 2}}', '{{index .Spec.Command 2}}: index has no place 2 in a list of 2');
  refused('{{index .Name 0}}', '{{index .Name 0}}: index takes a map or a list, not a string');
});

test('join, split, upper, lower, title, len, pad and truncate, as docker has them', () => {
  assert.equal(print('{{join .Spec.Command " "}}'), 'httpd -f\n');
  assert.equal(print('{{split .Image ":"}}'), '["nginx","1.27"]\n', 'a list prints as JSON');
  assert.equal(print('{{index (split .Image ":") 1}}'), '1.27\n');
  assert.equal(print('{{upper .Name}} {{lower "ABC"}} {{title "web server"}}'), 'WEB-1 abc Web Server\n');
  assert.equal(print('{{len .Spec.Command}} {{len .Name}} {{len .Labels}} {{len .Spec.Env}}'), '2 5 2 0\n');
  assert.equal(print('[{{pad .Name 2 1}}][{{pad "" 2 1}}]'), '[  web-1 ][]\n', 'docker pads no empty string');
  assert.equal(print('{{truncate .Image 5}} {{truncate .Name 10}}'), 'nginx web-1\n');
});

test('print, println and printf; a tab the template writes stays a tab, one in a value is shown as \\x09', () => {
  assert.equal(print('{{println .Name .Restarts}}'), 'web-1 2\n\n', "println's newline, then the line's");
  assert.equal(print('{{print .Name .Restarts 3}}'), 'web-12 3\n', "Go's Sprint: a space between two non-strings");
  assert.equal(print('{{printf "%-7s|%3d|%q" .Name .Restarts .DesiredState}}'), 'web-1  |  2|"running"\n');
  assert.equal(print('{{join .Spec.Command "\\t"}}'), 'httpd\t-f\n');
  assert.equal(print('{{index .Labels "com.example.tier"}}'), 'front\\x09end\n');
  assert.equal(print('{{upper (index .Labels "com.example.tier")}}'), 'FRONT\\x09END\n');
});

test("pipes give each value to the next function as its last argument, in Go's order", () => {
  assert.equal(print('{{.Name | upper}}'), 'WEB-1\n');
  assert.equal(print('{{.Name | printf "%s!"}}'), 'web-1!\n');
  assert.equal(print('{{split .Image ":" | len}}'), '2\n');
  refused('{{.Spec.Command | join ","}}', '{{.Spec.Command | join ","}}: join takes a list, not a string');
});

test('if, else if, else and with; eq, ne, not, and, or, lt, gt as Go has them', () => {
  assert.equal(print('{{if .ExitCode}}exited{{else}}up{{end}}'), 'up\n', 'null is false');
  assert.equal(print('{{if eq .DesiredState "stopped"}}a{{else if eq .DesiredState "running" "x"}}b{{end}}'), 'b\n');
  assert.equal(print('{{if and .Restarts (not .ExitCode)}}restarted{{end}}'), 'restarted\n');
  assert.equal(print('{{if or .ExitCode .Spec.Env}}x{{else}}neither{{end}}'), 'neither\n', 'an empty map is false');
  assert.equal(
    print('{{if gt .Restarts 1}}many{{end}} {{if lt .Name "x"}}before{{end}} {{ne 1 2}}'),
    'many before true\n',
  );
  assert.equal(print('{{le 2 .Restarts}} {{ge "a" .Name}}{{/* a comment prints nothing */}}'), 'true false\n');
  assert.equal(print('{{with .Spec}}{{len .Command}}{{end}} {{with .ExitCode}}x{{else}}none{{end}}'), '2 none\n');
});

test('range over a list or a map (its keys in order), with $ the view, variables and else', () => {
  assert.equal(print('{{range .Spec.Command}}[{{.}}]{{end}}'), '[httpd][-f]\n');
  assert.equal(print('{{range $i, $c := .Spec.Command}}{{$i}}={{$c}} {{end}}'), '0=httpd 1=-f \n');
  assert.equal(
    print('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}'),
    'com.example.team=web;com.example.tier=front\\x09end;\n',
  );
  assert.equal(print('{{range .Spec.Command}}{{$.Name}}:{{.}} {{end}}'), 'web-1:httpd web-1:-f \n');
  assert.equal(print('{{range .Spec.Env}}x{{else}}no env{{end}}'), 'no env\n');
  assert.equal(print('{{$n := .Name}}{{range .Spec.Command}}{{$n}} {{end}}'), 'web-1 web-1 \n');
  assert.equal(print('{{range .Spec.Command -}}\n  {{.}}\n{{- end}}'), 'httpd-f\n', '{{- and -}} trim the spaces');
});

test('a "}}" inside a string or a comment is its own, as Go reads it; one in a string with no end closes it', () => {
  assert.equal(print('{{printf "%s}}" .Name}}'), 'web-1}}\n');
  assert.equal(print('{{printf `%s}}` .Name}}|{{.Restarts}}'), 'web-1}}|2\n', 'a raw string');
  assert.equal(print('{{"a \\"}}\\" b"}}'), 'a "}}" b\n', 'after an escaped quote');
  assert.equal(print('{{- /* no }} here */ -}} {{.Name}}'), 'web-1\n', 'a comment, trimmed');
  assert.equal(print('{{- "x" -}} {{- 3 }}'), 'x3\n');
  assert.throws(() => viewFormat('{{"a}}'), { message: /^--format has \{\{"a\}\}: has a string with no " to end it/ });
  assert.throws(() => viewFormat('{{printf "%s}}'), {
    message: /^--format has \{\{printf "%s\}\}: has a string with no " to end it/,
  });
});

test('an unknown function, a wrong count of arguments, a block unclosed: refused before anything is printed', () => {
  const names = 'json, index, len, join, split, upper, lower, title, pad, truncate, print, println, printf, eq, ne';
  assert.throws(() => viewFormat('{{uper .Name}}'), {
    message: new RegExp(`^--format has \\{\\{uper \\.Name\\}\\}: uper is not a function: the functions are ${names}`),
  });
  const wrong = (format: string, message: string): void =>
    assert.throws(() => viewFormat(format), { name: 'InvalidField', message: `--format has ${message}` });
  wrong('{{join .Spec.Command}}', '{{join .Spec.Command}}: join takes 2 arguments (join LIST SEPARATOR), not 1');
  wrong('{{upper .Name .Image}}', '{{upper .Name .Image}}: upper takes 1 argument (upper STRING), not 2');
  wrong(
    '{{.Name | pad 1}}',
    '{{.Name | pad 1}}: pad takes 3 arguments (pad STRING LEFT RIGHT), not 2 (with the one piped in)',
  );
  wrong('{{index}}', '{{index}}: index takes at least 1 argument (index MAP-OR-LIST KEY...), not 0');
  wrong(
    '{{.Label "com.x"}}',
    '{{.Label "com.x"}}: gives arguments to a field or value: only a function takes them (as index .Labels "key")',
  );
  wrong('{{$x := }}', '{{$x :=}}: gives $x no value');
  wrong('{{if .Name}}x', '{{if .Name}}: has no {{end}}');
  wrong('x{{end}}', '{{end}}: has no if, range or with before it to end');
  wrong('{{range .Name}}{{else if .Name}}{{end}}', '{{else if .Name}}: else takes nothing after it but if or with');
  wrong('{{len (split .Name ",")', 'a "{{" with no "}}" to close it: write placeholders as {{.Name}}');
});

test('a value of the wrong kind, a variable not named, a field the element lacks: refused, naming it', () => {
  refused('{{join .Name ","}}', '{{join .Name ","}}: join takes a list, not a string');
  refused('{{upper .Spec}}', '{{upper .Spec}}: upper takes its argument as a string, not a map');
  refused('{{range .Name}}x{{end}}', '{{range .Name}}: range takes a list or a map, not a string');
  refused('{{$x}}', '{{$x}}: has no variable $x: name one first, as {{$x := .Field}}');
  refused('{{range .Spec.Command}}{{.Name}}{{end}}', '{{.Name}}, but the element is a string, which has no fields');
  refused(
    '{{with .Spec}}{{.Image}}{{end}}',
    '{{.Image}}, but the value of {{with .Spec}} has no field Image: it has .Command, .Env',
  );
  refused(
    '{{if gt .Name 1}}x{{end}}',
    '{{if gt .Name 1}}: gt compares two numbers or two strings, not a string and a number',
  );
});

type Row = { name: string; ports: string };
const FIELDS: readonly FormatField<Row>[] = [
  { name: 'Name', header: 'NAME', value: (r) => r.name },
  { name: 'Ports', header: 'PORTS', value: (r) => r.ports },
];
const ROWS: Row[] = [
  { name: 'db', ports: '' },
  { name: 'web', ports: '80/tcp,443/tcp' },
];
const rows = (format: string): string => rowFormat(format, FIELDS, 'table {{.Name}}').print(ROWS);

test("a list command's rows take the same functions; a table's header is the template filled with the headers", () => {
  assert.equal(rows('{{upper .Name}}{{if .Ports}} {{len (split .Ports ",")}} ports{{end}}'), 'DB\nWEB 2 ports\n');
  assert.equal(rows('{{range split .Ports ","}}{{$.Name}}:{{.}} {{end}}'), 'db: \nweb:80/tcp web:443/tcp \n');
  assert.equal(rows('table {{upper .Name}}\\t{{json .Ports}}'), 'NAME  PORTS\nDB    ""\nWEB   "80/tcp,443/tcp"\n');
  assert.equal(rows('{{.}}'), '{"Name":"db","Ports":""}\n{"Name":"web","Ports":"80/tcp,443/tcp"}\n');
});

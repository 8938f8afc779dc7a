import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectFormat, viewFormat } from '../../../src/cli/view-format.js';

// An inspect command's --format, as `docker inspect -f` reads it, over the JSON view the command
// prints with --json: paths of fields, {{json .X}}, a line a view, and a missing field refused.

const TASK = {
  id: '1a2b3c4d',
  name: 'web-1',
  desiredState: 'running',
  exitCode: null,
  restarts: 2,
  spec: { image: 'nginx:1.27', env: { A: '1' }, command: ['httpd', '-f'] },
  labels: { team: 'web\x1b[2J' },
};
const print = (format: string, views: readonly unknown[] = [TASK]): string => viewFormat(format).print(views);

test('a path of fields is followed into the view, each matched as written or in any case', () => {
  assert.equal(print('{{.Spec.Image}}'), 'nginx:1.27\n');
  assert.equal(print('{{.spec.image}} {{ .DesiredState }}'), 'nginx:1.27 running\n');
  assert.equal(print('{{.Name}}\\t{{.Restarts}}'), 'web-1\t2\n', 'a number as JSON prints it; \\t is a tab');
  assert.equal(print('[{{.ExitCode}}]'), '[]\n', 'null prints nothing');
  assert.equal(print('{{.Spec.Command}}'), '["httpd","-f"]\n', 'a list or an object prints as JSON');
});

test('{{json .X}} prints JSON, {{json .}}, {{.}} and json alone the whole view; several views, a line each', () => {
  assert.equal(print('{{json .Spec.Env}}'), '{"A":"1"}\n');
  assert.equal(print('{{json .Name}} {{json .ExitCode}}'), '"web-1" null\n');
  const whole = `${JSON.stringify(TASK).replace('\x1b', '\\u001b')}\n`;
  assert.equal(print('{{json .}}'), whole);
  assert.equal(print('json'), whole);
  assert.equal(print('{{.}}'), whole);
  assert.equal(print('{{.Name}}', [TASK, { ...TASK, name: 'web-2' }]), 'web-1\nweb-2\n');
});

test('a value from outside is printed with its control characters escaped', () => {
  assert.equal(print('{{.Labels.team}}'), 'web\\x1b[2J\n');
  assert.equal(print('{{json .Labels}}'), '{"team":"web\\u001b[2J"}\n');
});

test('a field the view lacks is refused, naming it and the fields at that level; so is a path through a value', () => {
  assert.throws(() => print('{{.Spec.Imgae}}'), {
    name: 'InvalidField',
    message: '--format has {{.Spec.Imgae}}, but .Spec has no field Imgae: it has .Image, .Env, .Command',
  });
  assert.throws(() => print('{{.State}}'), {
    message:
      '--format has {{.State}}, but the view has no field State: it has .Id, .Name, .DesiredState, .ExitCode, ' +
      '.Restarts, .Spec, .Labels',
  });
  assert.throws(() => print('{{.Name.First}}'), {
    message: '--format has {{.Name.First}}, but .Name is a string, which has no fields',
  });
});

test('what cannot be read is refused before anything is asked, naming it; --json beside it is refused', () => {
  const refused = (format: string, message: string): void => assert.throws(() => viewFormat(format), { message });
  refused('{{if .Name}}x', '--format has {{if .Name}}: has no {{end}}');
  refused('{{.Spec..Image}}', '--format has {{.Spec..Image}}: cannot read ".Spec..Image"');
  refused('{{.Name', '--format has a "{{" with no "}}" to close it: write placeholders as {{.Name}}');
  const table = '--format is a table, which lists rows: an inspect prints views; give json or a template';
  refused('table', table);
  refused('table {{.Name}}', table);
  assert.throws(() => inspectFormat({ format: '{{.Name}}', json: true }), {
    message: '--json and --format both say how to print: give one (--format json prints JSON a line)',
  });
  assert.equal(inspectFormat({ json: true }), undefined);
});

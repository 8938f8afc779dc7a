import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { MAX_DOCUMENT_BYTES, parseDocument, readDocument } from '../../../src/files/index.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poseidon-files-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function refused(flag: string, message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof InvalidField, String(err));
    assert.equal(err.field, flag);
    assert.match(err.message, message);
    return true;
  };
}

test('a YAML task file reads as the object it writes, comments, flow lists and anchors included', async () => {
  const path = await file(
    'task.yaml',
    [
      '# a task',
      'name: web',
      'image: poseidon/busybox:latest',
      'command: [httpd, -f, -p, "8080"]',
      'ports:',
      '  - {container: 8080}',
      'env: &env {MODE: prod}',
      'labels: *env',
      'constraints: ["node.labels.zone == a"]',
      'volumes:',
      '  - name: db-data',
      '    path: /var/lib/data',
      '    readOnly: false',
    ].join('\n'),
  );
  assert.deepEqual(await readDocument(path), {
    name: 'web',
    image: 'poseidon/busybox:latest',
    command: ['httpd', '-f', '-p', '8080'],
    ports: [{ container: 8080 }],
    env: { MODE: 'prod' },
    labels: { MODE: 'prod' },
    constraints: ['node.labels.zone == a'],
    volumes: [{ name: 'db-data', path: '/var/lib/data', readOnly: false }],
  });
});

test('a key given twice is an error, not "the last one wins"', async () => {
  const path = await file('twice.yml', 'name: web\nimage: a\nname: other\n');
  await assert.rejects(readDocument(path, '-f'), refused('-f', /twice\.yml is not valid YAML: .*(unique|Map keys)/i));
});

test('a YAML syntax error names the file, the line and the column', async () => {
  const path = await file('broken.yaml', 'name: web\nimage: [unclosed\ncpu: 1\n');
  await assert.rejects(
    readDocument(path),
    refused('--filename', /broken\.yaml is not valid YAML: .*line \d+, column \d+/),
  );
});

test('a file larger than the bound is refused before it is parsed', async () => {
  const path = await file('big.yaml', `name: ${'x'.repeat(MAX_DOCUMENT_BYTES)}\n`);
  await assert.rejects(readDocument(path, 'FILE'), refused('FILE', new RegExp(`at most ${MAX_DOCUMENT_BYTES}`)));
});

test('a file that is not there, or cannot be read, names the reason', async () => {
  await assert.rejects(readDocument(join(dir, 'missing.yaml')), refused('--filename', /cannot be read \(ENOENT\)/));
  await assert.rejects(readDocument(dir), refused('--filename', /cannot be read \(EISDIR\)/));
  if (process.getuid?.() !== 0) {
    // root reads whatever the mode says; everyone else is refused
    const path = await file('secret.yaml', 'name: web\n');
    await chmod(path, 0o000);
    await assert.rejects(readDocument(path), refused('--filename', /cannot be read \(EACCES\)/));
  }
});

test('a .json file is parsed as JSON, so YAML that is not JSON is a JSON error there', async () => {
  const json = await file('task.json', '{"name": "web", "image": "a"}');
  assert.deepEqual(await readDocument(json), { name: 'web', image: 'a' });
  const yamlInJson = await file('yaml.JSON', 'name: web\n');
  await assert.rejects(readDocument(yamlInJson), refused('--filename', /yaml\.JSON is not valid JSON/));
  // the same text in a .yaml file is YAML
  assert.deepEqual(await parseDocument('name: web\n', 'task.yaml'), { name: 'web' });
  // and YAML reads JSON too
  assert.deepEqual(await parseDocument('{"name": "web"}', 'task.yaml'), { name: 'web' });
});

test('alias expansion is bounded, and past the bound the file is refused naming it', async () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 8; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(', ')}]`,
    );
  await assert.rejects(parseDocument(lines.join('\n'), 'laughs.yaml'), refused('--filename', /laughs\.yaml .*alias/i));
});

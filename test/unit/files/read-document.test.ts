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
  await assert.rejects(
    readDocument(path, '-f'),
    refused(
      '-f',
      /twice\.yml is not valid YAML: the key "name" is given twice at line 3, column 1; first at line 1, column 1$/,
    ),
  );
});

test('a key given twice deeper in a YAML file is named by its path, with where it is and where it was first', async () => {
  const text = ['name: web', 'env:', '  MODE: a', '  "MODE": b', 'ports:', '  - {container: 80, container: 81}'];
  const path = await file('deep.yaml', text.join('\n'));
  await assert.rejects(
    readDocument(path),
    refused('--filename', /the key "env\.MODE" is given twice at line 4, column 3; first at line 3, column 3$/),
  );
  const ports = await file(
    'ports.yaml',
    ['name: web', 'ports:', '  - container: 80', '  - {host: 1, host: 2}'].join('\n'),
  );
  await assert.rejects(
    readDocument(ports),
    refused('--filename', /the key "ports\[1\]\.host" is given twice at line 4, column 15; first at line 4, column 6$/),
  );
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
  await assert.rejects(
    readDocument(join(dir, 'missing.yaml')),
    refused('--filename', /cannot be read: no such file or directory; check the path$/),
  );
  await assert.rejects(readDocument(dir), refused('--filename', /cannot be read: it is a directory; give a file$/));
  if (process.getuid?.() !== 0) {
    // root reads whatever the mode says; everyone else is refused
    const path = await file('secret.yaml', 'name: web\n');
    await chmod(path, 0o000);
    await assert.rejects(
      readDocument(path),
      refused(
        '--filename',
        /cannot be read: permission denied; run as a user who may use it, or change its permissions \(chmod\)$/,
      ),
    );
  }
});

test('a key indented too deep is placed on its own line (3), not on the line before it', async () => {
  const task = 'name: web\nimage: busybox\n  cpu: 1\nmemory: 64Mi\n';
  await assert.rejects(
    parseDocument(task, 'task.yaml'),
    refused(
      '--filename',
      /^--filename task\.yaml is not valid YAML: a key is indented more .* at line 3, column 3; line it up/,
    ),
  );
  const compose = 'services:\n  web:\n    image: busybox\n      ports: ["80"]\n';
  await assert.rejects(parseDocument(compose, 'compose.yaml', '-f'), refused('-f', /at line 4, column 7;/));
  // the same key at the top of the file: line 2, where it is, not line 1
  await assert.rejects(
    parseDocument('name: web\n image: busybox\n', 'task.yaml'),
    refused('--filename', /at line 2, column 2;/),
  );
  // other errors keep the package's place: a key indented less than its neighbours
  await assert.rejects(
    parseDocument('name: web\nenv:\n  A: "1"\n B: "2"\n', 'task.yaml'),
    refused('--filename', /All mapping items must start at the same column at line 4, column 1$/),
  );
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

test('a key given twice in a .json file is refused naming the key and where it is, not "the last one wins"', async () => {
  const path = await file('twice.json', '{"name":"a","name":"b","image":"poseidon/busybox:latest"}');
  await assert.rejects(
    readDocument(path, '-f'),
    refused(
      '-f',
      /twice\.json is not valid JSON: the key "name" is given twice at line 1, column 13; first at line 1, column 2$/,
    ),
  );
  const nested = [
    '{',
    '  "name": "web",',
    '  "env": {"MODE": "a",',
    '          "MODE": "b"},',
    '  "ports": [{"container": 80}, {"container": 81, "host": 0, "container": 82}]',
    '}',
  ].join('\n');
  await assert.rejects(
    parseDocument(nested, 'task.json'),
    refused('--filename', /the key "env\.MODE" is given twice at line 4, column 11; first at line 3, column 11$/),
  );
  const inArray = nested.replace('"MODE": "b"', '"LEVEL": "b"');
  await assert.rejects(
    parseDocument(inArray, 'task.json'),
    refused(
      '--filename',
      /the key "ports\[1\]\.container" is given twice at line 5, column 61; first at line 5, column 33$/,
    ),
  );
  // the same key in two objects is no repeat
  assert.deepEqual(await parseDocument('{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]}', 'ok.json'), {
    a: { x: 1 },
    b: { x: 2 },
    c: [{ x: 3 }, { x: 4 }],
  });
});

test('a JSON syntax error names the line and the column, not an offset', async () => {
  const missingComma = ['{', '  "name": "web",', '  "image": "a"', '  "cpu": 1', '}'].join('\n');
  const path = await file('comma.json', missingComma);
  await assert.rejects(
    readDocument(path),
    refused('--filename', /comma\.json is not valid JSON: unexpected "\\"" at line 4, column 3; expected "," or "}"$/),
  );
  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ['{"name": "web",\n}', /unexpected "}" at line 2, column 1; expected a key/],
    ['{"ports": [80,\n  ]}', /unexpected "]" at line 2, column 3; expected a value/],
    ['{"name": "web"', /unexpected the end of the file at line 1, column 15; expected "," or "}"/],
    ['{\n  "name": "web\n}', /a control character in a string at line 2, column 15/],
    ['{"name": "we', /a string is never closed at line 1, column 10/],
    ["{'name': 'web'}", /unexpected "'" at line 1, column 2; expected a key/],
    ['{"cpu": 01}', /unexpected "1" at line 1, column 10; expected "," or "}"/],
    ['{"cpu": -}', /unexpected "}" at line 1, column 10; expected a digit/],
    ['{"a": "\\x"}', /an unknown escape in a string at line 1, column 8/],
    ['{"a": 1} {"b": 2}', /unexpected "{" at line 1, column 10; expected the end of the file/],
    ['\ufeff{"a": 1}', /unexpected "\\ufeff" at line 1, column 1; expected a value/],
    ['', /unexpected the end of the file at line 1, column 1; expected a value/],
    ['name: web\n', /unexpected "n" at line 1, column 1; expected a value/],
  ];
  for (const [text, message] of cases)
    await assert.rejects(parseDocument(text, 'task.json'), refused('--filename', message), JSON.stringify(text));
});

test('what the JSON check refuses for syntax is what JSON.parse refuses', async () => {
  const { jsonFault } = await import('../../../src/files/strict-json.js');
  const texts = [
    '{}',
    '[]',
    ' \t\r\n{ "a" : [ 1 , -0.5e+3 , 2E-2 , 0 , true , false , null , "\\u00e9\\n\\"\\/\\\\" ] } \n',
    '"just a string"',
    '12',
    '-',
    '1.',
    '.5',
    '+1',
    '01',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    '{"a":1 "b":2}',
    '[1 2]',
    'tru',
    'nulll',
    'NaN',
    '"a\tb"',
    '"\\u12"',
    '"\\u12G4"',
    '{"a":1}]',
    '[[[[]]]]',
    '[[[[]]]',
    '{"":""}',
    '{"a":{"b":{"c":[{"d":null}]}}}',
  ];
  for (const text of texts) {
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    assert.equal(jsonFault(text) === undefined, parses, JSON.stringify(text));
  }
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  assert.equal(jsonFault(deep), undefined, 'deep nesting does not overflow the stack');
});

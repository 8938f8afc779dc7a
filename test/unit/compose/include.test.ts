import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { test } from 'node:test';
import {
  composeToServices,
  fieldOrigin,
  mergeComposeDocuments,
  withIncludes,
  type IncludeReader,
  type Variables,
} from '../../../src/compose/index.js';
import { MAX_INCLUDE_DEPTH } from '../../../src/compose/include.js';
import { parseDocument } from '../../../src/files/index.js';
import { messageOf } from './compose-yaml.js';

// A top-level `include:` was only warned about as ignored, so the services of the files it names
// were not deployed. It is read now as docker compose reads it.

const DIR = '/srv/app';

/** Files a test reads (absolute path → text), named in messages relative to /srv/app. */
function reader(files: Record<string, string>): IncludeReader {
  return {
    async readCompose(path, at) {
      const text = files[path];
      if (text === undefined) throw new Error(`${at}: no ${path}`);
      return { doc: await parseDocument(text, path, at), bytes: Buffer.byteLength(text) };
    },
    readEnv: (path) => files[path],
    shown: (path) => posix.relative(DIR, path),
  };
}

/** The main file's text, with the files it includes: what the deploy converts, and the field origins. */
async function load(main: string, files: Record<string, string>, vars: Variables = {}) {
  const doc = await parseDocument(main, 'compose.yaml', '-c');
  const included = await withIncludes(
    [doc],
    [{ name: 'compose.yaml', path: `${DIR}/compose.yaml` }],
    DIR,
    vars,
    reader(files),
  );
  const merged = mergeComposeDocuments(included.docs, vars);
  return { included, merged };
}

async function convert(main: string, files: Record<string, string>, vars: Variables = {}) {
  const { included, merged } = await load(main, files, vars);
  const stack = composeToServices(merged, {
    stack: 'app',
    baseDir: DIR,
    hostEnv: vars,
    readFile: (p) => files[p] ?? '',
  });
  return { ...stack, included };
}

test('the short form brings in the services of the files it names, relative paths from their directory', async () => {
  const { services, warnings } = await convert(
    'include: [db/compose.yaml]\nservices:\n  web: {image: web, expose: [80]}\n',
    {
      '/srv/app/db/compose.yaml': `
services:
  db:
    image: postgres:16
    expose: [5432]
    volumes: [./data:/var/lib/postgresql/data, {type: bind, source: conf, target: /etc/pg}]
    env_file: db.env
volumes: {}
`,
      '/srv/app/db/db.env': 'PGUSER=app\n',
    },
  );
  assert.deepEqual(
    services.map((s) => s.name),
    ['app-web', 'app-db'],
  );
  const db = services[1]?.task;
  assert.deepEqual(db?.volumes, [
    { hostPath: '/srv/app/db/data', path: '/var/lib/postgresql/data' },
    { hostPath: '/srv/app/db/conf', path: '/etc/pg' },
  ]);
  assert.deepEqual(db?.env, { PGUSER: 'app' });
  // include is read, not warned about as ignored
  assert.deepEqual(warnings, []);
});

test('the long form: project_directory, env_file, several paths; its own variables, the project wins', async () => {
  const main = `
include:
  - path: [lib/base.yaml, lib/more.yaml]
    project_directory: lib/root
    env_file: [lib/x.env]
services:
  web: {image: "web:\${TAG}", expose: [80]}
`;
  const files = {
    '/srv/app/lib/base.yaml': 'services:\n  api: {image: "api:${TAG}", command: "echo $$HOME ${ONLY}", expose: [1]}\n',
    '/srv/app/lib/more.yaml': 'services:\n  api: {volumes: ["./d:/d"]}\n',
    '/srv/app/lib/x.env': 'TAG=lib\nONLY=from-lib\n',
    // not read: env_file is given
    '/srv/app/lib/root/.env': 'ONLY=from-root\n',
  };
  const { services } = await convert(main, files, { TAG: 'project' });
  const api = services.find((s) => s.name === 'app-api')?.task;
  assert.equal(api?.image, 'api:project');
  assert.deepEqual(api?.command, ['echo', '$HOME', 'from-lib']);
  assert.deepEqual(api?.volumes, [{ hostPath: '/srv/app/lib/root/d', path: '/d' }]);
  // by default, the .env of the included file's directory
  const { services: again } = await convert('include: [lib/root/c.yaml]\n', {
    '/srv/app/lib/root/c.yaml': 'services:\n  api: {image: "api:${ONLY}"}\n',
    '/srv/app/lib/root/.env': 'ONLY=from-root\n',
  });
  assert.equal(again[0]?.task.image, 'api:from-root');
});

test("an included file's include is followed, from its directory; a cycle is refused naming the chain", async () => {
  const { services } = await convert('include: [a/a.yaml]\n', {
    '/srv/app/a/a.yaml': 'include: [b/b.yaml]\nservices:\n  a: {image: a}\n',
    '/srv/app/a/b/b.yaml': 'services:\n  b: {image: b}\n',
  });
  assert.deepEqual(
    services.map((s) => s.name),
    ['app-a', 'app-b'],
  );
  const cycle = await messageOf(() =>
    load('include: [a.yaml]\nservices:\n  m: {image: m}\n', {
      '/srv/app/a.yaml': 'include: [b.yaml]\n',
      '/srv/app/b.yaml': 'include: [a.yaml]\n',
    }),
  );
  assert.equal(
    cycle,
    'include[0] goes round in a circle: compose.yaml includes a.yaml includes b.yaml includes a.yaml, in b.yaml',
  );
});

test('a service both files define differently is refused naming both; the same one twice is not', async () => {
  const main = 'include: [db.yaml]\nservices:\n  db: {image: postgres:15}\n';
  assert.equal(
    await messageOf(() => load(main, { '/srv/app/db.yaml': 'services:\n  db: {image: postgres:16}\n' })),
    'services.db is defined both in compose.yaml and in db.yaml (included), differently: docker compose refuses ' +
      'such a conflict; keep one of them',
  );
  const { merged } = await load(main, { '/srv/app/db.yaml': 'services:\n  db: {image: postgres:15}\n' });
  assert.deepEqual(merged, { services: { db: { image: 'postgres:15' } } });
});

test('an error in an included file names that file', async () => {
  const { included, merged } = await load('include: [db.yaml]\nservices:\n  web: {image: w}\n', {
    '/srv/app/db.yaml': 'services:\n  db: {image: x, deploy: {replicas: -3}}\n',
  });
  const err = await messageOf(async () => composeToServices(merged, { stack: 'app' }));
  assert.match(err, /^services\.db\.deploy\.replicas /);
  assert.equal(fieldOrigin(included.origins.docs, included.origins.names, 'services.db.deploy.replicas'), 'db.yaml');
  assert.equal(fieldOrigin(included.origins.docs, included.origins.names, 'services.web.image'), 'compose.yaml');
  assert.equal(
    await messageOf(() =>
      load('include: [db.yaml]\n', { '/srv/app/db.yaml': 'services:\n  db: {image: "${X:?give X}"}\n' }),
    ),
    'services.db.image needs the variable X, which is unset or empty: give X, in db.yaml',
  );
});

test('a remote include is refused saying what to do; keys and types are checked', async () => {
  for (const path of [
    'git://example.com/r.git',
    'oci://docker.io/x/y',
    'https://example.com/c.yaml',
    'git@github.com:a/b.git',
  ])
    assert.equal(
      await messageOf(() => load(`include: ["${path}"]\n`, {})),
      `include[0] is "${path}", a remote file: Poseidon includes local files only; download it and include ` +
        'its path, in compose.yaml',
    );
  assert.equal(
    await messageOf(() => load('include: [{path: a.yaml, paht: b.yaml}]\n', {})),
    'include[0].paht is not a key of an include (path, project_directory, env_file), in compose.yaml',
  );
  assert.equal(
    await messageOf(() => load('include: a.yaml\n', {})),
    'include must be a list (got "a.yaml"), in compose.yaml',
  );
});

test('includes are bounded: a depth limit, and together no more than one Compose file may hold', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i <= MAX_INCLUDE_DEPTH; i++) files[`/srv/app/f${i}.yaml`] = `include: [f${i + 1}.yaml]\n`;
  files[`/srv/app/f${MAX_INCLUDE_DEPTH + 1}.yaml`] = 'services:\n  s: {image: s}\n';
  assert.match(
    await messageOf(() => load('include: [f0.yaml]\n', files)),
    /includes f\d+\.yaml 10 includes deep; at most 10/,
  );
  const big = `services:\n  s: {image: s, command: "${'x'.repeat(3 * 2 ** 20)}"}\n`;
  assert.match(
    await messageOf(() =>
      load('include: [a.yaml, b.yaml]\n', { '/srv/app/a.yaml': big, '/srv/app/b.yaml': big.replace('s:', 't:') }),
    ),
    new RegExp(
      '^include\\[1\\] includes b\\.yaml, past the most included files hold together ' +
        '\\(100 files, 4194304 bytes\\), in compose\\.yaml$',
    ),
  );
});

test('at most 100 included files; a variable an included file uses unset is warned about', async () => {
  const files: Record<string, string> = {};
  const names = Array.from({ length: 101 }, (_, i) => `f${i}.yaml`);
  for (const [i, n] of names.entries()) files[`/srv/app/${n}`] = `services:\n  s${i}: {image: "s:\${NOPE}"}\n`;
  assert.match(
    await messageOf(() => load(`include: [${names.join(', ')}]\n`, files)),
    /^include\[100\] includes f100\.yaml, past the most included files hold together \(100 files/,
  );
  const { included } = await load(`include: [${names.slice(0, 2).join(', ')}]\n`, files);
  assert.deepEqual(included.warnings, [
    'not set, so substituted as empty in an included file (as docker compose does): $NOPE',
  ]);
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `import { PoseidonClient } from 'poseidon'` as a TypeScript user has it: package.json points at
// the compiled entry and its declarations, no `any` leaks from Poseidon's own declarations, and a
// consumer type-checks against them (a task spec is typed: one without an image is an error).

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface PackageJson {
  main: string;
  types: string;
  exports: { '.': { types: string; default: string } };
}

/** Every declaration file of this package that `from` reaches through relative imports. */
function declarationsFrom(from: string, seen = new Set<string>()): Set<string> {
  if (seen.has(from)) return seen;
  seen.add(from);
  for (const m of readFileSync(from, 'utf8').matchAll(/from '(\.[^']+)\.js'/g))
    declarationsFrom(resolve(dirname(from), `${m[1] ?? ''}.d.ts`), seen);
  return seen;
}

const CONSUMER = `
import { PoseidonClient, isNotFound, type ClusterEvent, type ManagerTaskView, type TaskSpec } from 'poseidon';
type IsAny<T> = 0 extends 1 & T ? true : false;
type NotAny<T> = IsAny<T> extends true ? never : T;

const client = new PoseidonClient({ url: 'https://127.0.0.1:5555', token: 'psdn_x_y', ca: '' });
const spec: TaskSpec = { name: 'web', image: 'nginx', memory: '256Mi' };
const task: NotAny<ManagerTaskView> = await client.submit(spec);
const state: NotAny<ManagerTaskView['state']> = task.state;
const nodes: NotAny<Awaited<ReturnType<PoseidonClient['listNodes']>>> = await client.listNodes();
const events: AsyncIterable<NotAny<ClusterEvent>> = await client.watchEvents();
for await (const e of events) {
  const t: NotAny<ClusterEvent['type']> = e.type;
  void t;
}
// @ts-expect-error a task spec needs an image
await client.submit({ name: 'web' });
try {
  await client.getTask('x');
} catch (err) {
  if (!isNotFound(err, 'task')) throw err;
}
void state;
void nodes;
`;

describe("the package's library entry", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poseidon-entry-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('package.json points at the compiled entry and its declarations', () => {
    assert.equal(pkg.exports['.'].default, pkg.main);
    assert.equal(pkg.exports['.'].types, pkg.types);
    assert.ok(existsSync(join(ROOT, pkg.main)), pkg.main);
    assert.ok(existsSync(join(ROOT, pkg.types)), pkg.types);
  });

  test("no `any` in Poseidon's declarations the entry reaches", () => {
    const files = declarationsFrom(join(ROOT, pkg.types));
    assert.ok(files.size > 10, `the entry reaches the client, the api and the errors (${files.size} files)`);
    const leaks = [...files].filter((f) => {
      const code = readFileSync(f, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      return /\bany\b/.test(code);
    });
    assert.deepEqual(leaks, []);
  });

  test('a TypeScript consumer type-checks against it, with specs and views typed', async () => {
    // `poseidon` is this package, as npm would link it
    await mkdir(join(dir, 'node_modules'));
    await symlink(ROOT, join(dir, 'node_modules', 'poseidon'), 'dir');
    await writeFile(join(dir, 'consumer.mts'), CONSUMER);
    const args = [
      TSC,
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--typeRoots',
      join(ROOT, 'node_modules', '@types'),
      '--types',
      'node',
      join(dir, 'consumer.mts'),
    ];
    const { code, out } = await new Promise<{ code: number | null; out: string }>((done) => {
      execFile(process.execPath, args, { cwd: dir, timeout: 120_000 }, (err, stdout, stderr) =>
        done({ code: err === null ? 0 : (err.code as number | null), out: `${stdout}${stderr}` }),
      );
    });
    assert.equal(code, 0, out);
  });
});

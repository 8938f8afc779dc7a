import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { filePath, parseSubmission, resolveFileRef, toSpec } from '../../../src/task/index.js';

const base = { name: 'app', image: 'poseidon/busybox:latest' };

test('secrets land under /run/secrets and configs at /<name> unless a target says; owner and mode as asked', () => {
  const r = parseSubmission({
    ...base,
    secrets: [{ source: 'db_pass' }, { source: 'db_pass', target: 'nested/pw', uid: '1000', gid: 10, mode: '0400' }],
    configs: [{ source: 'app.conf' }, { source: 'app.conf', target: '/etc/app/./app.conf', mode: 288 }],
  });
  assert.deepEqual(r.files, [
    { kind: 'secret', source: 'db_pass', target: '/run/secrets/db_pass', uid: 0, gid: 0, mode: 0o444 },
    { kind: 'secret', source: 'db_pass', target: '/run/secrets/nested/pw', uid: 1000, gid: 10, mode: 0o400 },
    { kind: 'config', source: 'app.conf', target: '/app.conf', uid: 0, gid: 0, mode: 0o444 },
    { kind: 'config', source: 'app.conf', target: '/etc/app/app.conf', uid: 0, gid: 0, mode: 0o440 },
  ]);
  const spec = toSpec(r);
  assert.deepEqual(spec.secrets?.[1], {
    source: 'db_pass',
    target: '/run/secrets/nested/pw',
    uid: 1000,
    gid: 10,
    mode: 256,
  });
  assert.deepEqual(parseSubmission(spec), r, 'the dispatched spec parses to the same request');
  assert.equal('files' in parseSubmission(base), false, 'a task without them has no files field');
  assert.equal('files' in parseSubmission({ ...base, secrets: [] }), false);
});

test('a bad reference is refused naming its field', () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ secrets: [{ source: 'a/b' }] }, 'secrets[0].source', /must be a name of letters/],
    [{ secrets: [{ source: 'x', target: '../../etc/passwd' }] }, 'secrets[0].target', /leads out of \/run\/secrets/],
    [{ secrets: [{ source: 'x', target: '/run/secrets' }] }, 'secrets[0].target', /is \/run\/secrets, a directory/],
    [{ configs: [{ source: 'x', target: '/' }] }, 'configs[0].target', /is \/, a directory/],
    [
      { secrets: [{ source: 'x', target: '/etc/x' }], configs: [{ source: 'y', target: '/etc/x' }] },
      'configs[0].target',
      /mounted twice/,
    ],
    [{ secrets: [{ source: 'x', mode: '0999' }] }, 'secrets[0].mode', /permission bits/],
    [{ secrets: [{ source: 'x', mode: 512 }] }, 'secrets[0].mode', /permission bits/],
    [{ configs: [{ source: 'x', uid: -1 }] }, 'configs[0].uid', /user id/],
    [{ configs: [{ source: 'x', other: 1 }] }, 'configs[0]', /./],
  ];
  for (const [extra, field, message] of cases) {
    assert.throws(
      () => parseSubmission({ ...base, ...extra }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidField, String(err));
        assert.ok(err.message.startsWith(field), `${err.message} names ${field}`);
        assert.match(err.message, message);
        return true;
      },
      JSON.stringify(extra),
    );
  }
});

test("filePath resolves as POSIX path.resolve does from the kind's directory (without Node, for the console)", () => {
  const targets = [
    undefined,
    'pw',
    'a/b/',
    './a',
    'a/../b',
    '../../etc/x',
    '/etc/x',
    '//etc//x/',
    '/..',
    '.',
    '/a/./b/..',
  ];
  for (const kind of ['secret', 'config'] as const)
    for (const target of targets)
      assert.equal(
        filePath(kind, 'src', target),
        posix.resolve(kind === 'secret' ? '/run/secrets' : '/', target ?? 'src'),
        `${kind} ${String(target)}`,
      );
});

test('resolveFileRef reads a reference as parseFileRefs does (a service template is shown with it)', () => {
  const r = { source: 'db_pass', target: 'nested/pw', uid: '1000', gid: 10, mode: '0400' };
  assert.deepEqual(resolveFileRef('secret', r), parseSubmission({ ...base, secrets: [r] }).files?.[0]);
  assert.deepEqual(resolveFileRef('config', { source: 'app.conf' }), {
    kind: 'config',
    source: 'app.conf',
    target: '/app.conf',
    uid: 0,
    gid: 0,
    mode: 0o444,
  });
});

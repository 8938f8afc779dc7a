import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { isHostPathAllowed, parseSubmission, toSpec } from '../../../src/task/index.js';

const base = { name: 'db', image: 'poseidon/busybox:latest' };

test('volumes parse into named volumes and host paths, read-write unless readOnly', () => {
  const r = parseSubmission({
    ...base,
    volumes: [
      { name: 'db-data-1', path: '/var/lib/data/' },
      { hostPath: '/srv/poseidon/./conf', path: '/etc/app', readOnly: true },
    ],
  });
  assert.deepEqual(r.volumes, [
    { kind: 'volume', name: 'db-data-1', path: '/var/lib/data', readOnly: false },
    { kind: 'host', hostPath: '/srv/poseidon/conf', path: '/etc/app', readOnly: true },
  ]);
  assert.deepEqual(toSpec(r).volumes, [
    { name: 'db-data-1', path: '/var/lib/data' },
    { hostPath: '/srv/poseidon/conf', path: '/etc/app', readOnly: true },
  ]);
  assert.deepEqual(parseSubmission(toSpec(r)), r);
  assert.equal('volumes' in parseSubmission(base), false);
});

test('a volume is refused naming its field: not exactly one source, a relative path, a path mounted twice', () => {
  const cases: Array<[unknown[], string, RegExp]> = [
    [[{ path: '/data' }], 'volumes[0]', /exactly one of name .* and hostPath/],
    [[{ name: 'a', hostPath: '/srv', path: '/data' }], 'volumes[0]', /exactly one of/],
    [[{ name: 'a', path: 'data' }], 'volumes[0].path', /absolute path/],
    [[{ name: 'A_b', path: '/data' }], 'volumes[0].name', /volume name/],
    [[{ name: 'a', path: '/' }], 'volumes[0].path', /is \/; mount a volume on a directory below it/],
    [
      [
        { name: 'a', path: '/data' },
        { name: 'b', path: '/data/x/..' },
      ],
      'volumes[1].path',
      /\/data is mounted twice/,
    ],
    [[{ name: 'a', path: '/data', mode: 'rw' }], 'volumes[0].mode', /not a known field/],
  ];
  for (const [volumes, field, message] of cases) {
    assert.throws(
      () => parseSubmission({ ...base, volumes }),
      (err: unknown) => err instanceof InvalidField && err.field === field && message.test(err.message),
      JSON.stringify(volumes),
    );
  }
});

test('a host path is allowed only inside an allowed prefix, with .. resolved and whole segments compared', () => {
  const allowed = ['/srv/poseidon'];
  assert.equal(isHostPathAllowed('/srv/poseidon', allowed), true);
  assert.equal(isHostPathAllowed('/srv/poseidon/db', allowed), true);
  assert.equal(isHostPathAllowed('/srv/poseidon/a/../b', allowed), true);
  assert.equal(isHostPathAllowed('/srv/poseidon/../etc', allowed), false);
  assert.equal(isHostPathAllowed('/srv/poseidon/../../etc/shadow', allowed), false);
  assert.equal(isHostPathAllowed('/srv/poseidon/db/../../poseidon-x', allowed), false);
  assert.equal(isHostPathAllowed('/srv/poseidon-other', allowed), false);
  assert.equal(isHostPathAllowed('/srv', allowed), false);
  assert.equal(isHostPathAllowed('srv/poseidon/db', allowed), false);
  assert.equal(isHostPathAllowed('/srv/poseidon/db', ['/srv/poseidon/']), true);
  assert.equal(isHostPathAllowed('/srv/poseidon/db', ['/srv/x/../poseidon']), true);
  assert.equal(isHostPathAllowed('/etc', []), false);
});

test('a worker refuses a host path outside what it allows, naming the field; the manager takes any', () => {
  const spec = { ...base, volumes: [{ hostPath: '/srv/poseidon/../etc', path: '/data' }] };
  assert.equal(parseSubmission(spec).volumes?.[0]?.kind, 'host'); // the manager: placed only where allowed
  assert.throws(
    () => parseSubmission(spec, { allowedHostPaths: ['/srv/poseidon'] }),
    (err: unknown) =>
      err instanceof InvalidField &&
      err.field === 'volumes[0].hostPath' &&
      err.message.includes('/etc is not under a directory this worker allows') &&
      err.message.includes('it allows /srv/poseidon'),
  );
  assert.throws(() => parseSubmission(spec, { allowedHostPaths: [] }), /it allows none/);
  const inside = { ...base, volumes: [{ hostPath: '/srv/poseidon/db', path: '/data' }] };
  assert.equal(parseSubmission(inside, { allowedHostPaths: ['/srv/poseidon'] }).volumes?.length, 1);
  // named volumes need no permission
  const named = { ...base, volumes: [{ name: 'db-data', path: '/data' }] };
  assert.equal(parseSubmission(named, { allowedHostPaths: [] }).volumes?.length, 1);
});

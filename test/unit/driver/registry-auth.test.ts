import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { authFor, parseDockerConfig, RegistryAuth, registryOf } from '../../../src/driver/index.js';
import { registryAuthFlag } from '../../../src/cli/worker-action.js';

// Which registry an image names, and which of a docker config.json's entries a pull of it sends.

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test("an image's registry, as Docker reads a reference", () => {
  assert.equal(registryOf('nginx'), 'docker.io');
  assert.equal(registryOf('nginx:1.27'), 'docker.io');
  assert.equal(registryOf('team/app:v2'), 'docker.io');
  assert.equal(registryOf('ghcr.io/team/app:v2'), 'ghcr.io');
  assert.equal(registryOf('127.0.0.1:5000/app'), '127.0.0.1:5000');
  assert.equal(registryOf('localhost/app'), 'localhost');
  assert.equal(registryOf('registry.example.com:443/a/b@sha256:' + '0'.repeat(64)), 'registry.example.com:443');
});

test("a pull sends the entry of its image's registry: auth, username and password, or a token", () => {
  const config = parseDockerConfig(
    'config.json',
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub-user:hub:pass') },
        'https://ghcr.io/v2/': { username: 'gh', password: 'tok' },
        '127.0.0.1:5000': { identitytoken: 'id-tok' },
        'empty.example.com': {},
      },
      credsStore: 'desktop',
    }),
  );
  assert.deepEqual(authFor(config, 'team/app'), {
    username: 'hub-user',
    password: 'hub:pass',
    serveraddress: 'https://index.docker.io/v1/',
  });
  assert.deepEqual(authFor(config, 'ghcr.io/team/app:v2'), {
    username: 'gh',
    password: 'tok',
    serveraddress: 'ghcr.io',
  });
  assert.deepEqual(authFor(config, '127.0.0.1:5000/app'), { identitytoken: 'id-tok', serveraddress: '127.0.0.1:5000' });
  assert.equal(authFor(config, 'empty.example.com/app'), undefined);
  assert.equal(authFor(config, 'quay.io/app'), undefined);
});

test('a file that is not a config.json is refused naming the flag and the file; one named must be there', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-regauth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"auths": {"x": {"auth": 5}}}');
  const warn = (): void => undefined;
  assert.throws(() => new RegistryAuth(bad, warn).check('--registry-auth'), {
    message: new RegExp(`^--registry-auth ${bad}\\.auths\\.x\\.auth `),
  });
  writeFileSync(bad, 'not json');
  assert.throws(() => new RegistryAuth(bad, warn).check('--registry-auth'), { message: /is not JSON/ });
  assert.throws(() => new RegistryAuth(join(dir, 'none.json'), warn).check('--registry-auth'), {
    message: /^--registry-auth cannot read .*none\.json \(ENOENT\)$/,
  });
  assert.throws(() => registryAuthFlag(' '), { message: /^--registry-auth is empty/ });
});

test("without the flag, the docker CLI's own file, read when it is there; credential helpers are warned of", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-regauth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const before = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = dir;
  t.after(() => {
    if (before === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = before;
  });
  const source = registryAuthFlag(undefined);
  assert.deepEqual(source, { path: join(dir, 'config.json'), required: false });
  const warnings: string[] = [];
  const auth = new RegistryAuth(source.path, (_f, msg) => warnings.push(msg));
  assert.equal(auth.forImage('ghcr.io/a'), undefined, 'no file yet: no credentials, no error');
  writeFileSync(
    source.path,
    JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:b') } }, credHelpers: { 'gcr.io': 'gcr' } }),
  );
  assert.deepEqual(auth.forImage('ghcr.io/a'), { username: 'a', password: 'b', serveraddress: 'ghcr.io' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /credential helpers are not run by the worker/);
  auth.forImage('ghcr.io/a');
  assert.equal(warnings.length, 1, 'read once while the file stays as it is');
});

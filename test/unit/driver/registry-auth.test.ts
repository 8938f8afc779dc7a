import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  authFor,
  parseDockerConfig,
  RegistryAuth,
  registryOf,
  runHelper,
  type HelperCredentials,
} from '../../../src/driver/index.js';
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
    message: /^--registry-auth cannot read .*none\.json: no such file or directory; check the path$/,
  });
  assert.throws(() => registryAuthFlag(' '), { message: /^--registry-auth is empty/ });
});

test("without the flag, the docker CLI's own file, read when it is there and again once it changes", async (t) => {
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
  const auth = new RegistryAuth(source.path, () => undefined);
  assert.equal(await auth.forImage('ghcr.io/a'), undefined, 'no file yet: no credentials, no error');
  writeFileSync(source.path, JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:b') } } }));
  assert.deepEqual(await auth.forImage('ghcr.io/a'), { username: 'a', password: 'b', serveraddress: 'ghcr.io' });
  writeFileSync(source.path, JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:rotated') } } }));
  assert.deepEqual(await auth.forImage('ghcr.io/a'), { username: 'a', password: 'rotated', serveraddress: 'ghcr.io' });
});

test("a registry's own helper (credHelpers), else credsStore, answers for it; the file's entry when it has nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-regauth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      auths: { 'quay.io': { auth: b64('file:pw') }, 'ghcr.io': {} },
      credsStore: 'pass',
      credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login', 'https://index.docker.io/v1/': 'hub' },
    }),
  );
  const asked: string[] = [];
  const answers: Record<string, HelperCredentials | undefined> = {
    'ecr-login 123.dkr.ecr.eu-west-1.amazonaws.com': { Username: 'AWS', Secret: 'ecr-token' },
    'hub https://index.docker.io/v1/': { Username: '<token>', Secret: 'hub-identity' },
    'pass ghcr.io': { Username: 'gh', Secret: 'from-pass' },
  };
  const auth = new RegistryAuth(
    path,
    () => undefined,
    async (helper, server) => {
      asked.push(`${helper} ${server}`);
      return answers[`${helper} ${server}`];
    },
  );
  assert.deepEqual(await auth.forImage('123.dkr.ecr.eu-west-1.amazonaws.com/app:1'), {
    username: 'AWS',
    password: 'ecr-token',
    serveraddress: '123.dkr.ecr.eu-west-1.amazonaws.com',
  });
  assert.deepEqual(
    await auth.forImage('team/app'),
    { identitytoken: 'hub-identity', serveraddress: 'https://index.docker.io/v1/' },
    'a helper user name of <token> means an identity token, as Docker reads it',
  );
  assert.deepEqual(await auth.forImage('ghcr.io/team/app'), {
    username: 'gh',
    password: 'from-pass',
    serveraddress: 'ghcr.io',
  });
  assert.deepEqual(
    await auth.forImage('quay.io/team/app'),
    { username: 'file', password: 'pw', serveraddress: 'quay.io' },
    'credsStore had nothing for it: the file entry',
  );
  assert.deepEqual(asked, [
    'ecr-login 123.dkr.ecr.eu-west-1.amazonaws.com',
    'hub https://index.docker.io/v1/',
    'pass ghcr.io',
    'pass quay.io',
  ]);
});

test('a credential helper is run as the docker CLI runs it: get, the server on stdin, its JSON answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-helper-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string): void =>
    writeFileSync(join(dir, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  // echoes the server it was asked for as the user name; refuses a verb other than get
  script(
    'echo',
    '[ "$1" = get ] || exit 3; read server; printf \'{"ServerURL":"%s","Username":"%s","Secret":"s"}\' "$server" "$server"',
  );
  script('none', 'echo "credentials not found in native keychain"; exit 1');
  script('broken', 'echo "gpg: decryption failed" >&2; exit 1');
  script('garbled', 'echo not-json');
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path ?? ''}`;
  t.after(() => {
    process.env.PATH = path;
  });
  assert.deepEqual(await runHelper('echo', 'reg.example.com'), { Username: 'reg.example.com', Secret: 's' });
  assert.equal(await runHelper('none', 'reg.example.com'), undefined, 'holds nothing for it: no credentials');
  await assert.rejects(runHelper('broken', 'reg.example.com'), {
    message: 'credential helper docker-credential-broken failed for reg.example.com: gpg: decryption failed',
  });
  await assert.rejects(runHelper('garbled', 'reg.example.com'), {
    message: 'credential helper docker-credential-garbled failed for reg.example.com: its answer is not JSON',
  });
  await assert.rejects(runHelper('absent', 'reg.example.com'), {
    message:
      "credential helper docker-credential-absent failed for reg.example.com: docker-credential-absent is not on the worker's PATH",
  });
  await assert.rejects(runHelper('../x', 'reg.example.com'), { message: /: not a helper name$/ });
});

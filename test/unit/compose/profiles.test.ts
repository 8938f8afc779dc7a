import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromYaml, messageOf } from './compose-yaml.js';

const FILE = `
services:
  web: {image: x}
  debug: {image: x, profiles: [debug, tools]}
  seed: {image: x, profiles: [tools]}
`;

const names = async (env: Record<string, string>): Promise<{ services: string[]; warnings: string[] }> => {
  const { services, warnings } = await fromYaml(FILE, { hostEnv: env });
  return { services: services.map((s) => s.name), warnings };
};

test('a service in a profile is left out, and said, unless COMPOSE_PROFILES makes one of its profiles active', async () => {
  assert.deepEqual(await names({}), {
    services: ['app-web'],
    warnings: [
      'services.debug: left out, as its profiles (debug, tools) are not active (COMPOSE_PROFILES=debug deploys it)',
      'services.seed: left out, as its profiles (tools) are not active (COMPOSE_PROFILES=tools deploys it)',
    ],
  });
  assert.deepEqual((await names({ COMPOSE_PROFILES: 'tools' })).services, ['app-web', 'app-debug', 'app-seed']);
  assert.deepEqual((await names({ COMPOSE_PROFILES: ' x, debug' })).services, ['app-web', 'app-debug']);
  assert.deepEqual(await names({ COMPOSE_PROFILES: '*' }), {
    services: ['app-web', 'app-debug', 'app-seed'],
    warnings: [],
  });
});

test('profiles: a file whose every service is in an inactive profile, or a bad profile name, is refused by its path', async () => {
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x, profiles: [dev]}\n')),
    /^services has no service to deploy: each is in a profile that is not active; set COMPOSE_PROFILES/,
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x}\n  b: {image: x, profiles: ["-x"]}\n')),
    /^services\.b\.profiles\[0\] must be a profile name: a letter or digit, then one or more/,
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x}\n  b: {image: x, profiles: dev}\n')),
    /^services\.b\.profiles must be a list/,
  );
});

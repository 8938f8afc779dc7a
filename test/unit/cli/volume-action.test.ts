import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { inspectVolumes, listVolumes, removeVolumes } from '../../../src/cli/volume-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

// `poseidon volume ls -q`, `volume inspect NAME...` and `volume rm NAME...`, as docker's take them, against a stand-in
// manager, their output captured.

const VOLUMES = [
  { name: 'db-data', node: 'w1', nodeId: 'n1', createdAt: '2026-12-05T11:00:00Z', inUseBy: [] },
  { name: 'cache', node: 'w2', nodeId: 'n2', createdAt: '2026-12-05T11:00:00Z', inUseBy: [] },
];
const refusal = (code: string, message: string) => ({ error: { code, message } });
/** What the manager says after a volume not found (test/unit/manager/not-found-hints.test.ts). */
const LIST = 'poseidon volume ls lists the volumes, which the manager records once a task that mounts one has run';

/** A manager that knows VOLUMES, one more in use, and no other; the routes asked, in order. */
async function manager(t: TestContext): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const send = (res: ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const { url } = await serve(t, (req, res) => {
    const route = `${req.method} ${req.url}`;
    requests.push(route);
    const [, method, path] = /^(GET|DELETE) \/volumes\/(.*)$/.exec(route) ?? [];
    const name = decodeURIComponent(path ?? '');
    const known = VOLUMES.find((v) => v.name === name);
    if (route === 'GET /volumes') send(res, 200, VOLUMES);
    else if (known !== undefined && method === 'GET') send(res, 200, { ...known, users: [] });
    else if (known !== undefined) send(res, 200, { name, node: known.node, nodeId: known.nodeId });
    else if (name === 'used')
      send(res, 409, refusal('volume_in_use', 'volume used is in use by task va (3da9a442); stop it first'));
    else send(res, 404, refusal('volume_not_found', `no volume ${name}; ${LIST}`));
  });
  return { url, requests };
}

test('ls -q prints the names alone, one a line', async (t) => {
  const { url } = await manager(t);
  assert.deepEqual(await captured((io) => listVolumes({ manager: url, quiet: true }, io)), {
    out: 'db-data\ncache\n',
    err: '',
    code: undefined,
  });
});

test('rm removes each name in turn: one refused is said on stderr, the others still go, and the exit status is 1', async (t) => {
  const { url, requests } = await manager(t);
  const { out, err, code } = await captured((io) =>
    removeVolumes(['nope', 'db-data', 'used', 'cache'], { manager: url }, io),
  );
  assert.deepEqual(requests, [
    'DELETE /volumes/nope',
    'DELETE /volumes/db-data',
    'DELETE /volumes/used',
    'DELETE /volumes/cache',
  ]);
  assert.equal(out, 'volume db-data removed from node w1\nvolume cache removed from node w2\n');
  assert.equal(
    err,
    `poseidon: no volume nope; ${LIST}\n` + 'poseidon: volume used is in use by task va (3da9a442); stop it first\n',
  );
  assert.equal(code, 1);
});

test('rm --json: the removed volume for one name, as before; an array for several', async (t) => {
  const { url } = await manager(t);
  const one = await captured((io) => removeVolumes(['cache'], { manager: url, json: true }, io));
  assert.deepEqual(JSON.parse(one.out), { name: 'cache', node: 'w2', nodeId: 'n2' });
  const two = await captured((io) => removeVolumes(['cache', 'db-data'], { manager: url, json: true }, io));
  assert.deepEqual(
    (JSON.parse(two.out) as Array<{ name: string }>).map((v) => v.name),
    ['cache', 'db-data'],
  );
});

test('inspect of several names shows each in turn; one unknown is said on stderr, the others shown, exit 1', async (t) => {
  const { url, requests } = await manager(t);
  const { out, err, code } = await captured((io) => inspectVolumes(['db-data', 'nope', 'cache'], { manager: url }, io));
  assert.deepEqual(requests, ['GET /volumes/db-data', 'GET /volumes/nope', 'GET /volumes/cache']);
  assert.deepEqual(
    out.split('\n').filter((l) => l.startsWith('Name:')),
    ['Name:    db-data', 'Name:    cache'],
  );
  assert.equal(err, `poseidon: no volume nope; ${LIST}\n`);
  assert.equal(code, 1);
});

test('inspect --json: one JSON array for several names, the found ones; the volume alone for one name', async (t) => {
  const { url } = await manager(t);
  const several = await captured((io) =>
    inspectVolumes(['cache', 'nope', 'db-data'], { manager: url, json: true }, io),
  );
  assert.deepEqual(
    (JSON.parse(several.out) as Array<{ name: string }>).map((v) => v.name),
    ['cache', 'db-data'],
  );
  assert.equal(several.code, 1);
  const one = await captured((io) => inspectVolumes(['cache'], { manager: url, json: true }, io));
  assert.equal((JSON.parse(one.out) as { name: string }).name, 'cache');
  assert.equal(one.code, undefined);
  const none = await captured((io) => inspectVolumes(['nope'], { manager: url, json: true }, io));
  assert.deepEqual([none.out, none.code], ['', 1], 'an unknown name alone prints no JSON');
});

test('ls --format prints a template a volume, or a table; -f name=, node=, dangling= keep some', async (t) => {
  const { url } = await manager(t);
  const ls = async (flags: { format?: string; filter?: string[]; quiet?: boolean }): Promise<string> =>
    (await captured((io) => listVolumes({ manager: url, ...flags }, io))).out;
  assert.equal(await ls({ format: '{{.Name}}@{{.Node}} {{.Links}}' }), 'db-data@w1 0\ncache@w2 0\n');
  assert.equal(await ls({ format: 'table {{.Name}}\t{{.InUseBy}}' }), 'NAME     IN USE BY\ndb-data  -\ncache    -\n');
  assert.equal(await ls({ filter: ['name=ach'], quiet: true }), 'cache\n');
  assert.equal(await ls({ filter: ['node=w1', 'node=w2'], format: '{{.Name}}' }), 'db-data\ncache\n');
  assert.equal(await ls({ filter: ['dangling=false'], quiet: true }), '', 'none is in use');
  assert.match(await ls({ filter: ['name=db'] }), /^NAME +NODE +CREATED +IN USE BY\ndb-data +w1 +\S+ ago +-\n$/);
  await assert.rejects(
    captured((io) => listVolumes({ manager: url, filter: ['driver=local'] }, io)),
    {
      message: '--filter is "driver=local"; use name=PART, node=NAME or dangling=true|false (repeat: any of several)',
    },
  );
  await assert.rejects(
    captured((io) => listVolumes({ manager: url, format: '{{.Driver}}' }, io)),
    {
      message: /^--format has \{\{\.Driver\}\}, which is not a field: .* one of \.Name, \.Node, \.Created/,
    },
  );
});

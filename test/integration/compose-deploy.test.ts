import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServiceView } from '../../src/api/index.js';
import type { DeployResult } from '../../src/cli/deploy-action.js';
import { LABEL_TEST_RUN } from '../../testkit/cleanup.js';
import { TestCluster } from './helpers/cluster.js';
import { containersWithLabel, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon deploy` as a user runs it: a Compose file in a directory of its own (the stack is
// named after it), against a real manager and two real workers on the real engine.
// Exec checks every 2 s, not faster: one `docker exec` costs the engine about 110 ms of CPU here,
// and six containers checked every 500 ms kept a 2-core machine's engine so busy that execs took
// longer than the check's timeout (the interval) and healthy replicas were failed and replaced.

// The image comes from the directory's .env (`${SHOP_IMAGE}`) and the api's API_VERSION from an
// env_file beside the Compose file, as a docker compose user writes them.
function composeFile(runId: string, withCache: boolean, webReplicas = 2): string {
  return `
x-task: &task
  image: "\${SHOP_IMAGE:?the .env names it}"
  command: [sleep, "600"]
  expose: ["8080"]
  labels: {${LABEL_TEST_RUN}: ${runId}}
  healthcheck: {test: [CMD, "true"], interval: 2s, retries: 3}
services:
  web:
    <<: *task
    depends_on: [api]
    deploy: {replicas: ${webReplicas}, update_config: {parallelism: 2, monitor: 500ms}}
  api:
    <<: *task
    env_file: [api.env]
    environment: {RUN: "\${SHOP_RUN}"}
    deploy: {update_config: {monitor: 500ms, order: start-first}}
${
  withCache
    ? `  cache:
    <<: *task
    networks: [back]
`
    : ''
}`;
}

describe('poseidon deploy: a Compose file with three services, against a real cluster', () => {
  const c = new TestCluster();
  let file: string;
  const write = (apiVersion: string, withCache: boolean, webReplicas = 2): void => {
    writeFileSync(file, composeFile(c.runId, withCache, webReplicas));
    writeFileSync(join(dirname(file), 'api.env'), `# the api's settings\nAPI_VERSION="${apiVersion}"\n`);
  };
  const deploy = async (...flags: string[]): Promise<{ result: DeployResult; stderr: string }> => {
    const run = await c.cli(['deploy', '-f', file, '--json', ...flags]);
    assert.equal(run.code, 0, run.stderr);
    return { result: JSON.parse(run.stdout) as DeployResult, stderr: run.stderr };
  };
  const services = async (): Promise<Map<string, ServiceView>> =>
    new Map((await c.client.listServices()).map((s) => [s.name, s]));
  const allHealthy = (names: readonly string[]): Promise<Map<string, ServiceView>> =>
    waitFor(
      async () => {
        const now = await services();
        const ok = names.every((n) => {
          const v = now.get(n);
          return v !== undefined && v.healthy === v.replicas && (v.update === null || v.update.state === 'completed');
        });
        if (ok) return now;
        // Thrown, not returned, so a timeout names what each service looked like last.
        const seen = names.map((n) => {
          const v = now.get(n);
          return v === undefined
            ? `${n} missing`
            : `${n} ${v.healthy}/${v.replicas} healthy, v${v.version}, update ${v.update?.state ?? 'none'}`;
        });
        throw new Error(seen.join('; '));
      },
      { what: `${names.join(', ')} healthy and not updating`, timeoutMs: 90_000 },
    );

  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    mkdirSync(join(c.dir, 'shop'));
    file = join(c.dir, 'shop', 'compose.yaml');
    writeFileSync(join(c.dir, 'shop', '.env'), `SHOP_IMAGE=${TEST_IMAGE}\nSHOP_RUN=${c.runId}\n`);
  });
  after(() => c.close());

  test('a dry run prints what it would create and the warnings, and changes nothing', async () => {
    write('1', true);
    const { result } = await deploy('--dry-run');
    assert.equal(result.stack, 'shop');
    assert.deepEqual(result.created, ['shop-web', 'shop-api', 'shop-cache']);
    assert.deepEqual(result.warnings, [
      'not supported by Poseidon, ignored: services.web.depends_on, services.cache.networks',
    ]);
    assert.deepEqual(await c.client.listServices(), []);
    const table = await c.cli(['deploy', '-f', file, '--dry-run']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stderr, /warning: not supported by Poseidon, ignored: services\.web\.depends_on/);
    assert.match(table.stdout, /^create +shop-web/m);
    assert.match(table.stdout, /dry run: nothing was changed/);
  });

  test("docker stack deploy's spelling, -c FILE STACK, is -f FILE --name STACK; a missing or doubled file is one line", async () => {
    write('1', true);
    const docker = await c.cli(['deploy', '-c', file, 'store', '--dry-run', '--json']);
    assert.equal(docker.code, 0, docker.stderr);
    const result = JSON.parse(docker.stdout) as DeployResult;
    assert.equal(result.stack, 'store');
    assert.deepEqual(result.created, ['store-web', 'store-api', 'store-cache']);
    // several -c files merge in order, as docker stack deploy merges them: the override's
    // fragment scales web and adds a service (before, the last file alone was read: no image)
    const override = join(dirname(file), 'prod.yaml');
    writeFileSync(override, 'services:\n  web: {deploy: {replicas: 5}}\n  extra: {image: "${SHOP_IMAGE}"}\n');
    const merged = await c.cli(['deploy', '-c', file, '-c', override, 'store', '--dry-run', '--json']);
    assert.equal(merged.code, 0, merged.stderr);
    const plan = JSON.parse(merged.stdout) as DeployResult;
    assert.deepEqual(plan.created, ['store-web', 'store-api', 'store-cache', 'store-extra']);
    for (const [args, message] of [
      [
        ['deploy', 'store'],
        /^poseidon: no Compose file here \(compose\.yaml, compose\.yml, docker-compose\.yaml, docker-compose\.yml\); name one: poseidon deploy -f FILE \(or -c FILE\)$/m,
      ],
      [['deploy', '-f', file, '-c', file], /^poseidon: both -f and -c: name every Compose file with one of them/m],
      [
        ['deploy', '-c', file, 'store', '--name', 'shop'],
        /^poseidon: two stack names, store and --name shop: give one$/m,
      ],
    ] as const) {
      const refused = await c.cli([...args], c.dir); // a directory with no Compose file
      assert.equal(refused.code, 1, args.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.deepEqual(await c.client.listServices(), []);
  });

  test('deploy in the directory of compose.yaml creates the three services, and --wait returns once all are healthy; a second deploy changes nothing', async () => {
    const first = await c.cli(['deploy', '--wait'], dirname(file));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^stack shop: 3 created, 0 updated, 0 removed, 0 unchanged$/m);
    for (const line of ['shop-web: 2/2', 'shop-api: 1/1', 'shop-cache: 1/1'])
      assert.match(first.stdout, new RegExp(`^service ${line} replicas healthy$`, 'm'), first.stdout);
    // healthy when it returned, not later
    for (const s of await c.client.listServices()) assert.equal(s.healthy, s.replicas, s.name);
    const before = await allHealthy(['shop-web', 'shop-api', 'shop-cache']);
    assert.equal(before.get('shop-web')?.replicas, 2);
    assert.equal(before.get('shop-web')?.spec.labels?.['poseidon.stack'], 'shop');

    const again = await deploy();
    assert.deepEqual([again.result.created, again.result.updated], [[], []]);
    assert.deepEqual(again.result.unchanged, ['shop-web', 'shop-api', 'shop-cache']);
    const now = await services();
    for (const [name, v] of before) assert.equal(now.get(name)?.version, v.version, name);
  });

  test('a redeploy with one change updates only that service: it alone gets a new version', async () => {
    const before = await services();
    write('2', true);
    const { result } = await deploy('--wait');
    assert.deepEqual(result.updated, [{ name: 'shop-api', newVersion: true, changes: ['task.env'] }]);
    const done = (await services()).get('shop-api');
    assert.deepEqual([done?.update?.state, done?.healthy], ['completed', 1], '--wait returned once the rollout ended');
    assert.deepEqual(result.unchanged, ['shop-web', 'shop-cache']);
    const after = await allHealthy(['shop-web', 'shop-api', 'shop-cache']);
    assert.equal(after.get('shop-api')?.version, (before.get('shop-api')?.version ?? 0) + 1);
    assert.deepEqual(after.get('shop-api')?.spec.task.env, { API_VERSION: '2', RUN: c.runId });
    assert.equal(after.get('shop-api')?.spec.task.image, TEST_IMAGE, "the image named in the directory's .env");
    for (const name of ['shop-web', 'shop-cache'])
      assert.equal(after.get(name)?.version, before.get(name)?.version, `${name} kept its version`);
  });

  test('a change of replicas alone scales the service: no new version', async () => {
    const before = await services();
    write('2', true, 3);
    const { result } = await deploy();
    assert.deepEqual(result.updated, [{ name: 'shop-web', newVersion: false, changes: ['replicas'] }]);
    const after = await allHealthy(['shop-web', 'shop-api', 'shop-cache']);
    assert.equal(after.get('shop-web')?.healthy, 3);
    assert.equal(after.get('shop-web')?.version, before.get('shop-web')?.version);
    write('2', true);
    // --wait of a scale down returns once the replica it stops has ended (it returned at once, before)
    const down = await deploy('--wait');
    assert.deepEqual(down.result.updated, [{ name: 'shop-web', newVersion: false, changes: ['replicas'] }]);
    const left = (await c.client.serviceTasks('shop-web')).filter(
      (t) => t.state === 'Running' || t.state === 'Scheduled',
    );
    assert.deepEqual(left.map((t) => t.slot).sort(), [1, 2], 'slot 3 ended before deploy --wait returned');
  });

  test('a service dropped from the file is kept without --prune, listed by --dry-run --prune, removed by --prune', async () => {
    write('2', false);
    const kept = await deploy();
    assert.deepEqual([kept.result.kept, kept.result.removed], [['shop-cache'], []]);
    assert.ok((await services()).has('shop-cache'));

    const dry = await deploy('--prune', '--dry-run');
    assert.deepEqual(dry.result.removed, ['shop-cache']);
    assert.ok((await services()).has('shop-cache'), 'a dry run removes nothing');

    const pruned = await deploy('--prune');
    assert.deepEqual(pruned.result.removed, ['shop-cache']);
    assert.deepEqual(pruned.result.unchanged, ['shop-web', 'shop-api']);
    assert.deepEqual([...(await services()).keys()].sort(), ['shop-api', 'shop-web']);
  });

  test('stack ls, services and ps show the stack; stack deploy is deploy; stack rm removes its services and their containers', async () => {
    const ls = await c.cli(['stack', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^NAME +SERVICES +REPLICAS\nshop +2 +[0-3]\/3\n$/); // healthy of wanted
    const listed = await c.cli(['stack', 'services', 'shop']);
    assert.deepEqual(
      listed.stdout
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(/ +/)[0]),
      ['shop-api', 'shop-web'],
    );
    const ps = await c.cli(['stack', 'ps', 'shop', '--json']);
    const tasks = JSON.parse(ps.stdout) as Array<{ service: string; state: string }>;
    assert.deepEqual(tasks.map((t) => t.service).sort(), ['shop-api', 'shop-web', 'shop-web']);
    const same = await c.cli(['stack', 'deploy', '-c', file, 'shop', '--json']);
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual((JSON.parse(same.stdout) as DeployResult).unchanged, ['shop-web', 'shop-api']);

    const typo = await c.cli(['stack', 'rm', 'shop', 'shpo']);
    assert.deepEqual(
      [typo.code, typo.stdout, typo.stderr],
      [
        1,
        '',
        'poseidon: no stack shpo: no service was deployed under that name (poseidon stack ls lists the stacks)\n',
      ],
    );
    assert.equal((await services()).size, 2, 'nothing removed when one stack named is not there');
    const rm = await c.cli(['stack', 'rm', 'shop']);
    assert.deepEqual(
      [rm.code, rm.stdout],
      [0, 'stack shop: removed 2 services (shop-api, shop-web); their tasks are stopping\n'],
    );
    assert.equal((await services()).size, 0);
    await waitFor(async () => (await containersWithLabel(LABEL_TEST_RUN, c.runId)).length === 0 || undefined, {
      what: "the stack's containers removed",
      timeoutMs: 60_000,
    });
    assert.equal((await c.cli(['stack', 'ls'])).stdout, 'no stacks (poseidon deploy makes one from a Compose file)\n');
  });
});

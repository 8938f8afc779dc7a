import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManagerClient } from '../../src/client/index.js';
import { RemoteError } from '../../src/errors/index.js';
import { LABEL_TEST_RUN } from '../../testkit/cleanup.js';
import { tlsFetch, type TlsFetchOptions } from '../../testkit/tls-fetch.js';
import { TestCluster } from './helpers/cluster.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// Secrets and configs against a real manager, two real workers over mutual TLS and the real
// engine: a task reads them as files with the owner and mode it asked for; a secret's value is in
// no answer, no store and no data dir, lives on a memory file system while its task runs and goes
// when it ends; only the node a task is placed on gets the values; what is refused changes nothing.

const c = new TestCluster();
type Creds = { nodeId: string; cert: string; key: string };
let a: Creds;
let b: Creds;
/** A value no other file here holds: found anywhere, it leaked. */
const value = `pw-${randomBytes(12).toString('hex')}`;

/** Every file under `dir` that holds `needle`, by path. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) found.push(path);
  }
  return found.sort();
}

function asNode(creds: Creds, body: unknown): TlsFetchOptions {
  return {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    tls: { ca: c.access.caPem, cert: creds.cert, key: creds.key },
  };
}

async function refused(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RemoteError, String(err));
    assert.equal(err.code, code);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

describe('secrets and configs on the real engine', () => {
  let readerId = '';
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    await c.startWorker('b');
    a = await c.nodeCredentials('a');
    b = await c.nodeCredentials('b');
    await c.client.createFile('secret', { name: 'db-pass', data: Buffer.from(value) });
    await c.client.createFile('config', { name: 'app.conf', data: Buffer.from('level=debug\n') });
    const script = [
      'cat /run/secrets/db-pass; echo',
      'cat /etc/pw; echo',
      'stat -c "%a %u %g" /run/secrets/db-pass /etc/pw /etc/app.conf',
      'cat /etc/app.conf',
      '(echo x > /run/secrets/db-pass) 2>/dev/null || echo read-only',
      'sleep 600',
    ].join('; ');
    const task = c.task('reader', {
      command: ['sh', '-c', script],
      constraints: [`node.name == ${c.workerName('a')}`],
      secrets: [{ source: 'db-pass' }, { source: 'db-pass', target: '/etc/pw', mode: '0400', uid: '1000', gid: 2000 }],
      configs: [{ source: 'app.conf', target: '/etc/app.conf', mode: '0440' }],
    });
    readerId = (await c.client.submit(task)).id;
    await c.allInState([readerId], 'Running');
  });
  after(() => c.close());

  test('a task reads them as read-only files, at the targets, with the owner and mode it asked for', async () => {
    const out = await waitFor(
      async () => ((await c.logText(readerId)).includes('read-only') ? c.logText(readerId) : undefined),
      {
        what: 'the task to read its files',
      },
    );
    assert.equal(
      out,
      `${value}\n${value}\n444 0 0\n400 1000 2000\n440 0 0\nlevel=debug\nread-only\n`,
      'the secret twice (default target and /etc/pw), modes and owners, the config, and no write',
    );
  });

  test("a secret's value is in no answer, no store and no data dir; its file is on /dev/shm while the task runs", async () => {
    const [listed] = await c.client.listFiles('secret');
    assert.deepEqual(
      { ...listed, createdAt: undefined },
      { name: 'db-pass', kind: 'secret', size: value.length, labels: {}, createdAt: undefined, inUseBy: [readerId] },
    );
    assert.equal((await c.client.getFile('secret', 'db-pass')).data, undefined);
    const config = await c.client.getFile('config', 'app.conf');
    assert.equal(Buffer.from(config.data ?? '', 'base64').toString(), 'level=debug\n', "a config's value is shown");
    // sealed in the manager's store; never in a worker's (its records hold the reference only)
    assert.deepEqual(await filesHolding(c.dir, value), []);
    const shm = join('/dev/shm', `poseidon-${a.nodeId}`);
    assert.deepEqual(await filesHolding(shm, value), [
      join(shm, `${readerId}.1`, '0'),
      join(shm, `${readerId}.1`, '1'),
    ]);
  });

  test('only the node the task is placed on gets the values, under its generation; a person gets none', async () => {
    const url = (node: Creds): string => `${c.manager.url}/nodes/${node.nodeId}/task-files`;
    const own = await tlsFetch(url(a), asNode(a, { taskId: readerId, generation: 1 }));
    assert.equal(own.status, 200);
    const files = (own.json() as { files: Array<{ name: string; data: string }> }).files;
    assert.deepEqual(
      files.map((f) => [f.name, Buffer.from(f.data, 'base64').toString()]),
      [
        ['db-pass', value],
        ['app.conf', 'level=debug\n'],
      ],
    );
    const other = await tlsFetch(url(b), asNode(b, { taskId: readerId, generation: 1 }));
    assert.equal(other.status, 403, 'another node, for itself');
    assert.doesNotMatch(other.text(), new RegExp(value));
    assert.equal((await tlsFetch(url(a), asNode(b, { taskId: readerId, generation: 1 }))).status, 403, 'as a');
    const stale = await tlsFetch(url(a), asNode(a, { taskId: readerId, generation: 0 }));
    assert.equal(stale.status, 403, 'an older placement');
    const person = await tlsFetch(url(a), {
      ...asNode(a, { taskId: readerId, generation: 1 }),
      tls: { ca: c.access.caPem },
      headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
    });
    assert.equal(person.status, 403, 'an admin token is no node');
  });

  test('a read token lists but neither creates nor removes; a name that exists takes only its own value', async () => {
    const { token } = await c.client.createToken({ scope: 'read', name: 'reader' });
    const reader = new ManagerClient(c.access.url, undefined, { token, tls: { ca: c.access.caPem } });
    assert.deepEqual(
      (await reader.listFiles('config')).map((f) => f.name),
      ['app.conf'],
    );
    await refused(reader.createFile('secret', { name: 'x', data: Buffer.from('y') }), 'forbidden');
    await refused(reader.removeFile('config', 'app.conf'), 'forbidden');
    const again = await c.client.createFile('secret', { name: 'db-pass', data: Buffer.from(value) });
    assert.equal(again.name, 'db-pass', 'the same value again is the one there');
    await refused(
      c.client.createFile('secret', { name: 'db-pass', data: Buffer.from('other') }),
      'file_exists',
      /values never change/,
    );
    assert.deepEqual(
      (await c.client.listFiles('secret')).map((f) => f.name),
      ['db-pass'],
    );
  });

  test('a task or service naming none is refused with the field; one in use is not removed', async () => {
    await refused(
      c.client.submit(c.task('nope', { secrets: [{ source: 'missing' }] })),
      'invalid_request',
      /^secrets\[0\]\.source names no secret: create it first with `poseidon secret create missing FILE`/,
    );
    await refused(
      c.client.createService({ name: 'svc', replicas: 1, task: { image: 'x', configs: [{ source: 'nope' }] } }),
      'invalid_request',
      /^task\.configs\[0\]\.source names no config/,
    );
    await refused(c.client.removeFile('secret', 'db-pass'), 'file_in_use', new RegExp(readerId.slice(0, 8)));
    await refused(
      c.client.submit(c.task('bad', { secrets: [{ source: 'db-pass', target: '../../etc/passwd' }] })),
      'invalid_request',
      /^secrets\[0\]\.target leads out of \/run\/secrets/,
    );
    assert.equal((await c.client.listTasks()).length, 1, 'nothing was submitted');
  });

  test('the CLI: create from stdin and a file, ls and inspect without a secret value, rm refused while in use, status shows the mounts', async () => {
    const made = await c.cli(['secret', 'create', 'cli-pw', '-'], undefined, 'from-stdin');
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stdout, 'cli-pw\n');
    await writeFile(join(c.dir, 'site.conf'), 'server { listen 80; }\n');
    assert.equal((await c.cli(['config', 'create', 'site', join(c.dir, 'site.conf'), '--label', 'team=web'])).code, 0);
    const ls = await c.cli(['secret', 'ls']);
    assert.match(ls.stdout, /^NAME +SIZE +CREATED +IN USE BY\n/);
    assert.match(ls.stdout, /^cli-pw +10 B +/m);
    assert.match(ls.stdout, new RegExp(`^db-pass +${value.length} B +.* ${readerId.slice(0, 8)}`, 'm'));
    const inspect = await c.cli(['secret', 'inspect', 'cli-pw']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.doesNotMatch(inspect.stdout, /from-stdin|ZnJvbS1zdGRpbg/);
    const config = JSON.parse((await c.cli(['config', 'inspect', 'site'])).stdout) as Array<Record<string, unknown>>;
    assert.equal(config[0]?.value, 'server { listen 80; }\n');
    assert.deepEqual(config[0]?.labels, { team: 'web' });
    const rm = await c.cli(['secret', 'rm', 'cli-pw', 'db-pass', 'nope']);
    assert.equal(rm.code, 1);
    assert.equal(rm.stdout, 'cli-pw\n');
    assert.match(
      rm.stderr,
      new RegExp(`secret db-pass is in use by task reader \\(${readerId.slice(0, 8)}\\); stop the task first`),
    );
    assert.match(rm.stderr, /no secret named nope: create it with `poseidon secret create nope FILE`/);
    // status TASK says what it mounts, where and how
    const status = await c.cli(['status', readerId]);
    assert.match(status.stdout, /^Secret: +db-pass at \/run\/secrets\/db-pass, mode 0444, owner 0:0$/m);
    assert.match(status.stdout, /^Secret: +db-pass at \/etc\/pw, mode 0400, owner 1000:2000$/m);
    assert.match(status.stdout, /^Config: +app.conf at \/etc\/app.conf, mode 0440, owner 0:0$/m);
    assert.deepEqual(
      (await c.client.listFiles('secret')).map((f) => f.name),
      ['db-pass'],
    );
    // each create and remove is an event, with its name and never its value
    const events = await c.cli(['events', '--since', '10m', '--until', 'now', '--type', 'secret']);
    assert.equal(events.code, 0, events.stderr);
    assert.deepEqual(
      events.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(/ +/).slice(1).join(' ')),
      ['secret.created db-pass', 'secret.created cli-pw', 'secret.removed cli-pw'],
    );
    assert.doesNotMatch(events.stdout, new RegExp(value));
    // docker service create's flag syntax, on poseidon run
    const run = await c.cli([
      'run',
      '--name',
      'flagged',
      '--secret',
      'source=db-pass,target=/etc/pw2,mode=0400',
      '--restart',
      'never',
      '--label',
      `${LABEL_TEST_RUN}=${c.runId}`,
      TEST_IMAGE,
      'sh',
      '-c',
      'cat /etc/pw2; echo; stat -c %a /etc/pw2',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const flagged = (await c.client.listTasks()).find((t) => t.name === 'flagged');
    assert.ok(flagged !== undefined);
    await c.allInState([flagged.id], 'Completed');
    assert.equal(await c.logText(flagged.id), `${value}\n400\n`);
  });

  test("poseidon deploy creates the stack's secrets and configs, named by their values; a new value rolls the service", async () => {
    const dir = join(c.dir, 'shop');
    await mkdir(dir);
    await writeFile(join(dir, 'pw.txt'), 'stack-secret');
    const compose = (site: string): string => `
services:
  web:
    image: ${TEST_IMAGE}
    command: [sh, -c, "cat /run/secrets/db_password /etc/site.conf; echo; sleep 600"]
    labels: {${LABEL_TEST_RUN}: ${c.runId}}
    secrets: [db_password]
    configs: [{source: site, target: /etc/site.conf, mode: 0440}]
secrets:
  db_password: {file: ./pw.txt}
configs:
  site: {content: "${site}"}
`;
    const named = (key: string, value: string): string =>
      `shop-${key}-${createHash('sha256').update(value).digest('hex').slice(0, 10)}`;
    const deploy = async (site: string): Promise<string> => {
      await writeFile(join(dir, 'compose.yaml'), compose(site));
      const run = await c.cli(['deploy', '-f', join(dir, 'compose.yaml')]);
      assert.equal(run.code, 0, run.stderr);
      return run.stdout;
    };
    /** The output of the service's one replica that runs, once it has printed. */
    const replicaSays = (text: string): Promise<unknown> =>
      waitFor(
        async () => {
          for (const t of await c.client.listTasks({ service: 'shop-web', state: 'Running' }))
            if ((await c.logText(t.id)) === text) return true;
          return undefined;
        },
        { what: `a replica printing ${JSON.stringify(text)}` },
      );
    const first = await deploy('listen 8080');
    assert.match(first, new RegExp(`^create +secret +${named('db_password', 'stack-secret')}$`, 'm'));
    assert.match(first, new RegExp(`^create +config +${named('site', 'listen 8080')}$`, 'm'));
    await replicaSays('stack-secretlisten 8080\n');
    // service inspect says where each lands
    const inspect = (await c.cli(['service', 'inspect', 'shop-web'])).stdout;
    const pw = named('db_password', 'stack-secret');
    assert.match(inspect, new RegExp(`^Secret: +${pw} at /run/secrets/db_password, mode 0444, owner 0:0$`, 'm'));
    const site = named('site', 'listen 8080');
    assert.match(inspect, new RegExp(`^Config: +${site} at /etc/site.conf, mode 0440, owner 0:0$`, 'm'));
    assert.match(await deploy('listen 8080'), new RegExp(`^exists +config +${named('site', 'listen 8080')}$`, 'm'));
    assert.equal((await c.client.getService('shop-web')).version, 1, 'the same values: nothing rolls');
    // a new value: a new config, and the service rolls to it
    const second = await deploy('listen 9090');
    assert.match(second, new RegExp(`^create +config +${named('site', 'listen 9090')}$`, 'm'));
    await replicaSays('stack-secretlisten 9090\n');
    assert.equal((await c.client.getService('shop-web')).version, 2);
    // a task outside the stack mounts the stack's secret: stack rm leaves that one, and says so
    const stackSecret = named('db_password', 'stack-secret');
    const outsider = await c.client.submit(
      c.task('outsider', { command: ['sleep', '600'], secrets: [{ source: stackSecret }] }),
    );
    // as docker stack rm: the services, then what the stack's deploys made (its replicas still stopping)
    const removed = await c.cli(['stack', 'rm', 'shop']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'stack shop: removed 1 service (shop-web), 2 configs; their tasks are stopping\n');
    assert.match(
      removed.stderr,
      new RegExp(`^poseidon: secret ${stackSecret} stays: .*task outsider \\(${outsider.id.slice(0, 8)}\\)`, 'm'),
    );
    assert.deepEqual(
      [...(await c.client.listFiles('secret')), ...(await c.client.listFiles('config'))].map((f) => f.name),
      ['db-pass', stackSecret, 'app.conf', 'site'],
      'what the stack did not make stays, and what a task outside it mounts',
    );
    await c.client.stopTask(outsider.id);
    await c.client.removeFile('secret', stackSecret);
    await waitFor(async () => ((await c.client.listTasks({ service: 'shop-web' })).length === 0 ? true : undefined), {
      what: 'the stack gone',
    });
  });

  test('a manager restarted opens its secrets; files go when their task ends; then the secret can go', async () => {
    await c.restartManager();
    const client = c.client;
    await waitFor(async () => (await client.listNodes()).every((n) => n.state === 'Up') || undefined, {
      what: 'the workers back',
    });
    const id = (
      await client.submit(
        c.task('late', {
          command: ['sh', '-c', 'cat /run/secrets/db-pass; echo; sleep 600'],
          constraints: [`node.name == ${c.workerName('b')}`],
          secrets: [{ source: 'db-pass' }],
        }),
      )
    ).id;
    await c.allInState([id], 'Running');
    await waitFor(async () => ((await c.logText(id)) === `${value}\n` ? true : undefined), { what: 'the value on b' });
    await client.stopTask(readerId);
    await client.stopTask(id);
    await c.allInState([readerId, id], 'Completed');
    for (const node of [a, b]) {
      const shm = join('/dev/shm', `poseidon-${node.nodeId}`);
      await waitFor(async () => ((await readdir(shm)).length === 0 ? true : undefined), { what: `${shm} empty` });
    }
    assert.equal((await client.removeFile('secret', 'db-pass')).name, 'db-pass');
    await refused(client.getFile('secret', 'db-pass'), 'file_not_found');
  });
});

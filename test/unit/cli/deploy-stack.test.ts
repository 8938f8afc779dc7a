import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import type { FileView, ServiceSpec, ServiceTaskView, ServiceView } from '../../../src/api/index.js';
import {
  composeFileIn,
  deployStack,
  describe as describeDeploy,
  projectVariables,
  readComposeFile,
  waitForStack,
  type StackClient,
} from '../../../src/cli/deploy-action.js';
import { RemoteError } from '../../../src/errors/index.js';
import { serviceTaskView } from '../../helpers/manager-task-view.js';
import { parseDocument } from '../../../src/files/index.js';
import { parseServiceSpec } from '../../../src/service/index.js';

/** The nodes a global service runs on, in the fake. */
const GLOBAL_NODES = 2;

/** The Manager API's /services in memory: what deploy calls, recorded. */
class FakeServices implements StackClient {
  /** Each service's replicas, as service ps shows them; none unless a test sets them. */
  readonly tasks = new Map<string, ServiceTaskView[]>();
  readonly calls: string[] = [];
  readonly views = new Map<string, ServiceView>();

  seed(spec: ServiceSpec): void {
    const read = parseServiceSpec(spec);
    // as the manager's view: a job's spec shows no update or rollback block, which it has none of
    const { update: _update, rollback: _rollback, ...job } = read;
    const parsed = read.mode === 'replicated-job' || read.mode === 'global-job' ? job : read;
    const now = new Date(0).toISOString();
    const replicas = parsed.replicas ?? GLOBAL_NODES; // a global service: one on each node
    this.views.set(spec.name, {
      name: spec.name,
      version: 1,
      spec: parsed,
      mode: parsed.mode ?? 'replicated',
      replicas,
      healthy: replicas,
      running: replicas,
      image: parsed.task.image,
      update: null,
      // a job's run of its version, just begun
      ...(parsed.mode === 'replicated-job' || parsed.mode === 'global-job'
        ? { job: { state: 'running' as const, completed: 0, failed: 0, total: replicas, finishedAt: null } }
        : {}),
      createdAt: now,
      updatedAt: now,
    });
  }
  /** As the manager: a job has no rollout, and settings for one are refused. */
  #refused(spec: ServiceSpec): RemoteError | undefined {
    const job = spec.mode === 'replicated-job' || spec.mode === 'global-job';
    const block = spec.update !== undefined ? 'update' : spec.rollback !== undefined ? 'rollback' : undefined;
    return job && block !== undefined
      ? new RemoteError('invalid_request', 400, `${block} is set for a ${spec.mode}, which has no rollout`)
      : undefined;
  }
  listServices(): Promise<ServiceView[]> {
    return Promise.resolve([...this.views.values()]);
  }
  createService(spec: ServiceSpec): Promise<ServiceView> {
    this.calls.push(`create ${spec.name}`);
    const refused = this.#refused(spec);
    if (refused !== undefined) return Promise.reject(refused);
    this.seed(spec);
    return Promise.resolve(this.views.get(spec.name) as ServiceView);
  }
  updateService(name: string, spec: ServiceSpec): Promise<ServiceView> {
    this.calls.push(`update ${name}`);
    if ((spec.mode ?? 'replicated') !== this.views.get(name)?.mode)
      return Promise.reject(new RemoteError('invalid_request', 400, "mode a service's mode cannot change"));
    const refused = this.#refused(spec);
    if (refused !== undefined) return Promise.reject(refused);
    this.seed(spec);
    return Promise.resolve(this.views.get(name) as ServiceView);
  }
  getService(name: string): Promise<ServiceView> {
    const v = this.views.get(name);
    return v === undefined ? Promise.reject(new Error(`no service ${name}`)) : Promise.resolve(v);
  }
  serviceTasks(name: string): Promise<ServiceTaskView[]> {
    return Promise.resolve(this.tasks.get(name) ?? []);
  }
  removeService(name: string): Promise<unknown> {
    this.calls.push(`remove ${name}`);
    this.views.delete(name);
    return Promise.resolve({});
  }

  /** Secrets and configs by `kind/name`, with their values: the same value again is the one there, another refused. */
  readonly files = new Map<string, { view: FileView; data: Buffer }>();
  listFiles(kind: 'secret' | 'config'): Promise<FileView[]> {
    return Promise.resolve([...this.files.values()].filter((f) => f.view.kind === kind).map((f) => f.view));
  }
  createFile(
    kind: 'secret' | 'config',
    req: { name: string; data: Buffer; labels?: Record<string, string> },
  ): Promise<FileView> {
    const known = this.files.get(`${kind}/${req.name}`);
    if (known !== undefined) {
      if (known.data.equals(req.data)) return Promise.resolve(known.view);
      return Promise.reject(
        new RemoteError('file_exists', 409, `${kind} ${req.name} exists with another value; values never change`),
      );
    }
    this.calls.push(`create ${kind} ${req.name}`);
    const view: FileView = {
      name: req.name,
      kind,
      size: req.data.length,
      labels: req.labels ?? {},
      createdAt: new Date(0).toISOString(),
      inUseBy: [],
    };
    this.files.set(`${kind}/${req.name}`, { view, data: req.data });
    return Promise.resolve(view);
  }
  /** What a removal answers instead of removing, when set. */
  removeRefusal: RemoteError | undefined;
  removeFile(kind: 'secret' | 'config', name: string): Promise<unknown> {
    this.calls.push(`remove ${kind} ${name}`);
    if (this.removeRefusal !== undefined) return Promise.reject(this.removeRefusal);
    this.files.delete(`${kind}/${name}`);
    return Promise.resolve({});
  }
}

/** The name a stack gives a value it makes: `<stack>-<key>-` and 10 hex digits of the value's SHA-256. */
const named = (prefix: string, value: string): string =>
  `${prefix}-${createHash('sha256').update(value).digest('hex').slice(0, 10)}`;

const FILE = `
services:
  web: {image: "poseidon/busybox:latest", command: "httpd -f -p 8080", deploy: {replicas: 2}}
  api: {image: "poseidon/busybox:latest", command: [sleep, "300"]}
  cache: {image: "poseidon/busybox:latest", command: [sleep, "300"], depends_on: [api]}
`;
const options = { stack: 'shop', baseDir: '/srv/shop', prune: false, dryRun: false };
const doc = (text: string): Promise<unknown> => parseDocument(text, 'compose.yaml');

test('a dry run reports what it would create, and calls nothing that changes the cluster', async () => {
  const api = new FakeServices();
  const r = await deployStack(api, await doc(FILE), { ...options, dryRun: true });
  assert.deepEqual(r.created, ['shop-web', 'shop-api', 'shop-cache']);
  assert.deepEqual(r.warnings, [
    'not supported by Poseidon, ignored: services.cache.depends_on',
    'services.api: no ports or expose, so services.cache, which names it, cannot reach it ' +
      '(list the ports it serves: expose: ["5432"] binds no host port)',
  ]);
  assert.equal(r.dryRun, true);
  assert.deepEqual(api.calls, []);
});

test('a deploy creates the new, updates only the changed, and removes the missing only with prune', async () => {
  const api = new FakeServices();
  await deployStack(api, await doc(FILE), options);
  assert.deepEqual(api.calls, ['create shop-web', 'create shop-api', 'create shop-cache']);
  api.calls.length = 0;

  const again = await deployStack(api, await doc(FILE), options);
  assert.deepEqual([again.created, again.updated, again.unchanged], [[], [], ['shop-web', 'shop-api', 'shop-cache']]);
  assert.deepEqual(api.calls, []);

  const changed = FILE.replace('command: [sleep, "300"]}', 'command: [sleep, "301"]}').replace(/ {2}cache:.*\n/, '');
  const kept = await deployStack(api, await doc(changed), options);
  assert.deepEqual(kept.updated, [{ name: 'shop-api', newVersion: true, changes: ['task.command'] }]);
  assert.deepEqual([kept.kept, kept.removed], [['shop-cache'], []]);
  assert.deepEqual(api.calls, ['update shop-api']);
  api.calls.length = 0;

  const pruned = await deployStack(api, await doc(changed), { ...options, prune: true });
  assert.deepEqual([pruned.removed, pruned.unchanged], [['shop-cache'], ['shop-web', 'shop-api']]);
  assert.deepEqual(api.calls, ['remove shop-cache']);
});

test('a global service deploys without replicas; the same file again leaves it unchanged', async () => {
  const api = new FakeServices();
  const file = FILE.replace('deploy: {replicas: 2}', 'deploy: {mode: global}');
  const first = await deployStack(api, await doc(file), options);
  assert.deepEqual(first.created, ['shop-web', 'shop-api', 'shop-cache']);
  const web = api.views.get('shop-web');
  assert.equal(web?.mode, 'global');
  assert.equal(web?.spec.mode, 'global');
  assert.equal('replicas' in (web?.spec ?? {}), false);
  api.calls.length = 0;

  const again = await deployStack(api, await doc(file), options);
  assert.deepEqual([again.updated, again.unchanged], [[], ['shop-web', 'shop-api', 'shop-cache']]);
  assert.deepEqual(api.calls, []);
});

const JOBS = `${FILE}  migrate:
    image: "poseidon/busybox:latest"
    command: [sh, -c, "echo migrated"]
    deploy: {mode: replicated-job, replicas: 3, update_config: {parallelism: 2}}
  prune: {image: "poseidon/busybox:latest", command: [true], deploy: {mode: global-job}}
`;

test("jobs deploy with no rollout settings (a job's update_config is a warning); a new version runs one again", async () => {
  const api = new FakeServices();
  const first = await deployStack(api, await doc(JOBS), options);
  assert.deepEqual(first.created, ['shop-web', 'shop-api', 'shop-cache', 'shop-migrate', 'shop-prune']);
  assert.deepEqual(first.jobs, ['shop-migrate', 'shop-prune']);
  assert.match(
    first.warnings.join('\n'),
    /^not supported by Poseidon, ignored: .*services\.migrate\.deploy\.update_config \(a replicated-job has no rollout: an update runs it again\)/,
  );
  const migrate = api.views.get('shop-migrate');
  assert.deepEqual([migrate?.mode, migrate?.replicas], ['replicated-job', 3]);
  assert.equal(api.views.get('shop-prune')?.mode, 'global-job');
  api.calls.length = 0;

  const again = await deployStack(api, await doc(JOBS), options);
  assert.deepEqual(again.unchanged, ['shop-web', 'shop-api', 'shop-cache', 'shop-migrate', 'shop-prune']);
  assert.deepEqual(api.calls, []);

  const changed = await deployStack(api, await doc(JOBS.replace('echo migrated', 'echo again')), options);
  assert.deepEqual(changed.updated, [{ name: 'shop-migrate', newVersion: true, changes: ['task.command'] }]);
  assert.deepEqual(changed.jobs, ['shop-migrate']);
  assert.deepEqual(api.calls, ['update shop-migrate']);
  assert.deepEqual(describeDeploy(changed).split('\n'), [
    'ACTION     SERVICE       CHANGES',
    'update     shop-migrate  new version, the job runs again: task.command',
    'unchanged  shop-web',
    'unchanged  shop-api',
    'unchanged  shop-cache',
    'unchanged  shop-prune',
    'stack shop: 0 created, 1 updated, 0 removed, 4 unchanged',
  ]);
  const fresh = await deployStack(new FakeServices(), await doc(JOBS), { ...options, dryRun: true });
  assert.match(describeDeploy(fresh), /^create +shop-migrate +a job: runs to completion$/m);
  assert.match(describeDeploy(fresh), /^create +shop-web$/m);

  // a service made a job is a change of mode, which the deploy refuses naming both modes
  const moved = JOBS.replace('deploy: {replicas: 2}', 'deploy: {mode: replicated-job, replicas: 2}');
  await assert.rejects(deployStack(api, await doc(moved), options), {
    message:
      /^services\.web\.deploy\.mode is replicated-job, and service shop-web is replicated: a service's mode cannot change/,
  });
});

test('--wait on a job: until its run ends; a failed run is a failed deploy', async () => {
  const fake = new FakeServices();
  const file = `services:\n  migrate: {image: "poseidon/busybox:latest", deploy: {mode: replicated-job, replicas: 3}}\n`;
  const result = await deployStack(fake, await doc(file), options);
  const view = fake.views.get('shop-migrate') as ServiceView;
  const run = (state: 'complete' | 'failed'): ServiceView['job'] => ({
    state,
    completed: state === 'complete' ? 3 : 2,
    failed: state === 'complete' ? 0 : 1,
    total: 3,
    finishedAt: view.createdAt,
  });
  await assert.rejects(
    waitForStack(fake, result, 0, () => {}),
    {
      code: 'wait_timed_out',
      message: /^service shop-migrate: job still running, 0\/3 completed after 0s/,
    },
  );
  fake.views.set('shop-migrate', { ...view, running: 0, job: run('complete') });
  const lines: string[] = [];
  assert.equal(await waitForStack(fake, result, 1_000, (l) => lines.push(l)), true);
  assert.deepEqual(lines, ['service shop-migrate: job complete, 3/3 completed']);
  fake.views.set('shop-migrate', { ...view, running: 0, job: run('failed') });
  lines.length = 0;
  assert.equal(await waitForStack(fake, result, 1_000, (l) => lines.push(l)), false);
  assert.deepEqual(lines, ['service shop-migrate: job failed, 2/3 completed, 1 failed']);
});

test('a change of mode is listed by a dry run, with the warning that the deploy is refused; the deploy changes nothing', async () => {
  const api = new FakeServices();
  await deployStack(api, await doc(FILE), options);
  api.calls.length = 0;
  // web: replicated → global, and api changed too: nothing may change halfway
  const file = FILE.replace('deploy: {replicas: 2}', 'deploy: {mode: global}').replace('"300"]}', '"301"]}');
  const dry = await deployStack(api, await doc(file), { ...options, dryRun: true });
  assert.deepEqual(
    dry.updated.map((u) => [u.name, u.changes]),
    [
      ['shop-web', ['mode', 'replicas']],
      ['shop-api', ['task.command']],
    ],
  );
  assert.match(
    dry.warnings.at(-1) ?? '',
    /^services\.web\.deploy\.mode is global, and service shop-web is replicated: a service's mode cannot change \(remove it with poseidon service rm shop-web, then deploy\); the deploy would be refused$/,
  );
  await assert.rejects(deployStack(api, await doc(file), options), {
    message:
      /^services\.web\.deploy\.mode is global, and service shop-web is replicated: a service's mode cannot change/,
  });
  assert.deepEqual(api.calls, []);
});

test('a misspelt Compose key stops the deploy and the dry run before anything changes: replica: does not scale to 1', async () => {
  const api = new FakeServices();
  await deployStack(api, await doc(FILE), options);
  api.calls.length = 0;
  // as found: deploy.replicas written replica, which used to be a warning and left the service at 1 replica
  const bad = FILE.replace('deploy: {replicas: 2}', 'deploy: {replica: 2}');
  const refused = { message: 'services.web.deploy.replica is not a Compose key (did you mean replicas?)' };
  await assert.rejects(deployStack(api, await doc(bad), { ...options, dryRun: true }), refused);
  await assert.rejects(deployStack(api, await doc(bad), options), refused);
  assert.deepEqual(api.calls, []);
  assert.equal(api.views.get('shop-web')?.replicas, 2);
});

test('a file the manager would refuse changes nothing; the error names the Compose service', async () => {
  const api = new FakeServices();
  const bad = `${FILE}  db: {image: "Not An Image"}\n`;
  await assert.rejects(deployStack(api, await doc(bad), options), { message: /^services\.db\.task\.image/ });
  assert.deepEqual(api.calls, []);
});

test("the variables: the shell's environment over the .env beside the Compose file, as docker compose has them", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-compose-env-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.deepEqual(projectVariables(dir, { A: 'shell' }), { A: 'shell' }, 'no .env: the shell alone');
  await writeFile(join(dir, '.env'), '# defaults\nA=file\nB="from the file"\n');
  assert.deepEqual(projectVariables(dir, { A: 'shell' }), { A: 'shell', B: 'from the file' });
  // one that is there and cannot be read is said in words, not as Node's code
  const other = await mkdtemp(join(tmpdir(), 'poseidon-compose-env-'));
  t.after(() => rm(other, { recursive: true, force: true }));
  await mkdir(join(other, '.env'));
  assert.throws(() => projectVariables(other, {}), {
    message: `${join(other, '.env')} cannot be read: it is a directory; give a file`,
  });
});

test('without -f, the Compose file is the one docker compose finds: compose.yaml first, docker-compose.yml last', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-compose-name-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.throws(() => composeFileIn(dir), {
    code: 'invalid_request',
    message:
      'no Compose file here (compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml); ' +
      'name one: poseidon deploy -f FILE (or -c FILE)',
  });
  await writeFile(join(dir, 'docker-compose.yml'), 'services: {}\n');
  assert.equal(composeFileIn(dir), join(dir, 'docker-compose.yml'));
  await writeFile(join(dir, 'compose.yaml'), 'services: {}\n');
  assert.equal(composeFileIn(dir), join(dir, 'compose.yaml'));
});

test('--wait: true when every created service is healthy and every rollout completed; false when one rolled back; a timeout names the service', async () => {
  const fake = new FakeServices();
  const result = await deployStack(fake, await doc(FILE), options);
  const lines: string[] = [];
  assert.equal(await waitForStack(fake, result, 1_000, (l) => lines.push(l)), true);
  assert.deepEqual(lines, [
    'service shop-web: 2/2 replicas healthy',
    'service shop-api: 1/1 replicas healthy',
    'service shop-cache: 1/1 replicas healthy',
  ]);

  const api = fake.views.get('shop-api') as ServiceView;
  const rollout = (state: 'rolled_back' | 'completed'): ServiceView['update'] => ({
    state,
    fromVersion: 1,
    toVersion: 2,
    updated: 0,
    total: 1,
    failed: state === 'rolled_back' ? 1 : 0,
    startedAt: api.createdAt,
    deadline: api.createdAt,
    finishedAt: api.createdAt,
    reason: state === 'rolled_back' ? 'a new replica failed' : 'every replica runs version 2',
  });
  const updated = { ...result, created: [], updated: [{ name: 'shop-api', newVersion: true, changes: ['task.env'] }] };
  fake.views.set('shop-api', { ...api, update: rollout('rolled_back') });
  assert.equal(await waitForStack(fake, updated, 1_000, () => {}), false, 'a rollback is a failed deploy');
  fake.views.set('shop-api', { ...api, update: rollout('completed') });
  assert.equal(await waitForStack(fake, updated, 1_000, () => {}), true);

  fake.views.set('shop-web', { ...(fake.views.get('shop-web') as ServiceView), healthy: 1 });
  await assert.rejects(
    waitForStack(fake, result, 0, () => {}),
    {
      code: 'wait_timed_out',
      message: /^service shop-web: 1\/2 healthy after 0s/,
    },
  );
  // a replica no node could ever hold ends the deploy's wait at once, naming it and what to do
  const reason = '0/1 nodes could ever hold it: 1 node has less than 64 cores in all (the biggest, n1, has 4 cores)';
  const never = serviceTaskView(2, { service: 'shop-web', name: 'shop-web-2', state: 'Pending', node: null });
  fake.tasks.set('shop-web', [
    serviceTaskView(1, { service: 'shop-web', name: 'shop-web-1' }),
    { ...never, unplaceable: { reason, cause: 'cpu' } },
  ]);
  await assert.rejects(
    waitForStack(fake, result, 60_000, () => {}),
    {
      code: 'unplaceable',
      message: `service shop-web: shop-web-2 cannot be placed: ${reason}; lower --cpu, or add a node with that many cores (it stays Pending: poseidon service ps shop-web)`,
    },
  );
});

const WITH_FILES = `
services:
  db:
    image: "poseidon/busybox:latest"
    command: [sleep, "300"]
    secrets: [db_password, {source: tls, target: /etc/tls.key, mode: 0400}]
    configs: [{source: motd, target: /etc/motd}]
secrets:
  db_password: {file: ./db_password.txt}
  tls: {external: true, name: shared-tls}
configs:
  motd: {content: "hello \${WHO}"}
`;

test('a deploy creates the secrets and configs its services mount before the services, named by their values', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-compose-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'db_password.txt'), 'hunter2');
  const api = new FakeServices();
  const opts = { ...options, baseDir: dir, variables: { WHO: 'world' } };
  // an external one the manager does not have: refused before anything changes, even in a dry run
  for (const dryRun of [true, false])
    await assert.rejects(deployStack(api, await doc(WITH_FILES), { ...opts, dryRun }), {
      code: 'invalid_request',
      message:
        'secrets.tls is external, and the manager has no secret named shared-tls: create it first ' +
        '(poseidon secret create shared-tls FILE), or give its value here (file:)',
    });
  assert.deepEqual(api.calls, []);
  await api.createFile('secret', { name: 'shared-tls', data: Buffer.from('key') });
  api.calls.length = 0;

  const dry = await deployStack(api, await doc(WITH_FILES), { ...opts, dryRun: true });
  const pw = named('shop-db_password', 'hunter2');
  const motd = named('shop-motd', 'hello world');
  assert.deepEqual(dry.files, [
    { kind: 'secret', name: pw, action: 'create' },
    { kind: 'secret', name: 'shared-tls', action: 'external' },
    { kind: 'config', name: motd, action: 'create' },
  ]);
  assert.deepEqual(api.calls, []);

  await deployStack(api, await doc(WITH_FILES), opts);
  assert.deepEqual(api.calls, [`create secret ${pw}`, `create config ${motd}`, 'create shop-db']);
  assert.equal(api.files.get(`secret/${pw}`)?.data.toString(), 'hunter2');
  assert.equal(api.files.get(`config/${motd}`)?.data.toString(), 'hello world');
  assert.deepEqual(api.files.get(`config/${motd}`)?.view.labels, { 'poseidon.stack': 'shop' });
  assert.deepEqual(api.views.get('shop-db')?.spec.task.secrets, [
    { source: pw, target: '/run/secrets/db_password' },
    { source: 'shared-tls', target: '/etc/tls.key', mode: 0o400 },
  ]);
  api.calls.length = 0;

  const again = await deployStack(api, await doc(WITH_FILES), opts);
  assert.deepEqual(
    again.files.map((f) => f.action),
    ['exists', 'external', 'exists'],
  );
  assert.deepEqual([again.unchanged, api.calls], [['shop-db'], []]);

  // a new value is a new name: created, the service rolls to it, and the old one (unused) goes
  await writeFile(join(dir, 'db_password.txt'), 'changed');
  const changed = await deployStack(api, await doc(WITH_FILES), opts);
  const pw2 = named('shop-db_password', 'changed');
  assert.deepEqual(api.calls, [`create secret ${pw2}`, 'update shop-db', `remove secret ${pw}`]);
  assert.deepEqual(
    changed.files.map((f) => `${f.action} ${f.name}`),
    [`create ${pw2}`, 'external shared-tls', `exists ${motd}`, `remove ${pw}`],
  );
  assert.equal(api.views.get('shop-db')?.spec.task.secrets?.[0]?.source, pw2);
  assert.ok(api.files.has('secret/shared-tls'), 'an external one is never removed');
});

test('an older value the deploy cannot remove: in use or gone meanwhile is no news; another refusal is a warning', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-compose-stale-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const api = new FakeServices();
  await api.createFile('secret', { name: 'shared-tls', data: Buffer.from('key') });
  const opts = { ...options, baseDir: dir, variables: { WHO: 'world' } };
  const deployWith = async (value: string) => {
    await writeFile(join(dir, 'db_password.txt'), value);
    return deployStack(api, await doc(WITH_FILES), opts);
  };
  await deployWith('one');
  api.removeRefusal = new RemoteError('file_in_use', 409, 'in use by task 1234abcd; stop the task first');
  const inUse = await deployWith('two');
  assert.deepEqual(inUse.warnings, []);
  api.removeRefusal = new RemoteError('forbidden', 403, 'this token may not do that');
  const refused = await deployWith('three');
  // 'one' stayed too (the in-use answer): both older values are named
  assert.deepEqual(
    refused.warnings,
    ['one', 'two'].map((v) => {
      const old = named('shop-db_password', v);
      return (
        `secret ${old}, an older value of the stack's, was not removed (this token may not do that); ` +
        `remove it with poseidon secret rm ${old}`
      );
    }),
  );
});

test("a secret's file that cannot be read stops the deploy before anything changes, naming where the file gives it", async () => {
  const api = new FakeServices();
  await assert.rejects(
    deployStack(api, await doc(WITH_FILES), { ...options, baseDir: '/nonexistent-dir', variables: {} }),
    {
      message:
        'secrets.db_password.file names ./db_password.txt, which cannot be read: no such file or directory; check the path',
    },
  );
  assert.deepEqual(api.calls, []);
});

/** `text` written to `name` in a directory of its own, removed after the test. */
async function fileIn(t: TestContext, name: string, text: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-compose-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  await writeFile(file, text);
  return { dir, file };
}

test('an empty Compose file is said to be empty; one found without -f is named as the Compose file, not as -f', async (t) => {
  const { dir, file } = await fileIn(t, 'compose.yaml', '\n');
  await assert.rejects(readComposeFile(file, '-f'), {
    message: `-f ${file} is empty; a Compose file names its services under services:`,
  });
  // named by the flag that gave it: docker stack deploy's -c too
  await assert.rejects(readComposeFile(join(dir, 'missing.yaml'), '-c'), (err: Error) => {
    assert.match(err.message, /^-c /);
    return true;
  });
  await writeFile(file, 'services:\n  web:\n   image: a\n    ports: [80\n');
  await assert.rejects(readComposeFile(file, false), (err: Error) => {
    assert.match(err.message, new RegExp(`^the Compose file ${file} is not valid YAML: `));
    return true;
  });
  await writeFile(file, 'services:\n  web:\n    image: a\n');
  assert.deepEqual(await readComposeFile(file, false), { services: { web: { image: 'a' } } });
});

test('a file that is not a Compose mapping (deploy -c /etc/hostname) is refused naming it, as a field is', async (t) => {
  const { file } = await fileIn(t, 'hostname', 'worker-7\n');
  await assert.rejects(readComposeFile(file, '-c'), {
    message: `(document) must be a mapping with a services: key (got "worker-7"), in ${file}`,
  });
  await assert.rejects(readComposeFile('-', '-c', Readable.from([Buffer.from('- web\n')])), {
    message: '(document) must be a mapping with a services: key (got a list), in stdin',
  });
});

test('-c - reads the Compose file from stdin, as docker stack deploy does; a terminal is refused, not waited on', async () => {
  const piped = Readable.from([Buffer.from('services:\n  web:\n'), Buffer.from('    image: a\n')]);
  assert.deepEqual(await readComposeFile('-', '-c', piped), { services: { web: { image: 'a' } } });
  const terminal = Object.assign(Readable.from([]), { isTTY: true });
  await assert.rejects(readComposeFile('-', '-c', terminal), {
    message: '-c - reads the Compose file from stdin, which is a terminal: pipe the file in',
  });
  await assert.rejects(readComposeFile('-', '-f', Readable.from([])), {
    message: '-f - is empty; a Compose file names its services under services:',
  });
});

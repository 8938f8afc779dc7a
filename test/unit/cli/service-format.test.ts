import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceView } from '../../../src/api/index.js';
import { listServices } from '../../../src/cli/service-action.js';
import { serviceTable } from '../../../src/cli/service-format.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

const NOW = '2026-12-04T12:00:00.000Z';

function service(name: string, over: Partial<ServiceView> = {}): ServiceView {
  return {
    name,
    version: 1,
    spec: { name, replicas: 3, task: { image: 'nginx:1.27' } },
    mode: 'replicated',
    replicas: 3,
    healthy: 3,
    running: 3,
    image: 'nginx:1.27',
    update: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

test('service ls: a MODE column before REPLICAS (healthy/wanted), as docker service ls has it', () => {
  const agent = service('agent', {
    spec: { name: 'agent', mode: 'global', task: { image: 'nginx:1.27' } },
    mode: 'global',
    replicas: 2,
    healthy: 1,
  });
  assert.equal(
    serviceTable([service('web'), agent]),
    [
      'NAME   VERSION  MODE        REPLICAS  IMAGE       UPDATE',
      'web    1        replicated  3/3       nginx:1.27  -',
      'agent  1        global      1/2       nginx:1.27  -',
    ].join('\n'),
  );
});

test("service ls: UPDATE says a rollback paused as such, with the rollback's own reason", () => {
  const rollout = {
    fromVersion: 2,
    toVersion: 1,
    updated: 0,
    total: 1,
    failed: 1,
    startedAt: NOW,
    deadline: NOW,
    finishedAt: NOW,
    reason: 'replica 1 of version 1 failed: exited with code 1',
  };
  const paused = service('web', { update: { ...rollout, state: 'rollback_paused' } });
  const updatePaused = service('api', { update: { ...rollout, state: 'paused', reason: 'replica 2 failed' } });
  const text = serviceTable([paused, updatePaused]);
  assert.match(text, /^web .* rollback paused: replica 1 of version 1 failed: exited with code 1$/m);
  assert.match(text, /^api .* paused: replica 2 failed$/m);
});

test('service ls: a view without a mode (a manager before global services) is replicated', () => {
  const { mode: _mode, ...older } = service('web');
  assert.match(serviceTable([older as ServiceView]), /^web +1 +replicated +3\/3 /m);
});

test("service ls: a job's MODE, and as REPLICAS its tasks running of the run's, then how many completed, as Swarm's", () => {
  const job = (name: string, running: number, job: NonNullable<ServiceView['job']>): ServiceView =>
    service(name, {
      spec: { name, mode: 'replicated-job', replicas: 3, task: { image: 'busybox' } },
      mode: 'replicated-job',
      running,
      healthy: running,
      image: 'busybox',
      job,
    });
  const prune = service('prune', {
    spec: { name: 'prune', mode: 'global-job', task: { image: 'busybox' } },
    mode: 'global-job',
    replicas: 2,
    running: 0,
    healthy: 0,
    image: 'busybox',
    job: { state: 'complete', completed: 2, failed: 0, total: 2, finishedAt: NOW },
  });
  assert.equal(
    serviceTable([
      job('migrate', 1, { state: 'running', completed: 2, failed: 0, total: 3, finishedAt: null }),
      job('seed', 0, { state: 'complete', completed: 3, failed: 0, total: 3, finishedAt: NOW }),
      job('backup', 0, { state: 'failed', completed: 2, failed: 1, total: 3, finishedAt: NOW }),
      prune,
    ]),
    [
      'NAME     VERSION  MODE            REPLICAS                       IMAGE    UPDATE',
      'migrate  1        replicated-job  1/3 (2/3 completed)            busybox  -',
      'seed     1        replicated-job  0/3 (3/3 completed)            busybox  -',
      'backup   1        replicated-job  0/3 (2/3 completed, 1 failed)  busybox  -',
      'prune    1        global-job      0/2 (2/2 completed)            busybox  -',
    ].join('\n'),
  );
});

test('service ls -f name= keeps the names that start so, mode= the mode; --format prints them by template', async (t) => {
  const views = [service('web'), service('web-admin', { mode: 'global' }), service('db')];
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(views));
  });
  const print = async (flags: { filter?: string[]; format?: string }): Promise<string> =>
    (await captured((io) => listServices({ manager: url, ...flags }, io))).out;
  assert.equal(
    await print({ filter: ['name=web'], format: '{{.Name}} {{.Mode}}' }),
    'web replicated\nweb-admin global\n',
  );
  assert.equal(
    await print({ filter: ['mode=global', 'mode=replicated'], format: '{{.Name}}' }),
    'web\nweb-admin\ndb\n',
  );
  assert.equal(
    await print({ filter: ['name=web', 'mode=global'], format: 'table {{.Name}}\t{{.Replicas}}' }),
    'NAME       REPLICAS\nweb-admin  3/3\n',
  );
  assert.equal(await print({ filter: ['name=zz'] }), 'no services\n');
  await assert.rejects(listServices({ manager: url, filter: ['mode=daemon'] }), {
    message: '--filter is "mode=daemon"; use mode=replicated, mode=global, mode=replicated-job, mode=global-job',
  });
  await assert.rejects(listServices({ manager: url, filter: ['label=a'] }), /^InvalidField: --filter is "label=a"/);
});

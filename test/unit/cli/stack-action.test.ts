import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceTaskView, ServiceView } from '../../../src/api/index.js';
import { stacksOf, stackTable, stackTaskTable } from '../../../src/cli/stack-action.js';

// `poseidon stack`: a stack is the services labelled poseidon.stack=<name>, grouped and summed here.

function service(name: string, stack: string | undefined, replicas: number, healthy: number): ServiceView {
  return {
    name,
    replicas,
    healthy,
    image: 'poseidon/busybox:latest',
    spec: { name, ...(stack === undefined ? {} : { labels: { 'poseidon.stack': stack } }) },
  } as unknown as ServiceView; // the fields a stack reads
}

function task(service: string, slot: number, state: string): ServiceTaskView {
  return {
    id: `${service.slice(0, 4)}${slot}000-0000-4000-8000-000000000000`,
    service,
    slot,
    version: 1,
    state,
    desiredState: 'running',
    node: 'node-a',
    reason: state.toLowerCase(),
    health: { status: 'none', failures: 0, lastOutput: '' },
  } as unknown as ServiceTaskView;
}

test('services group into stacks by their label, stacks and services in name order; others are no stack', () => {
  const stacks = stacksOf([
    service('shop-web', 'shop', 2, 1),
    service('lone', undefined, 1, 1),
    service('blog-db', 'blog', 1, 1),
    service('shop-api', 'shop', 1, 1),
  ]);
  assert.deepEqual(
    [...stacks].map(([name, services]) => [name, services.map((s) => s.name)]),
    [
      ['blog', ['blog-db']],
      ['shop', ['shop-api', 'shop-web']],
    ],
  );
  assert.equal(
    stackTable(stacks),
    'NAME  SERVICES  REPLICAS\nblog  1         1/1\nshop  2         2/3',
    'healthy over wanted, summed over the services',
  );
});

test("stack ls counts a job's run apart: a completed job has no task running and is no replica missing", () => {
  const job = (name: string, stack: string, completed: number, failed: number, total: number): ServiceView =>
    ({
      ...service(name, stack, total, 0),
      job: { state: completed + failed === total ? 'complete' : 'running', completed, failed, total, finishedAt: null },
    }) as ServiceView;
  const stacks = stacksOf([
    service('demo-api', 'demo', 2, 2),
    job('demo-once', 'demo', 1, 0, 1),
    job('demo-seed', 'demo', 1, 1, 3),
    job('batch-only', 'batch', 2, 0, 2),
  ]);
  assert.equal(
    stackTable(stacks),
    [
      'NAME   SERVICES  REPLICAS',
      'batch  1         jobs 2/2 completed',
      'demo   3         2/2, jobs 2/4 completed, 1 failed',
    ].join('\n'),
  );
});

test("stack ps lists every replica by service and slot, with the replica's state", () => {
  const lines = stackTaskTable([task('web', 2, 'Running'), task('api', 1, 'Pending'), task('web', 1, 'Running')]).split(
    '\n',
  );
  assert.deepEqual(
    lines.map((l) => l.split(/ +/).slice(0, 5)),
    [
      ['SERVICE', 'SLOT', 'TASK', 'VERSION', 'STATE'],
      ['api', '1', 'api1000-', '1', 'Pending'],
      ['web', '1', 'web1000-', '1', 'Running'],
      ['web', '2', 'web2000-', '1', 'Running'],
    ],
  );
});

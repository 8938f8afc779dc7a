import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import {
  DEFAULT_UPDATE,
  parseServiceSpec,
  slotName,
  slotTaskSpec,
  templateChanged,
} from '../../../src/service/index.js';

const web = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'] },
  ...extra,
});

function fails(body: unknown, field: string, root?: string): void {
  assert.throws(
    () => parseServiceSpec(body, root),
    (err: unknown) => err instanceof InvalidField && err.field === field,
    `expected an error naming ${field}`,
  );
}

test('every default is filled in: replicas 1, the update block, a rollback block equal to it', () => {
  const s = parseServiceSpec(web());
  assert.equal(s.replicas, 1);
  assert.deepEqual(s.update, {
    parallelism: 1,
    delay: 0,
    order: 'start-first',
    monitor: 5000,
    failureAction: 'rollback',
    maxFailureRatio: 0,
    progressDeadline: 600_000,
  });
  assert.deepEqual(s.rollback, s.update);
});

test('durations are resolved to milliseconds, and rollback takes what it leaves out from update', () => {
  const s = parseServiceSpec(
    web({
      update: { parallelism: 2, monitor: '2s', delay: '100ms', order: 'stop-first' },
      rollback: { parallelism: 3 },
    }),
  );
  assert.deepEqual(s.update, { ...DEFAULT_UPDATE, parallelism: 2, monitor: 2000, delay: 100, order: 'stop-first' });
  assert.deepEqual(s.rollback, { ...s.update, parallelism: 3 });
});

test('parsing a parsed spec gives it back unchanged (a stored spec compares equal with its file)', () => {
  const s = parseServiceSpec(web({ replicas: 3, constraints: ['node.labels.zone == a'], labels: { a: 'b' } }));
  assert.deepEqual(parseServiceSpec(JSON.parse(JSON.stringify(s))), s);
});

test('errors name the field, under the root a Compose file gives', () => {
  fails(web({ update: { parallelism: 0 } }), 'services.web.update.parallelism', 'services.web');
  fails(web({ update: { parallelism: 0 } }), 'update.parallelism');
  fails(web({ replicas: 10_001 }), 'replicas');
  fails(web({ replicas: -1 }), 'replicas');
  fails(web({ name: 'Web_1' }), 'name');
  fails(web({ update: { order: 'sideways' } }), 'update.order');
  fails(web({ update: { progressDeadline: 0 } }), 'update.progressDeadline');
  fails(web({ rollback: { monitor: '2 weeks' } }), 'rollback.monitor');
  fails(web({ unknown: 1 }), 'unknown');
  fails({ name: 'web' }, 'task');
});

test("the template is held to a task's rules: an id or name is refused, and so is a health check port it does not expose", () => {
  fails(web({ task: { image: 'poseidon/busybox:latest', name: 'x' } }), 'task.name');
  fails(
    web({ task: { image: 'poseidon/busybox:latest', healthCheck: { type: 'http', port: 8080 } } }),
    'task.healthCheck.port',
  );
  fails(web({ task: { image: 'poseidon/busybox:latest', memory: '1Ki' } }), 'task.memory');
  fails(web({ task: { image: 'Not An Image' } }), 'task.image');
});

test('a new version for a change of what runs; not for replicas, the update block or labels', () => {
  const a = parseServiceSpec(web());
  assert.equal(templateChanged(a, parseServiceSpec(web({ replicas: 5 }))), false);
  assert.equal(templateChanged(a, parseServiceSpec(web({ update: { parallelism: 4 } }))), false);
  assert.equal(templateChanged(a, parseServiceSpec(web({ labels: { x: 'y' } }))), false);
  const sameMemory = (m: unknown): ReturnType<typeof parseServiceSpec> =>
    parseServiceSpec(web({ task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], memory: m } }));
  assert.equal(templateChanged(sameMemory('64Mi'), sameMemory(64 * 2 ** 20)), false, 'units resolved');
  assert.equal(templateChanged(a, parseServiceSpec(web({ task: { image: 'poseidon/busybox:2' } }))), true);
  const env = parseServiceSpec(
    web({ task: { image: 'poseidon/busybox:latest', command: ['sleep', '600'], env: { A: '1' } } }),
  );
  assert.equal(templateChanged(a, env), true);
  assert.equal(templateChanged(a, parseServiceSpec(web({ constraints: ['node.name == n1'] }))), true);
  // a restart asked for (`service update --force`): a new counter; none is 0
  assert.equal(templateChanged(a, parseServiceSpec(web({ forceUpdate: 0 }))), false);
  assert.equal(templateChanged(a, parseServiceSpec(web({ forceUpdate: 1 }))), true);
  fails(web({ forceUpdate: -1 }), 'forceUpdate');
});

test("a replica's task: named for its slot, the service's constraints added to its own, each named volume the slot's", () => {
  const s = parseServiceSpec(
    web({
      constraints: ['node.labels.zone == a'],
      task: {
        image: 'poseidon/busybox:latest',
        constraints: ['node.name != n3'],
        volumes: [
          { name: 'db-data', path: '/var/lib/db' },
          { hostPath: '/srv/poseidon/x', path: '/x', readOnly: true },
        ],
      },
    }),
  );
  const t = slotTaskSpec(s, 2);
  assert.equal(t.name, 'web-2');
  assert.deepEqual(t.constraints, ['node.name != n3', 'node.labels.zone == a']);
  assert.deepEqual(t.volumes, [
    { name: 'db-data-2', path: '/var/lib/db' },
    { hostPath: '/srv/poseidon/x', path: '/x', readOnly: true },
  ]);
  assert.equal(s.task.volumes?.[0]?.name, 'db-data', 'the template is left as it was');
});

test('a slot name stays a DNS label: a long service name is shortened from its end', () => {
  const long = `a${'b'.repeat(61)}c`;
  assert.equal(slotName(long, 10_000).length, 63);
  assert.match(slotName(long, 10_000), /^ab+-10000$/);
  assert.equal(slotName('web', 3), 'web-3');
});

test("a stack's service gives its replicas the stack's label; its container looks up the stack's services by name", () => {
  const spec = parseServiceSpec({
    name: 'shop-db',
    task: { image: 'poseidon/busybox:latest', labels: { tier: 'data' } },
    labels: { 'poseidon.stack': 'shop' },
  });
  assert.deepEqual(slotTaskSpec(spec, 2).labels, { tier: 'data', 'poseidon.stack': 'shop' });
  // a service outside a stack: the template's labels as written
  const plain = parseServiceSpec({ name: 'web', task: { image: 'poseidon/busybox:latest' } });
  assert.equal(slotTaskSpec(plain, 1).labels, undefined);
});

test('a replica with a fixed host port or a named volume updates stop-first unless the spec says otherwise', () => {
  const task = (extra: Record<string, unknown>): Record<string, unknown> => ({
    image: 'poseidon/busybox:latest',
    ...extra,
  });
  const fixedPort = parseServiceSpec(web({ task: task({ ports: [{ container: 80, host: 8080 }] }) }));
  assert.equal(fixedPort.update.order, 'stop-first');
  assert.equal(fixedPort.rollback.order, 'stop-first');
  const volume = parseServiceSpec(web({ task: task({ volumes: [{ name: 'data', path: '/data' }] }) }));
  assert.equal(volume.update.order, 'stop-first');
  // what two copies can share: a port Docker picks, a container port alone, a host directory
  const shared = parseServiceSpec(
    web({
      task: task({
        ports: [{ container: 80 }, { container: 81, host: 0 }],
        volumes: [{ hostPath: '/srv', path: '/srv' }],
      }),
    }),
  );
  assert.equal(shared.update.order, 'start-first');
  const asked = parseServiceSpec(
    web({ task: task({ ports: [{ container: 80, host: 8080 }] }), update: { order: 'start-first' } }),
  );
  assert.deepEqual([asked.update.order, asked.rollback.order], ['start-first', 'start-first']);
  const rollbackOnly = parseServiceSpec(
    web({ task: task({ ports: [{ container: 80, host: 8080 }] }), rollback: { order: 'start-first' } }),
  );
  assert.deepEqual([rollbackOnly.update.order, rollbackOnly.rollback.order], ['stop-first', 'start-first']);
});

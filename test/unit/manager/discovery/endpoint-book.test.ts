import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointsMessage } from '../../../../src/api/index.js';
import { EndpointBook } from '../../../../src/manager/discovery/endpoint-book.js';
import { endpointState } from '../../../../src/manager/discovery/endpoint-view.js';
import type { TaskRecord } from '../../../../src/manager/records.js';
import type { ServiceRecord } from '../../../../src/manager/services/service-record.js';
import { parseServiceSpec } from '../../../../src/service/index.js';
import { DEFAULT_RESTART_POLICY, TaskState } from '../../../../src/task/index.js';
import { taskRequest } from '../../../helpers/task-request.js';

const spec = parseServiceSpec({
  name: 'web',
  task: {
    image: 'img',
    ports: [
      { container: 80, name: 'http', protocol: 'http' },
      { container: 53, protocol: 'udp' },
    ],
  },
});
const service: ServiceRecord = {
  name: 'web',
  version: 1,
  vip: '10.213.128.1',
  spec,
  previous: null,
  lastVersion: 1,
  update: null,
  createdAt: '',
  updatedAt: '',
};

function task(id: string, slot: number, fields: Partial<TaskRecord> = {}): TaskRecord {
  return {
    request: taskRequest(id, { name: `web-${slot}`, image: 'img', restartPolicy: { ...DEFAULT_RESTART_POLICY } }),
    desired: 'running',
    state: TaskState.Running,
    nodeId: 'n1',
    generation: 1,
    containerId: `c-${id}`,
    exitCode: null,
    reason: '',
    ports: [{ container: 80, host: 32768, protocol: 'tcp' }],
    address: `10.213.0.${slot + 10}`,
    restarts: 0,
    failuresInRow: 0,
    restartAt: null,
    health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
    lastExit: null,
    submittedAt: '',
    startedAt: null,
    finishedAt: null,
    updatedAt: '',
    service: { service: 'web', slot, version: 1 },
    ...fields,
  };
}

function book(
  tasks: Map<string, TaskRecord>,
  services = new Map([['web', service]]),
  hostId: (nodeId: string) => string | undefined = () => undefined,
) {
  const messages: EndpointsMessage[] = [];
  const b = new EndpointBook({
    services: () => services,
    tasksOf: () => tasks.values(),
    node: (id) => {
      const host = hostId(id);
      return { name: `node-${id}`, url: `https://${id}.example:7071`, ...(host === undefined ? {} : { hostId: host }) };
    },
  });
  b.subscribe((m) => messages.push(m));
  return { book: b, messages, services };
}

test("an endpoint is ready running (and healthy with a check, its own or its image's), starting before, unhealthy, draining once stopped", () => {
  const withCheck = { ...task('a', 1).request, healthCheck: {} as never };
  assert.equal(endpointState(task('a', 1)), 'ready');
  assert.equal(endpointState(task('a', 1, { state: TaskState.Scheduled })), 'starting');
  assert.equal(endpointState(task('a', 1, { request: withCheck })), 'starting', 'its check has not passed yet');
  const healthy = { status: 'healthy' as const, failures: 0, lastOutput: '', lastCheckedAt: null };
  assert.equal(endpointState(task('a', 1, { request: withCheck, health: healthy })), 'ready');
  const sick = { ...healthy, status: 'unhealthy' as const };
  assert.equal(endpointState(task('a', 1, { request: withCheck, health: sick })), 'unhealthy');
  assert.equal(endpointState(task('a', 1, { desired: 'stopped' })), 'draining');
  // no check of its own, but its image's HEALTHCHECK, whose verdicts its worker reports
  const starting = { ...healthy, status: 'starting' as const };
  assert.equal(endpointState(task('a', 1, { health: starting })), 'starting', "its image's check has not passed");
  assert.equal(endpointState(task('a', 1, { health: healthy })), 'ready');
  assert.equal(endpointState(task('a', 1, { health: sick })), 'unhealthy');
});

test('a service view: VIP, DNS names with SRV per named port, ports, endpoints by slot; revision only on change', async () => {
  const tasks = new Map([
    ['b', task('b', 2)],
    ['a', task('a', 1)],
    ['gone', task('gone', 3, { state: TaskState.Completed })],
  ]);
  const { book: b, messages } = book(tasks);
  b.changed('web');
  b.changed('web'); // one look for both
  await Promise.resolve();
  assert.equal(messages.length, 1);
  const view = b.view('web');
  assert.ok(view !== undefined);
  assert.equal(view.revision, 1);
  assert.equal(view.vip, '10.213.128.1');
  assert.deepEqual(view.dnsNames, [
    'web.svc.poseidon.cluster',
    'tasks.web.svc.poseidon.cluster',
    '_http._tcp.web.svc.poseidon.cluster',
  ]);
  assert.deepEqual(view.ports, [
    { name: 'http', port: 80, protocol: 'http' },
    { name: null, port: 53, protocol: 'udp' },
  ]);
  assert.deepEqual(
    view.endpoints.map((e) => [e.taskId, e.slot, e.state, e.address, e.node]),
    [
      ['a', 1, 'ready', '10.213.0.11', 'node-n1'],
      ['b', 2, 'ready', '10.213.0.12', 'node-n1'],
    ],
    'a task that ended is no endpoint',
  );
  b.changed('web');
  b.flush();
  assert.equal(b.revision, 1, 'nothing changed: no new revision');

  tasks.set('b', task('b', 2, { desired: 'stopped' }));
  b.changed('web');
  assert.equal(b.drainingSince('b'), 2, 'the revision that made it draining');
  assert.equal(b.drainingSince('a'), undefined);
  tasks.set('b', task('b', 2, { desired: 'stopped', address: '10.213.0.99' }));
  b.changed('web');
  assert.equal(b.drainingSince('b'), 2, 'a later change keeps when it began draining');
  assert.deepEqual(Object.fromEntries(b.counts()), { ready: 1, draining: 1 });
  const snapshot = b.snapshot();
  assert.equal(snapshot.type, 'snapshot');
  assert.equal(snapshot.revision, 3);
  assert.deepEqual(
    messages.map((m) => [m.type, m.revision]),
    [
      ['service', 1],
      ['service', 2],
      ['service', 3],
    ],
  );
});

test("each endpoint names its node's worker URL (via) and host id, the host id only when its worker gave one", () => {
  const tasks = new Map([
    ['a', task('a', 1)],
    ['b', task('b', 2, { nodeId: 'n2' })],
  ]);
  let hosts: Record<string, string> = { n1: 'host-1' };
  const { book: b } = book(tasks, undefined, (id) => hosts[id]);
  b.changed('web');
  assert.deepEqual(
    b.view('web')?.endpoints.map((e) => [e.taskId, e.via, e.hostId]),
    [
      ['a', 'https://n1.example:7071', 'host-1'],
      ['b', 'https://n2.example:7071', undefined],
    ],
  );
  assert.ok(!('hostId' in (b.view('web')?.endpoints[1] ?? {})), 'absent, not undefined, on the wire');
  // the node registered again on another host: the look after it shows the new one
  hosts = { n1: 'host-1', n2: 'host-2' };
  b.changed('web');
  assert.equal(b.view('web')?.endpoints[1]?.hostId, 'host-2');
});

test('a removed service stays while its replicas drain, then is published as removed, once', () => {
  const tasks = new Map([['a', task('a', 1)]]);
  const { book: b, messages, services } = book(tasks);
  b.changed('web');
  b.flush();
  services.delete('web');
  tasks.set('a', task('a', 1, { desired: 'stopped' }));
  b.changed('web');
  b.flush();
  const draining = b.view('web');
  assert.equal(draining?.vip, '10.213.128.1', 'its VIP, DNS names and ports as they were');
  assert.deepEqual(
    draining?.endpoints.map((e) => e.state),
    ['draining'],
  );
  tasks.set('a', task('a', 1, { desired: 'stopped', state: TaskState.Completed }));
  b.changed('web');
  b.flush();
  b.changed('web');
  b.flush();
  assert.deepEqual(
    messages.map((m) => [m.type, m.revision]),
    [
      ['service', 1],
      ['service', 2],
      ['removed', 3],
    ],
  );
  assert.equal(b.view('web'), undefined);
  const snapshot = b.snapshot();
  assert.ok(snapshot.type === 'snapshot' && snapshot.services.length === 0);
});

test("an endpoint's published port carries the host address its task asked for; one without has none", async () => {
  const asked = [
    { containerPort: 80, hostPort: 8080, protocol: 'tcp' as const, hostIp: '127.0.0.1' },
    { containerPort: 53, hostPort: 0, protocol: 'udp' as const },
  ];
  const bound = [
    { container: 80, host: 8080, protocol: 'tcp' as const },
    { container: 53, host: 32769, protocol: 'udp' as const },
  ];
  const a = task('a', 1);
  const tasks = new Map([['a', task('a', 1, { request: { ...a.request, ports: asked }, ports: bound })]]);
  const { book: b } = book(tasks);
  b.changed('web');
  b.flush();
  assert.deepEqual(b.view('web')?.endpoints[0]?.ports, [
    { container: 80, host: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
    { container: 53, host: 32769, protocol: 'udp' },
  ]);
});

test("each endpoint names the node its worker's certificate names (viaNode), but a static worker's", () => {
  const tasks = new Map([
    ['a', task('a', 1)],
    ['b', task('b', 2, { nodeId: 'n2' })],
  ]);
  const b = new EndpointBook({
    services: () => new Map([['web', service]]),
    tasksOf: () => tasks.values(),
    node: (id) => ({ id, name: `node-${id}`, url: `https://${id}.example:7071`, static: id === 'n2' }),
  });
  b.changed('web');
  assert.deepEqual(
    b.view('web')?.endpoints.map((e) => [e.taskId, e.viaNode]),
    [
      ['a', 'n1'],
      ['b', undefined],
    ],
  );
  assert.ok(!('viaNode' in (b.view('web')?.endpoints[1] ?? {})), 'absent, not undefined, on the wire');
});

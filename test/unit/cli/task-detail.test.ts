import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManagerTaskView } from '../../../src/api/index.js';
import { taskDetail, taskTable } from '../../../src/cli/format.js';
import { cores, specRows } from '../../../src/cli/spec-rows.js';
import { parseSubmission, toSpec } from '../../../src/task/index.js';

const NOW = Date.parse('2026-12-04T12:00:00.000Z');

function task(fields: Partial<ManagerTaskView>): ManagerTaskView {
  return {
    id: '90a54adf-c775-46f1-ac2e-bf63ed5b9804',
    name: 'web',
    image: 'poseidon/busybox:latest',
    command: ['httpd', '-f', '-p', '80'],
    desiredState: 'running',
    state: 'Running',
    node: 'w1',
    nodeId: 'n1',
    generation: 3,
    containerId: '8ea30bfd5dff00',
    exitCode: null,
    reason: 'running',
    ports: [],
    restarts: 2,
    restartAt: null,
    cpu: 0.1,
    memory: 16 * 2 ** 20,
    disk: 0,
    labels: {},
    health: { status: 'starting', failures: 0, lastOutput: '', lastCheckedAt: null },
    lastExit: { reason: 'unhealthy: HTTP 404', exitCode: 143, at: '2026-12-04T11:59:50.000Z' },
    submittedAt: '2026-12-04T11:59:00.000Z',
    startedAt: '2026-12-04T11:59:55.000Z',
    finishedAt: null,
    updatedAt: '2026-12-04T11:59:55.000Z',
    ...fields,
  };
}

test('poseidon status ID says why the last copy ended once a restart or a wait has hidden it', () => {
  assert.match(taskDetail(task({}), NOW), /^Last exit: +unhealthy: HTTP 404 \(10s ago\)$/m);
  const waiting = task({ state: 'Failed', restarts: 0, reason: 'restart waiting: 0/1 nodes can run web: 1 host port' });
  assert.match(taskDetail(waiting, NOW), /^Last exit: +unhealthy: HTTP 404 /m);
});

test('poseidon status ID leaves the last exit out when the reason says it, or no copy has ended', () => {
  const ended = task({ state: 'Failed', restarts: 0, reason: 'unhealthy: HTTP 404; restarting in 2s' });
  assert.doesNotMatch(taskDetail(ended, NOW), /Last exit/);
  assert.doesNotMatch(taskDetail(task({ lastExit: null, restarts: 0 }), NOW), /Last exit/);
  // a manager from before lastExit sends none
  const { lastExit: _none, ...older } = task({});
  assert.doesNotMatch(taskDetail(older, NOW), /Last exit/);
});

test('poseidon status ID lists the secrets and configs the task mounts, where and how; none, no row', () => {
  const files: ManagerTaskView['files'] = [
    { kind: 'secret', source: 'db-pass', target: '/run/secrets/db-pass', uid: 0, gid: 0, mode: 0o444 },
    { kind: 'config', source: 'site', target: '/etc/site.conf', uid: 1000, gid: 2000, mode: 0o440 },
  ];
  const shown = taskDetail(task({ files }), NOW);
  assert.match(shown, /^Secret: +db-pass at \/run\/secrets\/db-pass, mode 0444, owner 0:0$/m);
  assert.match(shown, /^Config: +site at \/etc\/site.conf, mode 0440, owner 1000:2000$/m);
  assert.doesNotMatch(taskDetail(task({}), NOW), /^(Secret|Config):/m);
});

test('poseidon status ID shows what the spec sets beyond the image, as the manager holds it; an older manager, none of it', () => {
  const request = parseSubmission({
    name: 'web',
    image: 'poseidon/busybox:latest',
    command: ['httpd', '-f', '-p', '80'],
    entrypoint: ['tini', '--'],
    user: '1000:1000',
    workdir: '/srv',
    stopSignal: 'SIGINT',
    stopGracePeriod: '30s',
    readOnlyRootfs: true,
    env: { DB_PASSWORD: 'hunter2', MODE: 'prod' },
    cpu: 0.5,
    cpuLimit: 1,
    memory: '64Mi',
    ports: [{ container: 80 }],
    constraints: ['node.labels.zone == a'],
    healthCheck: { type: 'http', port: 80, path: '/health', interval: '2s' },
    restartPolicy: { mode: 'always', maxRestarts: 5 },
    tmpfs: [{ path: '/tmp', size: '8Mi' }],
  });
  const shown = taskDetail(task({ spec: toSpec(request) }), NOW);
  assert.match(shown, /^Entrypoint: +tini --$/m);
  assert.match(shown, /^User: +1000:1000$/m);
  assert.match(shown, /^Workdir: +\/srv$/m);
  assert.match(shown, /^Stop: +SIGINT, then SIGKILL after 30s$/m);
  assert.match(shown, /^Root filesystem: +read-only$/m);
  assert.match(shown, /^Env: +DB_PASSWORD, MODE$/m);
  assert.doesNotMatch(shown, /hunter2/, 'env values stay out of the text (--json has them)');
  assert.match(shown, /^Requests: +cpu 0\.5 \(at most 1\), memory 64 MiB$/m);
  assert.match(shown, /^Constraints: +node\.labels\.zone == a$/m);
  assert.match(shown, /^Health check: +http :80\/health, every 2s, /m);
  assert.match(shown, /^Restart: +always, at most 5, backoff 500ms doubling to 30s, reset after 1m$/m);
  assert.match(shown, /^Tmpfs: +\/tmp \(8 MiB\)$/m);

  const older = taskDetail(task({}), NOW);
  for (const row of ['Entrypoint', 'User', 'Stop', 'Env', 'Health check', 'Restart', 'Tmpfs', 'Constraints'])
    assert.doesNotMatch(older, new RegExp(`^${row}:`, 'm'));
  assert.match(older, /^Requests: +cpu 0\.1, memory 16 MiB$/m);
});

test('poseidon status ID shows a Pull row when the task pulls always or never; none for the default', () => {
  const shown = (pull?: string): string =>
    taskDetail(
      task({ spec: toSpec(parseSubmission({ name: 'web', image: 'app:latest', ...(pull && { pull }) })) }),
      NOW,
    );
  assert.match(shown('always'), /^Command: +httpd -f -p 80\nPull: +always \(before each start\)\nState:/m);
  assert.match(shown('never'), /^Pull: +never \(the image must be on the node\)$/m);
  assert.doesNotMatch(shown('missing'), /^Pull:/m);
  assert.doesNotMatch(shown(), /^Pull:/m);
});

test('a task that never restarts says so and nothing more', () => {
  const spec = toSpec(
    parseSubmission({ name: 'job', image: 'poseidon/busybox:latest', restartPolicy: { mode: 'never' } }),
  );
  assert.match(taskDetail(task({ spec }), NOW), /^Restart: +never$/m);
});

test('poseidon status ID shows the container options the spec sets, as the manager holds them; none when none', () => {
  const request = parseSubmission({
    name: 'web',
    image: 'app:1',
    tmpfs: [{ path: '/tmp' }],
    hostname: 'web-1',
    extraHosts: ['db=10.0.0.5', 'v6:[2001:db8::1]'],
    shmSize: '1Gi',
    ulimits: { nproc: 512, nofile: { soft: 1024, hard: 65536 }, core: -1 },
    capAdd: ['CAP_NET_ADMIN'],
    capDrop: ['mknod', 'NET_RAW'],
  });
  const shown = taskDetail(task({ spec: toSpec(request) }), NOW);
  assert.match(
    shown,
    new RegExp(
      [
        '^Tmpfs: +/tmp',
        'Hostname: +web-1',
        'Extra hosts: +db:10\\.0\\.0\\.5, v6:2001:db8::1',
        'Shm size: +1 GiB',
        'Ulimits: +core=unlimited, nofile=1024:65536, nproc=512',
        'Capabilities: +\\+NET_ADMIN, -MKNOD, -NET_RAW',
        'Restarts:',
      ].join('\\n'),
      'm',
    ),
  );
  const none = taskDetail(task({ spec: toSpec(parseSubmission({ name: 'web', image: 'app:1' })) }), NOW);
  assert.doesNotMatch(none, /^(Hostname|Extra hosts|Shm size|Ulimits|Capabilities):/m);
});

test("the console's spec rows are those poseidon status ID prints of the spec, word for word and in its order", () => {
  const spec = toSpec(
    parseSubmission({
      name: 'web',
      image: 'app:1',
      pull: 'always',
      user: '1000',
      env: { TOKEN: 'hunter2' },
      cpu: 0.5,
      memory: '64Mi',
      constraints: ['node.labels.zone == a'],
      ports: [{ container: 80 }],
      healthCheck: { type: 'tcp', port: 80 },
      tmpfs: [{ path: '/tmp', size: '8Mi' }],
      extraHosts: ['db=10.0.0.5'],
      capAdd: ['cap_net_admin'],
    }),
  );
  const rows = specRows(spec);
  assert.deepEqual(
    rows.map(([label]) => label),
    [
      'Pull',
      'User',
      'Env',
      'Requests',
      'Constraints',
      'Health check',
      'Restart',
      'Tmpfs',
      'Extra hosts',
      'Capabilities',
    ],
  );
  const printed = taskDetail(task({ spec }), NOW)
    .split('\n')
    .map((line) => /^([A-Z][A-Za-z ]*): +(.*)$/.exec(line))
    .filter((m) => m !== null && rows.some(([label]) => label === m[1]))
    .map((m) => [m?.[1], m?.[2]]);
  assert.deepEqual(rows, printed);
  assert.ok(!JSON.stringify(rows).includes('hunter2'), 'an env value is in no row');
});

test('poseidon status ID shows the sysctls, groups and log rotation the spec sets, as the manager holds them', () => {
  const request = parseSubmission({
    name: 'web',
    image: 'app:1',
    capDrop: ['NET_RAW'],
    sysctls: { 'net.ipv4.ip_unprivileged_port_start': 80, 'net.core.somaxconn': '1024' },
    groupAdd: ['audio', '1234'],
    logs: { maxSize: '50Mi' },
  });
  const spec = toSpec(request);
  assert.deepEqual(spec.logs, { maxSize: 50 * 2 ** 20 }, 'bytes, as the manager keeps them');
  const shown = taskDetail(task({ spec }), NOW);
  assert.match(
    shown,
    new RegExp(
      [
        '^Capabilities: +-NET_RAW',
        'Sysctls: +net\\.core\\.somaxconn=1024, net\\.ipv4\\.ip_unprivileged_port_start=80',
        'Groups: +audio, 1234',
        'Logs: +50 MiB × 3 files',
        'Restarts:',
      ].join('\\n'),
      'm',
    ),
  );
  assert.deepEqual(specRows(spec).slice(-3), [
    ['Sysctls', 'net.core.somaxconn=1024, net.ipv4.ip_unprivileged_port_start=80'],
    ['Groups', 'audio, 1234'],
    ['Logs', '50 MiB × 3 files'],
  ]);
  const none = taskDetail(task({ spec: toSpec(parseSubmission({ name: 'web', image: 'app:1' })) }), NOW);
  assert.doesNotMatch(none, /^(Sysctls|Groups|Logs):/m);
  // an empty list of rules is no Constraints row, as on the console (constraintRows)
  assert.doesNotMatch(taskDetail(task({ spec: { ...spec, constraints: [] } }), NOW), /^Constraints:/m);
});

test('cores print without a trailing dot, and a tiny share keeps two significant digits', () => {
  assert.equal(cores(2), '2');
  assert.equal(cores(0.5), '0.5');
  assert.equal(cores(1.25), '1.25');
  assert.equal(cores(2.7755575615628914e-17), '0');
  assert.equal(cores(1.9999999), '2');
  assert.equal(cores(0.004), '0.004');
});

test('poseidon status shows the ports of a running task, and none once its container has exited, as docker ps -a', () => {
  const ports: ManagerTaskView['ports'] = [{ container: 80, host: 32768, protocol: 'tcp' }];
  assert.match(taskTable([task({ ports })], NOW), /\s32768->80\/tcp\s/);
  for (const state of ['Completed', 'Failed'] as const)
    assert.doesNotMatch(taskTable([task({ ports, state })], NOW), /32768/, state);
});

test("poseidon status ID: Ports shows a port's host address, and none once the container ended", () => {
  const loopback = { container: 80, host: 8080, protocol: 'tcp' as const, hostIp: '127.0.0.1' };
  const ports = [loopback, { container: 53, host: 32768, protocol: 'udp' as const }];
  const row = (t: ManagerTaskView): string | undefined => /^Ports:\s+(.*)$/m.exec(taskDetail(t, NOW))?.[1];
  assert.equal(row(task({ ports })), '127.0.0.1:8080->80/tcp,32768->53/udp');
  assert.match(taskTable([task({ ports })], NOW), /127\.0\.0\.1:8080->80\/tcp,32768->53\/udp/, 'the PORTS column');
  // before it runs: what it asks for (Docker picks the udp one's host port when it starts)
  const asked = [loopback, { container: 53, host: 0, protocol: 'udp' as const }];
  assert.equal(row(task({ state: 'Pending', containerId: null, ports: asked })), '127.0.0.1:8080->80/tcp,53/udp');
  // ended: its container publishes nothing any more, whatever it bound
  const ended = { state: 'Completed' as const, exitCode: 0, finishedAt: '2026-12-04T11:59:58.000Z' };
  assert.equal(row(task({ ...ended, ports })), '- (container ended)');
  assert.equal(row(task({ ...ended, state: 'Failed', containerId: null, ports })), '- (not running)');
  assert.equal(row(task({ ...ended, ports: [] })), '-');
});

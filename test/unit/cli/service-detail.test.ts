import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceEndpointsView, ServiceView } from '../../../src/api/index.js';
import { serviceDetail } from '../../../src/cli/service-detail.js';

const NOW = Date.parse('2026-12-04T12:00:00.000Z');
const UPDATE = {
  parallelism: 2,
  delay: 0,
  order: 'start-first' as const,
  monitor: 5000,
  failureAction: 'rollback' as const,
  maxFailureRatio: 0.25,
  progressDeadline: 600_000,
};

function view(): ServiceView {
  return {
    name: 'web',
    version: 2,
    spec: {
      name: 'web',
      replicas: 3,
      task: {
        image: 'poseidon/busybox:latest',
        command: ['sh', '-c', 'httpd -f -p 8080'],
        env: { DB_PASSWORD: 'hunter2', 'BAD\u001b[31m': 'x' },
        cpu: 0.5,
        memory: '64Mi',
        ports: [
          { container: 8080, host: 18080 },
          { container: 9090, protocol: 'http', name: 'metrics' },
          { container: 5432, name: 'db', publish: false },
          { container: 6379, publish: false },
        ],
        healthCheck: { type: 'http', port: 8080, path: '/health', interval: '2s', failureThreshold: 3 },
        restartPolicy: { mode: 'on-failure', maxRestarts: 5, backoff: { initial: '1s', max: '1m' } },
        volumes: [{ name: 'data', path: '/var/lib/data', readOnly: true }],
      },
      constraints: ['node.labels.zone == a'],
      update: UPDATE,
      rollback: { ...UPDATE, parallelism: 1, failureAction: 'pause', maxFailureRatio: 0 },
      drainTimeout: 5000,
      labels: { 'poseidon.stack': 'shop' },
    },
    mode: 'replicated',
    replicas: 3,
    healthy: 2,
    running: 3,
    image: 'poseidon/busybox:latest',
    update: {
      state: 'paused',
      fromVersion: 1,
      toVersion: 2,
      updated: 1,
      total: 3,
      failed: 1,
      startedAt: '2026-12-04T11:58:00.000Z',
      deadline: '2026-12-04T12:08:00.000Z',
      finishedAt: '2026-12-04T11:59:00.000Z',
      reason: 'replica 2 of version 2 failed: exited with code 1',
    },
    vip: '10.213.128.1',
    createdAt: '2026-12-04T10:00:00.000Z',
    updatedAt: '2026-12-04T11:58:00.000Z',
  };
}

const DISCOVERY: Omit<ServiceEndpointsView, 'service'> = {
  vip: '10.213.128.1',
  dnsNames: ['web.svc.poseidon.cluster', 'tasks.web.svc.poseidon.cluster'],
  ports: [{ name: null, port: 8080, protocol: 'tcp' }],
  endpoints: [
    {
      taskId: 'bbbbbbbb-0000-4000-8000-000000000000',
      slot: 2,
      version: 1,
      nodeId: 'n2',
      node: 'n2',
      state: 'draining',
      address: '172.17.0.3',
      ports: [{ container: 8080, host: 18080, protocol: 'tcp' }],
    },
    {
      taskId: 'aaaaaaaa-0000-4000-8000-000000000000',
      slot: 1,
      version: 2,
      nodeId: 'n1',
      node: 'n1',
      state: 'ready',
      address: '172.17.0.2',
      ports: [{ container: 8080, host: 18080, protocol: 'tcp' }],
    },
  ],
  revision: 9,
};

test('service inspect for people: the spec in effect with durations as durations, its rollout and endpoints', () => {
  const text = serviceDetail(view(), DISCOVERY, NOW);
  const lines = [
    /^Name:\s+web$/m,
    /^Mode:\s+replicated$/m,
    /^Replicas:\s+3 wanted, 3 running, 2 healthy$/m,
    /^Command:\s+sh -c 'httpd -f -p 8080'$/m,
    /^Requests:\s+cpu 0\.5, memory 64Mi$/m,
    /^Ports:\s+18080->8080\/tcp, 9090\/http \(name metrics\), 5432\/tcp \(name db, not published\), 6379\/tcp \(not published\)$/m,
    /^Health check:\s+http :8080\/health, every 2s, unhealthy after 3 failures$/m,
    /^Restart:\s+on-failure, at most 5, backoff 1s doubling to 1m$/m,
    /^Volumes:\s+data:\/var\/lib\/data \(read-only\)$/m,
    /^Constraints:\s+node\.labels\.zone == a$/m,
    /^Labels:\s+poseidon\.stack=shop$/m,
    /^Update:\s+2 at a time, start-first, delay 0s, monitor 5s, on failure rollback \(25% may fail\), deadline 10m$/m,
    /^Rollback:\s+1 at a time, start-first, delay 0s, monitor 5s, on failure pause \(none may fail\), deadline 10m$/m,
    /^Drain:\s+5s$/m,
    /^Rollout:\s+paused: version 1 → 2, 1\/3 updated, 1 failed \(started 2m ago, ended 1m ago\); replica 2 of version 2 failed: exited with code 1$/m,
    /^VIP:\s+10\.213\.128\.1$/m,
    /^DNS:\s+web\.svc\.poseidon\.cluster, tasks\.web\.svc\.poseidon\.cluster$/m,
  ];
  for (const line of lines) assert.match(text, line);
  // endpoints by slot, after a blank line
  assert.match(
    text,
    /\n\nSLOT +TASK +VERSION +NODE +STATE +ADDRESS +PORTS\n1 +aaaaaaaa +2 +n1 +ready +172\.17\.0\.2 +18080->8080\/tcp\n2 +bbbbbbbb +1 +n2 +draining /,
  );
});

test("service inspect for people: the endpoints table names a replica's named port as the Ports line does", () => {
  const [endpoint] = DISCOVERY.endpoints;
  assert.ok(endpoint !== undefined);
  const discovery = {
    ...DISCOVERY,
    // an http port is TCP on the wire, as a replica reports it; a name is its protocol's alone
    ports: [
      { name: 'web', port: 8080, protocol: 'http' as const },
      { name: 'dns', port: 53, protocol: 'udp' as const },
      { name: null, port: 9000, protocol: 'tcp' as const },
    ],
    endpoints: [
      {
        ...endpoint,
        ports: [
          { container: 8080, host: 18080, protocol: 'tcp' as const },
          { container: 53, host: 0, protocol: 'udp' as const },
          { container: 53, host: 0, protocol: 'tcp' as const },
          { container: 9000, host: 0, protocol: 'tcp' as const },
        ],
      },
    ],
  };
  assert.match(
    serviceDetail(view(), discovery, NOW),
    /\n2 +bbbbbbbb +1 +n2 +draining +172\.17\.0\.3 +18080->8080\/tcp \(name web\),53\/udp \(name dns\),53\/tcp,9000\/tcp$/,
  );
});

test('service inspect for people: a port on one host address shows it, in the Ports line and the endpoints', () => {
  const v = view();
  const task = { ...v.spec.task, ports: [{ container: 5432, host: 15432, hostIp: '127.0.0.1' }] };
  const [endpoint] = DISCOVERY.endpoints;
  assert.ok(endpoint !== undefined);
  const discovery = {
    ...DISCOVERY,
    endpoints: [{ ...endpoint, ports: [{ container: 5432, host: 15432, protocol: 'tcp' as const, hostIp: '::1' }] }],
  };
  const text = serviceDetail({ ...v, spec: { ...v.spec, task } }, discovery, NOW);
  assert.match(text, /^Ports:\s+127\.0\.0\.1:15432->5432\/tcp$/m);
  assert.match(text, /\n2 +bbbbbbbb +1 +n2 +draining +172\.17\.0\.3 +\[::1\]:15432->5432\/tcp$/);
});

test('service inspect for people: a rollback that failed reads as a paused rollback, with its own reason', () => {
  const v = view();
  const u = {
    ...(v.update as NonNullable<ServiceView['update']>),
    state: 'rollback_paused' as const,
    fromVersion: 2,
    toVersion: 1,
    updated: 0,
    reason: 'replica 1 of version 1 failed: exited with code 1',
  };
  const text = serviceDetail({ ...v, version: 1, update: u }, DISCOVERY, NOW);
  assert.match(
    text,
    /^Rollout:\s+rollback paused: version 2 → 1, 0\/3 rolled back, 1 failed \(started 2m ago, ended 1m ago\); replica 1 of version 1 failed: exited with code 1$/m,
  );
});

test('service inspect for people: a finished rollback counts the slots it put back, the failure in its reason', () => {
  const v = view();
  const u = {
    ...(v.update as NonNullable<ServiceView['update']>),
    state: 'rolled_back' as const,
    fromVersion: 4,
    toVersion: 2,
    updated: 3,
    failed: 0,
    reason: 'back on version 2: replica 1 of version 4 failed: exited with code 3',
  };
  assert.match(
    serviceDetail({ ...v, version: 2, update: u }, DISCOVERY, NOW),
    /^Rollout:\s+rolled_back: version 4 → 2, 3\/3 rolled back, 0 failed \(started 2m ago, ended 1m ago\); back on version 2: /m,
  );
});

test('service inspect for people shows env names, never their values, and escapes what it prints', () => {
  const text = serviceDetail(view(), DISCOVERY, NOW);
  assert.match(text, /^Env:\s+DB_PASSWORD, BAD\\x1b\[31m$/m);
  assert.doesNotMatch(text, /hunter2/);
  assert.doesNotMatch(text, /\u001b/);
});

test('service inspect for people: a service without a rollout, template extras or endpoints', () => {
  const v = view();
  v.update = null;
  v.spec = { name: 'web', replicas: 1, task: { image: 'nginx' } };
  const text = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(text, /^Command:\s+\(image default\)$/m);
  assert.match(text, /^Requests:\s+cpu any, memory any$/m);
  assert.match(text, /^Update:\s+-$/m);
  assert.match(text, /^Rollout:\s+-$/m);
  assert.doesNotMatch(text, /^(Env|Ports|Health check|Restart|Volumes|Labels|Drain):/m);
  assert.match(text, /\n\nno endpoints$/);
});

test("service inspect for people: the secrets and configs its template mounts, where and how; the image's check off", () => {
  const v = view();
  v.spec = {
    name: 'web',
    replicas: 1,
    task: {
      image: 'nginx',
      imageHealthCheck: false,
      secrets: [{ source: 'db-pass' }, { source: 'db-pass', target: 'pw', uid: '1000', mode: '0400' }],
      configs: [{ source: 'site', target: '/etc/site.conf', mode: 0o440 }],
    },
  };
  const text = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(text, /^Secret:\s+db-pass at \/run\/secrets\/db-pass, mode 0444, owner 0:0$/m);
  assert.match(text, /^Secret:\s+db-pass at \/run\/secrets\/pw, mode 0400, owner 1000:0$/m);
  assert.match(text, /^Config:\s+site at \/etc\/site.conf, mode 0440, owner 0:0$/m);
  assert.match(text, /^Health check:\s+none \(the image's HEALTHCHECK off\)$/m);
});

test('service inspect for people: a global service says so, and how many nodes take a replica now', () => {
  const v = view();
  v.mode = 'global';
  v.replicas = 2;
  v.running = 2;
  v.spec = { name: 'web', mode: 'global', task: { image: 'nginx' } };
  const text = serviceDetail(v, DISCOVERY, NOW);
  assert.match(text, /^Mode:\s+global$/m);
  assert.match(text, /^Replicas:\s+2 wanted \(one on each node that meets its constraints\), 2 running, 2 healthy$/m);
});

test('service inspect for people: placement preferences as a Spread line after the constraints, in the order they weigh', () => {
  const v = view();
  v.spec.preferences = [{ spread: 'node.labels.zone' }, { spread: 'node.labels.rack' }];
  assert.match(
    serviceDetail(v, DISCOVERY, NOW),
    /^Constraints:\s+node\.labels\.zone == a\nSpread:\s+node\.labels\.zone, then node\.labels\.rack$/m,
  );
  // none: no line
  assert.doesNotMatch(serviceDetail(view(), DISCOVERY, NOW), /^Spread:/m);
});

test('service inspect for people: how its process runs and stops, when the template says so; nothing when not', () => {
  const v = view();
  v.spec = {
    name: 'web',
    replicas: 1,
    task: {
      image: 'nginx',
      entrypoint: ['tini', '--'],
      user: '1000:1000',
      workdir: '/srv/app',
      stopSignal: 'SIGINT',
      stopGracePeriod: 30_000,
      readOnlyRootfs: true,
    },
  };
  const text = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(
    text,
    /^Command:\s+\(image default\)\nEntrypoint:\s+tini --\nUser:\s+1000:1000\nWorkdir:\s+\/srv\/app\nStop:\s+SIGINT, then SIGKILL after 30s\nRoot filesystem:\s+read-only\n/m,
  );
  v.spec.task = { image: 'nginx', entrypoint: [], stopGracePeriod: '1m' };
  const partly = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(partly, /^Entrypoint:\s+none \(the command runs alone\)$/m);
  assert.match(partly, /^Stop:\s+the image's STOPSIGNAL \(else SIGTERM\), then SIGKILL after 1m$/m);
  v.spec.task = { image: 'nginx', stopSignal: '2' };
  assert.match(serviceDetail(v, DISCOVERY, NOW), /^Stop:\s+2, then SIGKILL after the worker's --stop-grace$/m);
  const plain = serviceDetail(view(), DISCOVERY, NOW);
  assert.doesNotMatch(plain, /^(Entrypoint|User|Workdir|Stop|Root filesystem):/m);
});

test('service inspect for people: a Pull line when the template pulls always or never; none for the default', () => {
  const v = view();
  v.spec.task = { image: 'app:latest', pull: 'always', user: 'nobody' };
  assert.match(
    serviceDetail(v, DISCOVERY, NOW),
    /^Image:\s+app:latest\nCommand:\s+\(image default\)\nPull:\s+always \(before each start\)\nUser:\s+nobody\n/m,
  );
  v.spec.task = { image: 'app:1', pull: 'never' };
  assert.match(serviceDetail(v, DISCOVERY, NOW), /^Pull:\s+never \(the image must be on the node\)$/m);
  v.spec.task = { image: 'app:1', pull: 'missing' };
  assert.doesNotMatch(serviceDetail(v, DISCOVERY, NOW), /^Pull:/m);
  assert.doesNotMatch(serviceDetail(view(), DISCOVERY, NOW), /^Pull:/m);
});

test('service inspect for people: a Tmpfs line for each tmpfs, with its size when it has one; none when none', () => {
  const v = view();
  v.spec.task = {
    image: 'nginx',
    volumes: [{ name: 'data', path: '/data' }],
    tmpfs: [{ path: '/tmp', size: '64Mi' }, { path: '/run/app' }, { path: '/cache', size: 1536 }],
  };
  const text = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(
    text,
    /^Volumes:\s+data:\/data\nTmpfs:\s+\/tmp \(64 MiB\)\nTmpfs:\s+\/run\/app\nTmpfs:\s+\/cache \(1.5 KiB\)\n/m,
  );
  assert.doesNotMatch(serviceDetail(view(), DISCOVERY, NOW), /^Tmpfs:/m);
});

test('service inspect for people: the container options the template sets, after Tmpfs; none when none', () => {
  const v = view();
  v.spec.task = {
    image: 'nginx',
    tmpfs: [{ path: '/tmp' }],
    hostname: 'web.internal',
    extraHosts: ['db:10.0.0.5', 'gw=host-gateway'],
    shmSize: '256Mi',
    ulimits: { nproc: 512, nofile: { soft: 1024, hard: 65536 }, memlock: -1, stack: { soft: 8192, hard: -1 } },
    pidsLimit: 256,
    capAdd: ['net_admin', 'SYS_TIME'],
    capDrop: ['ALL'],
  };
  assert.match(
    serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW),
    new RegExp(
      [
        '^Tmpfs:\\s+/tmp',
        'Hostname:\\s+web\\.internal',
        'Extra hosts:\\s+db:10\\.0\\.0\\.5, gw:host-gateway',
        'Shm size:\\s+256 MiB',
        'Ulimits:\\s+memlock=unlimited, nofile=1024:65536, nproc=512, stack=8192:unlimited',
        'Pids limit:\\s+256',
        'Capabilities:\\s+\\+NET_ADMIN, \\+SYS_TIME, -ALL\\n',
      ].join('\\n'),
      'm',
    ),
  );
  v.spec.task = { image: 'nginx', shmSize: 1536, capDrop: ['NET_RAW'] };
  const text = serviceDetail(v, DISCOVERY, NOW);
  assert.match(text, /^Shm size:\s+1\.5 KiB$/m);
  assert.match(text, /^Capabilities:\s+-NET_RAW$/m);
  assert.doesNotMatch(text, /^(Hostname|Extra hosts|Ulimits):/m);
  assert.doesNotMatch(
    serviceDetail(view(), DISCOVERY, NOW),
    /^(Hostname|Extra hosts|Shm size|Ulimits|Pids limit|Capabilities):/m,
  );
});

test('service inspect for people: sysctls, groups and log rotation the template sets, after Capabilities; none when none', () => {
  const v = view();
  v.spec.task = {
    image: 'nginx',
    capAdd: ['NET_ADMIN'],
    sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80', 'net.core.somaxconn': 1024 },
    groupAdd: ['audio', '1234'],
    logs: { maxSize: '50Mi', maxFiles: 5 },
  };
  assert.match(
    serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW),
    new RegExp(
      [
        '^Capabilities:\\s+\\+NET_ADMIN',
        'Sysctls:\\s+net\\.core\\.somaxconn=1024, net\\.ipv4\\.ip_unprivileged_port_start=80',
        'Groups:\\s+audio, 1234',
        'Logs:\\s+50 MiB × 5 files\\n',
      ].join('\\n'),
      'm',
    ),
  );
  // the default fills in the part a template leaves out
  v.spec.task = { image: 'nginx', logs: { maxFiles: 5 } };
  assert.match(serviceDetail(v, DISCOVERY, NOW), /^Logs:\s+10 MiB × 5 files$/m);
  v.spec.task = { image: 'nginx', logs: { maxSize: '1Gi' } };
  assert.match(serviceDetail(v, DISCOVERY, NOW), /^Logs:\s+1 GiB × 3 files$/m);
  v.spec.task = { image: 'nginx', logs: { maxSize: 65536, maxFiles: 1 } };
  assert.match(serviceDetail(v, DISCOVERY, NOW), /^Logs:\s+64 KiB × 1 file$/m);
  v.spec.task = { image: 'nginx', sysctls: {}, groupAdd: [] };
  assert.doesNotMatch(serviceDetail(v, DISCOVERY, NOW), /^(Sysctls|Groups|Logs):/m);
  assert.doesNotMatch(serviceDetail(view(), DISCOVERY, NOW), /^(Sysctls|Groups|Logs):/m);
});

test("service inspect for people: a job's mode, its run, its concurrency; no update, rollback or rollout rows", () => {
  const v = view();
  v.mode = 'replicated-job';
  v.replicas = 3;
  v.running = 1;
  v.healthy = 1;
  v.update = null;
  v.spec = { name: 'web', mode: 'replicated-job', replicas: 3, maxConcurrent: 2, task: { image: 'busybox' } };
  v.job = { state: 'running', completed: 1, failed: 1, total: 3, finishedAt: null };
  const text = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(text, /^Mode:\s+replicated-job$/m);
  assert.match(text, /^Replicas:\s+3 to complete, 1 running$/m);
  assert.match(text, /^Max concurrent:\s+2$/m);
  assert.match(text, /^Job:\s+running, 1\/3 completed, 1 failed$/m);
  assert.doesNotMatch(text, /^(Update|Rollback|Rollout):/m);

  v.mode = 'global-job';
  v.replicas = 2;
  v.running = 0;
  v.spec = { name: 'web', mode: 'global-job', task: { image: 'busybox' } };
  v.job = { state: 'complete', completed: 2, failed: 0, total: 2, finishedAt: '2026-12-04T11:59:00.000Z' };
  const global = serviceDetail(v, { ...DISCOVERY, endpoints: [] }, NOW);
  assert.match(global, /^Replicas:\s+2 to complete \(one on each node that meets its constraints\), 0 running$/m);
  assert.match(global, /^Job:\s+complete, 2\/2 completed \(ended 1m ago\)$/m);
  assert.doesNotMatch(global, /^Max concurrent:/m);
});

test("the Rollback line says a failed rollback pauses: its failureAction rollback (the update's, by default) never rolls back again", () => {
  const v = view();
  const rollback = { ...UPDATE, failureAction: 'rollback' as const, maxFailureRatio: 0 };
  const text = serviceDetail({ ...v, spec: { ...v.spec, rollback } }, DISCOVERY, NOW);
  assert.match(text, /^Update:\s+.*on failure rollback \(25% may fail\)/m);
  assert.match(text, /^Rollback:\s+.*on failure pause \(none may fail\)/m);
});

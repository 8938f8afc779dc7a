import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PREFERENCES } from '../../../src/api/index.js';
import { composeDurationMs } from '../../../src/compose/duration.js';
import { parseServiceSpec, slotTaskSpec } from '../../../src/service/index.js';
import { fromYaml, messageOf } from './compose-yaml.js';

const task = async (service: string): Promise<Record<string, unknown>> => {
  const { services } = await fromYaml(`services:\n  s: {image: x, ${service}}\n`);
  return services[0]?.task as Record<string, unknown>;
};

test('Compose durations (Go syntax) become milliseconds; bare numbers and garbage are refused by path', () => {
  const cases: [string, number][] = [
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['2m0.5s', 120_500],
    ['10us', 1],
    ['0', 0],
    ['0s', 0],
  ];
  for (const [text, ms] of cases) assert.equal(composeDurationMs(text, 'p'), ms, text);
  assert.throws(() => composeDurationMs(30, 'a.b'), /^Error|a\.b must be a duration with its unit/);
  assert.throws(() => composeDurationMs('5 s', 'a.b'), { message: /^a\.b is "5 s"; use a duration such as/ });
  assert.throws(() => composeDurationMs('1d', 'a.b'), { message: /^a\.b is "1d"/ });
  assert.throws(() => composeDurationMs('25h', 'a.b'), { message: /^a\.b is "25h"; durations run from 0 to 24h/ });
});

test('ports, short syntax: container only, host:container, ip:host:container/udp, ranges expanded', async () => {
  const { services, warnings } = await fromYaml(`
services:
  s:
    image: x
    ports: [80, "8080:80", "127.0.0.1:8081:81/udp", "[::1]:8082:82", "9000-9002:90-92", "7000-7001", "::83",
      "0.0.0.0:8084:84", "127.0.0.2::85"]
`);
  assert.deepEqual(services[0]?.task.ports, [
    { container: 80 },
    { container: 80, host: 8080 },
    // a host address keeps the port to that address of the node, as Docker binds it
    { container: 81, host: 8081, protocol: 'udp', hostIp: '127.0.0.1' },
    { container: 82, host: 8082, hostIp: '::1' },
    { container: 90, host: 9000 },
    { container: 91, host: 9001 },
    { container: 92, host: 9002 },
    { container: 7000 },
    { container: 7001 },
    { container: 83 },
    // every address is where the worker publishes, as with none
    { container: 84, host: 8084 },
    { container: 85, hostIp: '127.0.0.2' },
  ]);
  assert.deepEqual(warnings, []);
});

test('ports: a host address that is none is refused naming the port', async () => {
  for (const [port, message] of [
    [
      '"localhost:8080:80"',
      /services\.s\.ports\[0\] has host address "localhost", which must be an IPv4 .*127\.0\.0\.1 for localhost/,
    ],
    ['"10.0.0.300:8080:80"', /services\.s\.ports\[0\] has host address "10\.0\.0\.300"/],
    ['{target: 80, host_ip: db.local}', /services\.s\.ports\[0\]\.host_ip has host address "db\.local"/],
  ] as const) {
    await assert.rejects(fromYaml(`services: {s: {image: x, ports: [${port}]}}`), message, port);
  }
});

test('ports, long syntax: target, published, protocol, host_ip; an ingress mode is noted', async () => {
  const { services, warnings } = await fromYaml(`
services:
  s:
    image: x
    ports:
      - {target: 80, published: 8080, protocol: tcp, mode: host}
      - {target: 53, published: "5353", protocol: udp}
      - {target: 81}
      - {target: 82, published: 8082, host_ip: 0.0.0.0, mode: ingress}
      - {target: 83, host_ip: 127.0.0.1}
      - {target: 84, published: 8084, host_ip: "::1", name: admin}
`);
  assert.deepEqual(services[0]?.task.ports, [
    { container: 80, host: 8080 },
    { container: 53, host: 5353, protocol: 'udp' },
    { container: 81 },
    { container: 82, host: 8082 },
    { container: 83, hostIp: '127.0.0.1' },
    { container: 84, host: 8084, hostIp: '::1', name: 'admin' },
  ]);
  assert.deepEqual(warnings, [
    `not supported by Poseidon, ignored: services.s.ports[3].mode ("ingress": ports are published on the replica's node)`,
  ]);
});

test("ports, long syntax: a name is the port's name (its SRV record's), as in a service spec", async () => {
  const { services, warnings } = await fromYaml(`
services:
  s:
    image: x
    ports:
      - {target: 8080, published: 18080, name: web}
      - {target: 9090, name: metrics, protocol: udp}
      - {target: 7070}
    expose: ["5432"]
`);
  const ports = services[0]?.task.ports;
  assert.deepEqual(ports, [
    { container: 8080, host: 18080, name: 'web' },
    { container: 9090, protocol: 'udp', name: 'metrics' },
    { container: 7070 },
    { container: 5432, publish: false },
  ]);
  assert.deepEqual(warnings, []);
  // the manager takes them as the file's: the spec it is sent passes its own check, names kept
  const parsed = parseServiceSpec(services[0], 'services.s');
  assert.deepEqual(
    parsed.task.ports?.map((p) => p.name),
    ['web', 'metrics', undefined, undefined],
  );
});

test('ports, long syntax: a bad or repeated name is refused by its path, in the words a service spec uses', async () => {
  const spec = (ports: unknown[]): unknown => ({ name: 's', task: { image: 'x', ports } });
  const cases: [string, unknown[]][] = [
    ['{target: 80, name: Web}', [{ container: 80, name: 'Web' }]],
    ['{target: 80, name: "-web"}', [{ container: 80, name: '-web' }]],
    ['{target: 80, name: 8080}', [{ container: 80, name: 8080 }]],
    ['{target: 80, name: ""}', [{ container: 80, name: '' }]],
  ];
  for (const [yaml, ports] of cases) {
    const fromSpec = await messageOf(async () => parseServiceSpec(spec(ports)));
    const problem = fromSpec.slice('task.ports[0].name '.length);
    assert.match(problem, /^must be a DNS label: /, yaml);
    assert.equal(await messageOf(() => task(`ports: [${yaml}]`)), `services.s.ports[0].name ${problem}`, yaml);
  }
  const twice = [
    { container: 80, name: 'web' },
    { container: 81, name: 'web' },
  ];
  assert.equal(await messageOf(async () => parseServiceSpec(spec(twice))), 'task.ports[1].name "web" names two ports');
  assert.equal(
    await messageOf(() => task('ports: ["90", {target: 80, name: web}, {target: 81, name: web}]')),
    'services.s.ports[2].name "web" names two ports',
  );
});

test('ports that cannot be published as written are refused by path', async () => {
  const cases: [string, RegExp][] = [
    [
      'ports: ["8000-8002:80"]',
      /^services\.s\.ports\[0\] maps host ports 8000-8002 to container port 80, one free port of the range as docker picks it: write one host port \("8000:80"\), or none \("80"\) to let Docker choose$/,
    ],
    [
      'ports: ["8000-8002:80-81"]',
      /^services\.s\.ports\[0\] maps host ports 8000-8002 to container ports 80-81: the two ranges must be the same length/,
    ],
    ['ports: ["80/sctp"]', /^services\.s\.ports\[0\] has protocol "sctp"; Poseidon publishes tcp or udp/],
    ['ports: ["70000"]', /^services\.s\.ports\[0\] is "70000"; a port is a number from 1 to 65535/],
    ['ports: ["a:b:c:d"]', /^services\.s\.ports\[0\] is "a:b:c:d"; use "CONTAINER"/],
    ['ports: ["1-100"]', /^services\.s\.ports\[0\] is a range of 100 ports; a service has at most 64/],
    ['ports: [{published: 80}]', /^services\.s\.ports\[0\]\.target is required/],
  ];
  for (const [yaml, expected] of cases) assert.match(await messageOf(() => task(yaml)), expected, yaml);
});

test('healthcheck: CMD runs the words, CMD-SHELL and a string run /bin/sh -c, Docker defaults fill the rest', async () => {
  assert.deepEqual((await task('healthcheck: {test: [CMD, true]}'))['healthCheck'], {
    type: 'exec',
    command: ['true'],
    interval: '30s',
    timeout: '30s',
    failureThreshold: 3,
  });
  assert.deepEqual(
    (await task('healthcheck: {test: [CMD-SHELL, "wget -q -O- localhost || exit 1"], interval: 5s}'))['healthCheck'],
    {
      type: 'exec',
      command: ['/bin/sh', '-c', 'wget -q -O- localhost || exit 1'],
      interval: '5s',
      timeout: '5s',
      failureThreshold: 3,
    },
  );
  assert.deepEqual(
    (await task('healthcheck: {test: "pgrep httpd", interval: 2s, timeout: 500ms, retries: 1, start_period: 1m}'))[
      'healthCheck'
    ],
    {
      type: 'exec',
      command: ['/bin/sh', '-c', 'pgrep httpd'],
      interval: '2s',
      timeout: '500ms',
      failureThreshold: 1,
      startPeriod: '60s',
    },
  );
});

test("healthcheck: NONE and disable turn it off, the image's too; a test-less check and start_interval are noted", async () => {
  const none = await task('healthcheck: {test: [NONE]}');
  assert.equal(none['healthCheck'], undefined);
  assert.equal(none['imageHealthCheck'], false, "the image's HEALTHCHECK is off, as under Docker");
  const disabled = await task('healthcheck: {test: [CMD, true], disable: true}');
  assert.equal(disabled['healthCheck'], undefined);
  assert.equal(disabled['imageHealthCheck'], false);
  const { services, warnings } = await fromYaml(
    'services:\n  s: {image: x, healthcheck: {interval: 5s, start_interval: 1s}}\n',
  );
  assert.equal(services[0]?.task.healthCheck, undefined);
  assert.equal(services[0]?.task.imageHealthCheck, undefined, "no test: the image's runs");
  assert.deepEqual(warnings, [
    "not supported by Poseidon, ignored: services.s.healthcheck.start_interval, services.s.healthcheck (no test: the image's own HEALTHCHECK runs, with its own timing)",
  ]);
  const cases: [string, RegExp][] = [
    ['healthcheck: {test: [RUN, x]}', /^services\.s\.healthcheck\.test must start with "CMD", "CMD-SHELL" or "NONE"/],
    ['healthcheck: {test: [CMD]}', /^services\.s\.healthcheck\.test names no command after "CMD"/],
    [
      'healthcheck: {test: [CMD-SHELL, a, b]}',
      /^services\.s\.healthcheck\.test must be \["CMD-SHELL", "one command line"\]/,
    ],
    [
      'healthcheck: {test: [CMD, x], interval: 1s, timeout: 2s}',
      /^services\.s\.healthcheck\.timeout \(2s\) is longer than the interval \(1s\)/,
    ],
    ['healthcheck: {test: [CMD, x], retries: 0}', /^services\.s\.healthcheck\.retries must be at least 1/],
    // a string runs in a shell: these failed every check, and the replica was restarted over and over
    [
      'healthcheck: {test: NONE}',
      /^services\.s\.healthcheck\.test is "NONE" as a string, which a shell would run; write \[NONE\] or disable: true$/,
    ],
    [
      'healthcheck: {test: "CMD curl -f http://localhost"}',
      /^services\.s\.healthcheck\.test is "CMD curl -f http:\/\/localhost" as one string, which a shell would run, CMD and all; write it as a list \(\["CMD", …\]\) or the command line alone$/,
    ],
    ['healthcheck: {test: " CMD-SHELL true"}', /^services\.s\.healthcheck\.test is " CMD-SHELL true" as one string/],
  ];
  for (const [yaml, expected] of cases) assert.match(await messageOf(() => task(yaml)), expected, yaml);
});

test('restart_policy: none, on-failure, any; max_attempts 0 is no limit; delay is a fixed backoff', async () => {
  const policy = async (rp: string): Promise<unknown> =>
    (await task(`deploy: {restart_policy: ${rp}}`))['restartPolicy'];
  assert.deepEqual(await policy('{condition: none, max_attempts: 3}'), { mode: 'never' });
  assert.deepEqual(await policy('{condition: on-failure}'), { mode: 'on-failure', maxRestarts: null });
  assert.deepEqual(await policy('{condition: any, max_attempts: 0, delay: 500ms}'), {
    mode: 'always',
    maxRestarts: null,
    backoff: { initial: '500ms', max: '500ms' },
  });
  assert.deepEqual(await policy('{max_attempts: 2, window: 1m}'), {
    mode: 'always',
    maxRestarts: 2,
    resetAfter: '60s',
  });
});

test('resources: limits.cpus is the cpu limit, reservations.cpus the reservation, memory in Compose units', async () => {
  const res = async (r: string): Promise<Record<string, unknown>> => task(`deploy: {resources: ${r}}`);
  const t = await res('{limits: {cpus: 1.5, memory: 1g}}');
  assert.deepEqual([t['cpuLimit'], t['cpu'], t['memory']], [1.5, undefined, '1Gi']);
  assert.equal((await res('{limits: {memory: 1048576}}'))['memory'], 1048576);
  assert.equal((await res('{limits: {memory: "512kb"}}'))['memory'], '512Ki');
  assert.equal((await res('{limits: {memory: "100b"}}'))['memory'], 100);
  assert.equal((await res('{limits: {memory: "1.5G"}}'))['memory'], '1.5Gi');
  // as docker reads them (go-units): an i and a b or not, t too
  assert.equal((await res('{limits: {memory: "64Mi"}}'))['memory'], '64Mi');
  assert.equal((await res('{limits: {memory: "64MiB"}}'))['memory'], '64Mi');
  assert.equal((await res('{limits: {memory: "1t"}}'))['memory'], '1Ti');
  const { services, warnings } = await fromYaml(
    'services:\n  s: {image: x, deploy: {resources: {reservations: {memory: 64m, devices: []}}}}\n',
  );
  assert.equal(services[0]?.task.memory, '64Mi');
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: services.s.deploy.resources.reservations.devices',
    "services.s.deploy.resources.reservations.memory: Poseidon also enforces it as the container's memory limit",
  ]);
});

test('placement constraints: node.labels and node.id as written, node.hostname as node.name, node.role noted', async () => {
  const { services, warnings } = await fromYaml(`
services:
  s:
    image: x
    deploy:
      placement:
        constraints: ["node.labels.zone==a", " node.hostname != worker-2 ", "node.id == abc", "node.role == manager"]
`);
  assert.deepEqual(services[0]?.constraints, ['node.labels.zone == a', 'node.name != worker-2', 'node.id == abc']);
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: services.s.deploy.placement.constraints[3] ("node.role == manager")',
  ]);
});

test('placement preferences: each {spread: node.labels.KEY} in the order written, as the manager reads them', async () => {
  const { services, warnings } = await fromYaml(`
services:
  s:
    image: x
    deploy:
      replicas: 6
      placement:
        constraints: ["node.labels.disk == ssd"]
        preferences:
          - spread: node.labels.zone
          - {spread: node.labels.rack}
  t: {image: x, deploy: {placement: {preferences: []}}}
`);
  assert.deepEqual(services[0]?.preferences, [{ spread: 'node.labels.zone' }, { spread: 'node.labels.rack' }]);
  assert.deepEqual(parseServiceSpec(services[0]).preferences, services[0]?.preferences);
  assert.equal(services[1] !== undefined && 'preferences' in services[1], false, 'an empty list says none');
  assert.deepEqual(warnings, []);
});

test('placement preferences that are not {spread: node.labels.KEY}, too many, or with mode: global are refused by path', async () => {
  const prefs = (list: string, mode = ''): string =>
    `services:\n  web: {image: x, deploy: {${mode}placement: {preferences: ${list}}}}\n`;
  const form = 'an item is {spread: node.labels.KEY}, such as {spread: node.labels.zone}';
  const cases: [string, string][] = [
    [
      prefs('[{spread: node.labels.zone, weight: 2}]'),
      `services.web.deploy.placement.preferences[0] has "weight"; ${form}`,
    ],
    [prefs('[{}]'), `services.web.deploy.placement.preferences[0] has no spread; ${form}`],
    [
      prefs('[{spread: node.labels.zone}, node.labels.rack]'),
      'services.web.deploy.placement.preferences[1] must be a mapping (got "node.labels.rack")',
    ],
    [
      prefs('[{spread: zone}]'),
      `services.web.deploy.placement.preferences[0].spread is "zone"; use node.labels.KEY with a node label's key, ` +
        'such as node.labels.zone',
    ],
    [
      prefs('[{spread: node.labels.-a}]'),
      `services.web.deploy.placement.preferences[0].spread is "node.labels.-a"; use node.labels.KEY with a node ` +
        "label's key, such as node.labels.zone",
    ],
    [prefs('[{spread: 3}]'), 'services.web.deploy.placement.preferences[0].spread must be a string (got 3)'],
    [
      prefs('[{spread: node.labels.zone}, {spread: node.labels.zone}]'),
      'services.web.deploy.placement.preferences[1].spread repeats node.labels.zone; give each label once',
    ],
    [prefs('{spread: node.labels.zone}'), 'services.web.deploy.placement.preferences must be a list (got a mapping)'],
    [
      prefs(`[${['a', 'b', 'c', 'd'].slice(0, MAX_PREFERENCES + 1).map((k) => `{spread: node.labels.${k}}`)}]`),
      `services.web.deploy.placement.preferences has ${MAX_PREFERENCES + 1} items; at most ${MAX_PREFERENCES}`,
    ],
    [
      prefs('[{spread: node.labels.zone}]', 'mode: global, '),
      'services.web.deploy.placement.preferences is set with mode: global, which runs one replica on each node ' +
        'that meets the constraints; leave it out',
    ],
  ];
  for (const [yaml, expected] of cases) assert.equal(await messageOf(() => fromYaml(yaml)), expected, yaml);
  // nothing to spread is no trouble for a global service
  const { services } = await fromYaml(prefs('[]', 'mode: global, '));
  assert.equal(services[0]?.mode, 'global');
});

test('volumes: named (short and long, declared at the top), bind mounts as host paths, tmpfs, anonymous ones noted', async () => {
  const { services, warnings } = await fromYaml(`
services:
  db:
    image: x
    volumes:
      - db-data:/var/lib/data
      - ./conf:/etc/app:ro
      - /srv/logs:/logs:rw
      - {type: volume, source: shared, target: /shared, read_only: true}
      - {type: bind, source: ../up, target: /up}
      - /anonymous
      - {type: tmpfs, target: /tmp}
volumes:
  db-data:
  shared: {name: team-shared}
`);
  assert.deepEqual(services[0]?.task.volumes, [
    { name: 'app-db-data', path: '/var/lib/data' },
    { hostPath: '/srv/app/conf', path: '/etc/app', readOnly: true },
    { hostPath: '/srv/logs', path: '/logs' },
    { name: 'team-shared', path: '/shared', readOnly: true },
    { hostPath: '/srv/up', path: '/up' },
  ]);
  assert.deepEqual(services[0]?.task.tmpfs, [{ path: '/tmp' }], "a tmpfs is the task's own tmpfs list");
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: services.db.volumes[5] (anonymous volume "/anonymous")',
  ]);
  assert.match(
    await messageOf(() => fromYaml('services:\n  s: {image: x, volumes: ["nope:/data"]}\n')),
    /^services\.s\.volumes\[0\] uses volume "nope", which the top-level volumes: key does not declare/,
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  s: {image: x, volumes: ["~/x:/data"]}\n')),
    /^services\.s\.volumes\[0\] names "~\/x"; write the host path without ~/,
  );
  const ext = await fromYaml(
    'services:\n  s: {image: x, volumes: ["v:/d"]}\nvolumes:\n  v: {external: true, driver: nfs}\n',
  );
  assert.deepEqual(ext.services[0]?.task.volumes, [{ name: 'v', path: '/d' }]);
  assert.deepEqual(ext.warnings, [
    'not supported by Poseidon, ignored: volumes.v.driver ("nfs": volumes use the engine\'s local driver)',
    "volumes.v.external is not applied: each replica mounts its slot's own volume (v-1, v-2, …), made on its " +
      'node when missing, not an existing v (copy its data into v-1, or bind-mount a host directory)',
  ]);
});

test("a named volume two services mount is noted: each replica mounts its slot's own, so they share it slot by slot", async () => {
  const { services, warnings } = await fromYaml(`
services:
  web: {image: x, volumes: ["static:/www:ro", "own:/own"]}
  php: {image: x, volumes: [{type: volume, source: static, target: /app/public}]}
  cron: {image: x}
volumes:
  static:
  own:
`);
  assert.deepEqual(
    services.map((s) => slotTaskSpec(s, 2).volumes?.[0]?.name),
    ['app-static-2', 'app-static-2', undefined],
    'what the note says: slot 2 of each mounts app-static-2',
  );
  assert.deepEqual(warnings, [
    "volumes.static is mounted by services.web, services.php: each replica mounts its slot's own volume " +
      '(app-static-1, app-static-2, …), so they share it only slot by slot, replica 1 with replica 1 on one node ' +
      '(use a bind mount to share one directory of a host)',
  ]);
});

test('the note on a fixed host port of several replicas names its host address as status shows it', async () => {
  const { warnings } = await fromYaml(`
services:
  s:
    image: x
    ports: ["127.0.0.1:5432:5432"]
    deploy: {replicas: 2}
`);
  assert.match(
    warnings.join('\n'),
    /services\.s\.ports: 127\.0\.0\.1:5432->5432\/tcp is published on the node of each/,
  );
});

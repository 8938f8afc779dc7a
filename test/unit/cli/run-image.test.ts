import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { commandAfterImage, imageFlagsGiven, imageTaskSpec, runTarget } from '../../../src/cli/run-image.js';
import { parseSpec, validateSpec } from '../../../src/task/index.js';

const fixed = (): string => 'a1b2';
const spec = (image: string, command: string[], flags = {}, env = {}): Record<string, unknown> =>
  imageTaskSpec(image, command, flags, env, fixed);

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  assert.fail('not refused');
}

test('an image with no flags is a task named after the image, with its own command; the spec is one a file could hold', () => {
  assert.deepEqual(spec('nginx:1.27', []), { name: 'nginx-a1b2', image: 'nginx:1.27' });
  assert.deepEqual(spec('registry.example.com:5000/team/web_app:v2@sha256:' + 'a'.repeat(64), ['sleep', '1']), {
    name: 'web-app-a1b2',
    image: `registry.example.com:5000/team/web_app:v2@sha256:${'a'.repeat(64)}`,
    command: ['sleep', '1'],
  });
  validateSpec(spec('poseidon/busybox:latest', ['sleep', '300']));
});

test('every flag lands where a task file would put it', () => {
  const s = spec(
    'poseidon/busybox:latest',
    ['httpd', '-f'],
    {
      name: 'web',
      env: ['MODE=demo', 'EMPTY=', 'FROM_HERE', 'EQ=a=b'],
      publish: ['8080', '18090:80', '53/udp', '9000-9001:9000-9001'],
      volume: ['data:/var/lib/data', '/srv/www:/www:ro'],
      label: ['team=web'],
      constraint: ['node.labels.zone == a'],
      cpu: '0.5',
      memory: '256Mi',
      cpuLimit: '1.5',
      pidsLimit: '256',
      restart: 'on-failure:5',
    },
    { FROM_HERE: 'here' },
  );
  assert.deepEqual(s, {
    name: 'web',
    image: 'poseidon/busybox:latest',
    command: ['httpd', '-f'],
    env: { MODE: 'demo', EMPTY: '', FROM_HERE: 'here', EQ: 'a=b' },
    labels: { team: 'web' },
    ports: [
      { container: 8080 },
      { container: 80, host: 18090 },
      { container: 53, protocol: 'udp' },
      { container: 9000, host: 9000 },
      { container: 9001, host: 9001 },
    ],
    volumes: [
      { name: 'data', path: '/var/lib/data' },
      { hostPath: '/srv/www', path: '/www', readOnly: true },
    ],
    constraints: ['node.labels.zone == a'],
    cpu: 0.5,
    memory: '256Mi',
    cpuLimit: 1.5,
    pidsLimit: 256,
    restartPolicy: { mode: 'on-failure', maxRestarts: 5 },
  });
  validateSpec(s);
  assert.deepEqual(spec('x', [], { restart: 'always' }).restartPolicy, { mode: 'always' });
  assert.deepEqual(spec('x', [], { restart: 'no' }).restartPolicy, { mode: 'never' }, "Docker's spelling");
});

test("--health-cmd is an exec check by /bin/sh, with Docker's defaults unless its flags say otherwise", () => {
  assert.deepEqual(spec('x', [], { healthCmd: 'test -f /ready' }).healthCheck, {
    type: 'exec',
    command: ['/bin/sh', '-c', 'test -f /ready'],
    interval: 30_000,
    timeout: 30_000,
    failureThreshold: 3,
  });
  const s = spec('x', [], {
    healthCmd: 'wget -q -O- http://127.0.0.1/',
    healthInterval: '2s',
    healthTimeout: '500ms',
    healthRetries: '5',
    healthStartPeriod: '10s',
  });
  assert.deepEqual(s.healthCheck, {
    type: 'exec',
    command: ['/bin/sh', '-c', 'wget -q -O- http://127.0.0.1/'],
    interval: 2_000,
    timeout: 500,
    failureThreshold: 5,
    startPeriod: 10_000,
  });
  validateSpec(s);
  const minute = spec('x', [], { healthCmd: 'true', healthInterval: '1m' }).healthCheck as { timeout: number };
  assert.equal(minute.timeout, 30_000, "Docker's 30 s, under a longer interval");
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ healthInterval: '2s' }, /^--health-interval goes with --health-cmd/],
    [{ healthCmd: ' ' }, /^--health-cmd is empty/],
    [{ healthCmd: 'true', healthInterval: '5' }, /^--health-interval is "5", a number without a unit/],
    [{ healthCmd: 'true', healthInterval: '1s', healthTimeout: '2s' }, /^--health-timeout is longer than/],
    [{ healthCmd: 'true', healthRetries: '0' }, /^--health-retries is "0"; use a whole number from 1$/],
  ];
  for (const [flags, message] of cases)
    assert.match(
      refused(() => spec('busybox', [], flags)),
      message,
    );
});

test('--expose: ports bound to no host port; one --publish gives stays published', () => {
  assert.deepEqual(spec('busybox', [], { publish: ['8080:80'], expose: ['80', '5432', '53/udp'] }).ports, [
    { container: 80, host: 8080 },
    { container: 5432, publish: false },
    { container: 53, protocol: 'udp', publish: false },
  ]);
});

test('-p IP:HOST:CONTAINER publishes on that host address only, as docker run -p does', () => {
  assert.deepEqual(
    spec('busybox', [], { publish: ['127.0.0.1:8080:80', '[::1]:8443:443', '127.0.0.1::53/udp', '0.0.0.0:9090:90'] })
      .ports,
    [
      { container: 80, host: 8080, hostIp: '127.0.0.1' },
      { container: 443, host: 8443, hostIp: '::1' },
      { container: 53, protocol: 'udp', hostIp: '127.0.0.1' },
      // every address: where the worker publishes, as with none
      { container: 90, host: 9090 },
    ],
  );
});

test('a bad flag value is refused naming the flag, before anything is sent', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ name: 'Web Server' }, /^--name must be a DNS label/],
    [{ env: ['=x'] }, /^--env is "=x"; use NAME=value$/],
    [{ env: ['UNSET_HERE'] }, /^--env is "UNSET_HERE", which is not set here/],
    [{ label: ['team'] }, /^--label is "team"; use NAME=value$/],
    [{ publish: ['80:http'] }, /^--publish\[0\] is "80:http"; /],
    [{ publish: ['localhost:80:80'] }, /^--publish\[0\] has host address "localhost", which must be an IPv4 or IPv6/],
    [{ publish: ['[fe80::1%eth0]:80:80'] }, /^--publish\[0\] has host address "fe80::1%eth0"/],
    [{ expose: ['5432:5432'] }, /^--expose\[0\] is "5432:5432"; a port is a number/],
    [{ volume: ['data'] }, /^--volume is "data"; use NAME:\/path/],
    [{ volume: ['./here:/data'] }, /^--volume is "\.\/here:\/data"; a directory of the node is an absolute path$/],
    [{ volume: ['data:/x:rx'] }, /^--volume is "data:\/x:rx"/],
    [{ cpu: 'half' }, /^--cpu is "half"; use a number of cores/],
    [{ cpu: '0' }, /^--cpu is "0"/],
    [{ cpuLimit: '0' }, /^--cpu-limit is "0"; use a number of cores above 0, such as 0\.5$/],
    [{ cpuLimit: '2 cores' }, /^--cpu-limit is "2 cores"/],
    [{ pidsLimit: '1' }, /^--pids-limit is "1"; use a whole number from 2 to 4194304$/],
    [{ pidsLimit: '-1' }, /^--pids-limit is "-1"/],
    [{ pidsLimit: '' }, /^--pids-limit is ""/],
    [{ restart: 'always:3' }, /^--restart is "always:3"; use never, always, on-failure or on-failure:N$/],
  ];
  for (const [flags, message] of cases)
    assert.match(
      refused(() => spec('busybox', [], flags)),
      message,
    );
  assert.match(
    refused(() => spec('Not An Image', [])),
    /^IMAGE is "Not An Image": neither a task file here nor/,
  );
});

test("after the image: a leading -- is dropped; one of run's own options is refused, saying where it goes", () => {
  const options = [{ long: '--wait' }, { short: '-e', long: '--env' }];
  assert.deepEqual(commandAfterImage(['ls', '-la'], options), ['ls', '-la']);
  assert.deepEqual(commandAfterImage(['--', '--wait'], options), ['--wait']);
  assert.deepEqual(
    commandAfterImage(['--appendonly', 'yes'], options),
    ['--appendonly', 'yes'],
    "an entrypoint's flag",
  );
  assert.match(
    refused(() => commandAfterImage(['--wait'], options)),
    /^--wait after the image is the container's/,
  );
  assert.match(
    refused(() => commandAfterImage(['-e', 'A=1'], options)),
    /put poseidon's options before the image/,
  );
  assert.match(
    refused(() => commandAfterImage(['--env=A=1'], options)),
    /^--env after the image/,
  );
});

test("one of run's own long options further on goes to the command, with a warning saying where it belongs", () => {
  const options = [{ long: '--wait' }, { short: '-e', long: '--env' }, { long: '--json' }];
  const warnings: string[] = [];
  const warn = (line: string): number => warnings.push(line);
  assert.deepEqual(commandAfterImage(['sleep', '30', '--wait', '--json'], options, warn), [
    'sleep',
    '30',
    '--wait',
    '--json',
  ]);
  assert.deepEqual(warnings, [
    "--wait, --json came after the image, so the container's command has them (sleep 30 --wait --json); " +
      "poseidon's options go before the image, and -- before the command says it is the program's",
  ]);
  warnings.length = 0;
  commandAfterImage(['sleep', '5', '--wait'], options, warn);
  assert.match(
    warnings.pop() ?? '',
    /^--wait came after the image, so the container's command has it \(sleep 5 --wait\)/,
  );
  commandAfterImage(['sh', '-c', 'echo -e x', '-e'], options, warn);
  commandAfterImage(['--', 'helm', 'install', 'x', '--wait'], options, warn);
  assert.deepEqual(warnings, [], "a short flag (echo's -e) and a command after -- are the program's: no warning");
});

test('a task file is what exists here or is spelled as one; anything else is an image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-run-target-'));
  const file = join(dir, 'web');
  writeFileSync(file, '{}');
  assert.equal(runTarget(file), 'file', 'an existing file, whatever its name');
  assert.equal(runTarget(join(dir, 'missing.yaml')), 'file', 'spelled as a task file: its error says it is missing');
  assert.equal(runTarget(join(dir, 'task.JSON')), 'file');
  assert.equal(runTarget(dir), 'image', 'a directory is no task file');
  assert.equal(runTarget('nginx:1.27'), 'image');
  assert.deepEqual(imageFlagsGiven({ env: [], label: ['a=b'], cpu: '1' }), ['--label', '--cpu']);
});

test("--no-healthcheck turns the image's own HEALTHCHECK off, as docker run's does; not with --health-cmd", () => {
  const off = spec('x', [], { healthcheck: false });
  assert.equal(off.imageHealthCheck, false);
  validateSpec(off); // a file could hold it
  assert.equal(
    'imageHealthCheck' in spec('x', [], { healthcheck: true }),
    false,
    "commander's default: the image's counts",
  );
  assert.equal(
    refused(() => spec('x', [], { healthcheck: false, healthCmd: 'true' })),
    '--no-healthcheck and --health-cmd say opposite things; give one',
  );
  assert.deepEqual(imageFlagsGiven({ healthcheck: false }), ['--no-healthcheck']);
  assert.deepEqual(imageFlagsGiven({ healthcheck: true }), [], 'only when given');
});

test("the process flags land in the task's own fields, as a task file would put them", () => {
  const s = spec('x', ['echo', 'hi'], {
    entrypoint: '/bin/sh -c',
    user: '1000:1000',
    workdir: '/app',
    stopSignal: 'int',
    stopGracePeriod: '1m',
    readOnly: true,
  });
  assert.deepEqual(s, {
    name: 'x-a1b2',
    image: 'x',
    command: ['echo', 'hi'],
    entrypoint: ['/bin/sh', '-c'],
    user: '1000:1000',
    workdir: '/app',
    stopSignal: 'SIGINT',
    stopGracePeriod: 60_000,
    readOnlyRootfs: true,
  });
  const parsed = parseSpec(validateSpec(s));
  assert.deepEqual(parsed.entrypoint, ['/bin/sh', '-c']);
  assert.equal(parsed.stopGraceMs, 60_000);
  // split as a shell would; "" is no entrypoint at all (the command runs alone), as docker run's
  assert.deepEqual(spec('x', [], { entrypoint: `"my tool" --flag='a b'` }).entrypoint, ['my tool', '--flag=a b']);
  assert.deepEqual(spec('x', [], { entrypoint: '' }).entrypoint, []);
  assert.equal(spec('x', [], { stopSignal: '2' }).stopSignal, '2');
  assert.equal(spec('x', [], { stopGracePeriod: '0' }).stopGracePeriod, 0);
  // "" for the others is the image's own: no field
  const none = spec('x', [], { user: '', workdir: '', stopSignal: '', stopGracePeriod: '' });
  assert.deepEqual(none, { name: 'x-a1b2', image: 'x' });
  assert.equal('readOnlyRootfs' in spec('x', [], { readOnly: undefined }), false);
  assert.deepEqual(imageFlagsGiven({ readOnly: true, user: 'nobody', entrypoint: '' }), [
    '--entrypoint',
    '--user',
    '--read-only',
  ]);
});

test('a bad process flag is refused naming the flag, before anything is sent', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ entrypoint: '"open' }, /^--entrypoint leaves a quote open: /],
    [{ user: 'a b' }, /^--user is "a b"; use USER or USER:GROUP, each a name or a number/],
    [{ user: '1000:' }, /^--user is "1000:"/],
    [{ workdir: 'app' }, /^--workdir is "app"; use an absolute path in the container, such as \/app$/],
    [{ stopSignal: 'SIGFOO' }, /^--stop-signal must be a signal such as "SIGTERM".* \(got "SIGFOO"\)$/],
    [{ stopSignal: '65' }, /^--stop-signal must be a signal/],
    [{ stopGracePeriod: '10' }, /^--stop-grace-period is "10", a number without a unit/],
    [{ stopGracePeriod: '25h' }, /^--stop-grace-period is "25h"; durations run from 0 to 24h$/],
    [{ stopGracePeriod: 'soon' }, /^--stop-grace-period is "soon"; use a duration/],
  ];
  for (const [flags, message] of cases)
    assert.match(
      refused(() => spec('busybox', [], flags)),
      message,
    );
});

test("--pull always|never is the task's pull, in any case; missing (the default) is no field, as a file without it", () => {
  assert.deepEqual(spec('app:latest', [], { pull: 'always' }), {
    name: 'app-a1b2',
    image: 'app:latest',
    pull: 'always',
  });
  assert.equal(spec('x', [], { pull: 'NEVER' }).pull, 'never');
  assert.equal(spec('x', [], { pull: ' Always ' }).pull, 'always');
  assert.deepEqual(spec('x', [], { pull: 'missing' }), { name: 'x-a1b2', image: 'x' });
  assert.deepEqual(spec('x', [], { pull: 'Missing' }), spec('x', []));
  assert.equal(parseSpec(validateSpec(spec('x', [], { pull: 'always' }))).pull, 'always');
  assert.equal(parseSpec(validateSpec(spec('x', [], { pull: 'never' }))).pull, 'never');
  assert.deepEqual(imageFlagsGiven({ pull: 'missing' }), ['--pull'], 'a task file says its own pull');
});

test('a bad --pull is refused naming the flag and its values, before anything is sent', () => {
  assert.equal(
    refused(() => spec('x', [], { pull: 'sometimes' })),
    '--pull must be "missing", "always" or "never" (got "sometimes")',
  );
  assert.equal(
    refused(() => spec('x', [], { pull: '' })),
    '--pull must be "missing", "always" or "never" (got "")',
  );
  assert.equal(
    refused(() => spec('x', [], { pull: 'if_not_present' })),
    '--pull must be "missing", "always" or "never" (got "if_not_present")',
  );
});

test('run and service create take --pull <policy>, with its values in the help', () => {
  const program = buildProgram();
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  for (const cmd of [
    program.commands.find((c) => c.name() === 'run') as Command,
    service.commands.find((c) => c.name() === 'create') as Command,
  ]) {
    cmd.parseOptions(['--pull', 'always']);
    assert.equal(cmd.opts().pull, 'always', cmd.name());
    const option = cmd.options.find((o) => o.long === '--pull');
    assert.equal(option?.flags, '--pull <policy>', cmd.name());
    assert.equal(
      option?.description,
      'when workers pull the image: missing (default, only when the host lacks it), always (before each start), never',
    );
  }
});

test('run and service create take -u and -w (no other option of theirs has the letter), --read-only alone', () => {
  const program = buildProgram();
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  for (const cmd of [
    program.commands.find((c) => c.name() === 'run') as Command,
    service.commands.find((c) => c.name() === 'create') as Command,
  ]) {
    cmd.parseOptions(['-u', 'nobody', '-w', '/srv', '--entrypoint', '', '--stop-signal', 'INT']);
    cmd.parseOptions(['--stop-grace-period', '5s', '--read-only']);
    const opts = cmd.opts();
    assert.deepEqual(
      [opts.user, opts.workdir, opts.entrypoint, opts.stopSignal, opts.stopGracePeriod, opts.readOnly],
      ['nobody', '/srv', '', 'INT', '5s', true],
      cmd.name(),
    );
    assert.equal(
      cmd.options.some((o) => o.long === '--no-read-only'),
      false,
    );
  }
});

test('--tmpfs: a path, or PATH:size=N as docker run takes it (k, m, g: KiB, MiB, GiB) or a quantity; repeatable', () => {
  const s = spec('x', [], {
    tmpfs: ['/tmp:size=64m', '/run/app/', '/cache:size=1.5g', '/k:size=512k', '/q:size=64Mi', '/b:size=4096', '/e:'],
    volume: ['data:/data'],
    readOnly: true,
  });
  assert.deepEqual(s.tmpfs, [
    { path: '/tmp', size: '64Mi' },
    { path: '/run/app' },
    { path: '/cache', size: '1.5Gi' },
    { path: '/k', size: '512Ki' },
    { path: '/q', size: '64Mi' },
    { path: '/b', size: 4096 },
    { path: '/e' },
  ]);
  const parsed = parseSpec(validateSpec(s));
  assert.deepEqual(parsed.tmpfs?.slice(0, 2), [{ path: '/tmp', sizeBytes: 64 * 2 ** 20 }, { path: '/run/app' }]);
  assert.deepEqual(
    spec('x', [], { tmpfs: ['/t:size=64M', '/g:size=1G'] }).tmpfs,
    [
      { path: '/t', size: '64Mi' },
      { path: '/g', size: '1Gi' },
    ],
    'M and G as docker (the kernel) reads them: MiB, GiB',
  );
  assert.equal('tmpfs' in spec('x', [], { tmpfs: [] }), false);
  assert.deepEqual(imageFlagsGiven({ tmpfs: ['/tmp'] }), ['--tmpfs']);
});

test('a bad --tmpfs is refused naming the flag, before anything is sent', () => {
  const cases: Array<[string[], RegExp]> = [
    [['tmp'], /^--tmpfs is "tmp"; a tmpfs is at an absolute path in the container, such as \/tmp$/],
    [['./tmp:size=1m'], /^--tmpfs is "\.\/tmp"; a tmpfs is at an absolute path/],
    [['/tmp/..'], /^--tmpfs is "\/tmp\/\.\."; mount a tmpfs on a directory below \/$/],
    [['/tmp:rw,noexec'], /^--tmpfs is "\/tmp:rw,noexec"; only size= is taken after the path, such as \/tmp:size=64m/],
    [['/tmp:size=64m,mode=1777'], /^--tmpfs is "\/tmp:size=64m,mode=1777"; only size= is taken/],
    [
      ['/tmp:size=lots'],
      /^--tmpfs is "\/tmp:size=lots"; size= takes bytes, 512k, 64m or 1g \(KiB, MiB, GiB, as docker's\)/,
    ],
    [['/tmp:size=64MB'], /^--tmpfs is "\/tmp:size=64MB"; size= takes bytes/],
    [['/tmp:size='], /^--tmpfs is "\/tmp:size="; size= takes bytes/],
    [['/tmp:size=0'], /^--tmpfs is "\/tmp:size=0"; a tmpfs's size must be above 0$/],
    [['/tmp:size=0m'], /^--tmpfs is "\/tmp:size=0m"; a tmpfs's size must be above 0$/],
    [['/tmp', '/tmp/'], /^--tmpfs mounts a tmpfs at \/tmp twice$/],
  ];
  for (const [tmpfs, message] of cases)
    assert.match(
      refused(() => spec('busybox', [], { tmpfs })),
      message,
      tmpfs.join(' '),
    );
  assert.equal(
    refused(() => spec('busybox', [], { volume: ['data:/data/'], tmpfs: ['/data'] })),
    '--tmpfs mounts a tmpfs at /data, where a --volume is mounted',
  );
});

test('run and service create take --tmpfs, repeated', () => {
  const program = buildProgram();
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  for (const cmd of [
    program.commands.find((c) => c.name() === 'run') as Command,
    service.commands.find((c) => c.name() === 'create') as Command,
  ]) {
    cmd.parseOptions(['--tmpfs', '/tmp:size=64m', '--tmpfs', '/run']);
    assert.deepEqual(cmd.opts().tmpfs, ['/tmp:size=64m', '/run'], cmd.name());
  }
});

test("the container flags land in the task's own fields, as a task file would put them", () => {
  const s = spec('x', [], {
    hostname: 'web-1.internal',
    addHost: ['db:10.0.0.5', 'gw=host-gateway', 'v6:2001:db8::1', 'db:10.0.0.5', 'br:[::1]'],
    shmSize: '1g',
    ulimit: ['nofile=1024:65536', 'NPROC=512', 'memlock=unlimited', 'core=-1:-1', 'stack=8192:unlimited'],
    capAdd: ['net_admin', 'CAP_SYS_TIME', 'NET_ADMIN'],
    capDrop: ['all'],
  });
  assert.deepEqual(s, {
    name: 'x-a1b2',
    image: 'x',
    hostname: 'web-1.internal',
    extraHosts: ['db:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1', 'br:::1'],
    shmSize: '1Gi',
    ulimits: {
      nofile: { soft: 1024, hard: 65536 },
      nproc: 512,
      memlock: -1,
      core: -1,
      stack: { soft: 8192, hard: -1 },
    },
    capAdd: ['NET_ADMIN', 'SYS_TIME'],
    capDrop: ['ALL'],
  });
  const parsed = parseSpec(validateSpec(s));
  assert.equal(parsed.hostname, 'web-1.internal');
  assert.deepEqual(parsed.extraHosts, ['db:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1', 'br:::1']);
  assert.equal(parsed.shmSizeBytes, 2 ** 30);
  assert.deepEqual(parsed.ulimits, [
    { name: 'core', soft: -1, hard: -1 },
    { name: 'memlock', soft: -1, hard: -1 },
    { name: 'nofile', soft: 1024, hard: 65536 },
    { name: 'nproc', soft: 512, hard: 512 },
    { name: 'stack', soft: 8192, hard: -1 },
  ]);
  assert.deepEqual([parsed.capAdd, parsed.capDrop], [['NET_ADMIN', 'SYS_TIME'], ['ALL']]);
  // --shm-size as docker reads it: k, m, g, t in either case, b and iB too, MiB not MB; bytes a number
  const shm = (text: string): unknown => spec('x', [], { shmSize: text }).shmSize;
  assert.deepEqual(['64m', '64M', '64mb', '64MiB', '64Mi', '512k', '1.5g', '4096', '4096b'].map(shm), [
    '64Mi',
    '64Mi',
    '64Mi',
    '64Mi',
    '64Mi',
    '512Ki',
    '1.5Gi',
    4096,
    4096,
  ]);
  // "" is Docker's own: no field; so are lists given empty
  assert.deepEqual(spec('x', [], { hostname: '', shmSize: '', addHost: [], ulimit: [], capAdd: [], capDrop: [] }), {
    name: 'x-a1b2',
    image: 'x',
  });
  assert.deepEqual(
    imageFlagsGiven({ hostname: '', addHost: ['a:1.2.3.4'], shmSize: '1g', ulimit: ['nofile=1'], capAdd: ['X'] }),
    ['--hostname', '--add-host', '--shm-size', '--ulimit', '--cap-add'],
  );
  assert.deepEqual(imageFlagsGiven({ capDrop: ['ALL'] }), ['--cap-drop'], 'a task file says its own');
});

test('a bad container flag is refused naming the flag, before anything is sent', () => {
  const ulimitForm = 'use NAME=SOFT[:HARD], such as nofile=1024:65536 or nproc=512 (-1 or unlimited: no limit)';
  const capRule = 'must be a Linux capability such as "NET_ADMIN" (or "CAP_NET_ADMIN"), or "ALL"';
  const hostRule =
    'must be NAME:ADDRESS (an IPv4 or IPv6 address, or host-gateway: the node), such as "db.internal:10.0.0.5"';
  const shmRule = 'use bytes, or a size such as 64m or 1g (MiB, GiB, as docker reads them) or 64Mi';
  const cases: Array<[Record<string, unknown>, string]> = [
    [
      { hostname: 'web_1' },
      '--hostname must be a host name of at most 63 characters: letters, digits and "-", in labels separated by dots ' +
        '(got "web_1")',
    ],
    [
      { hostname: 'a'.repeat(64) },
      `--hostname must be a host name of at most 63 characters: letters, digits and "-", in labels separated by dots (got "${'a'.repeat(64)}")`,
    ],
    [{ addHost: ['x'] }, `--add-host ${hostRule} (got "x")`],
    [{ addHost: ['db:10.0.0.256'] }, `--add-host ${hostRule} (got "db:10.0.0.256")`],
    [{ addHost: ['db_1:10.0.0.5'] }, `--add-host ${hostRule} (got "db_1:10.0.0.5")`],
    [{ addHost: ['db:gateway'] }, `--add-host ${hostRule} (got "db:gateway")`],
    [
      { addHost: Array.from({ length: 65 }, (_, i) => `h${i}:10.0.0.${i}`) },
      '--add-host adds 65 /etc/hosts entries; at most 64',
    ],
    [{ shmSize: 'lots' }, `--shm-size is "lots"; ${shmRule}`],
    [{ shmSize: '-1' }, `--shm-size is "-1"; ${shmRule}`],
    [{ shmSize: '0' }, '--shm-size is "0"; /dev/shm\'s size must be above 0 (leave it out for the 64 MiB default)'],
    [{ shmSize: '0m' }, '--shm-size is "0m"; /dev/shm\'s size must be above 0 (leave it out for the 64 MiB default)'],
    [{ ulimit: ['nofile'] }, `--ulimit is "nofile"; ${ulimitForm}`],
    [{ ulimit: ['nofile='] }, `--ulimit is "nofile="; ${ulimitForm}`],
    [{ ulimit: ['nofile=-2'] }, `--ulimit is "nofile=-2"; ${ulimitForm}`],
    [{ ulimit: ['nofile=1:2:3'] }, `--ulimit is "nofile=1:2:3"; ${ulimitForm}`],
    [{ ulimit: ['nofile=lots'] }, `--ulimit is "nofile=lots"; ${ulimitForm}`],
    [
      { ulimit: ['files=10'] },
      '--ulimit is "files=10"; the name must be one of core, cpu, data, fsize, locks, memlock, msgqueue, nice, ' +
        'nofile, nproc, rss, rtprio, rttime, sigpending, stack',
    ],
    [{ ulimit: ['nofile=2048:1024'] }, '--ulimit is "nofile=2048:1024"; its soft limit is above its hard one'],
    [
      { ulimit: ['nofile=unlimited:1024'] },
      '--ulimit is "nofile=unlimited:1024"; its soft limit is above its hard one',
    ],
    [{ ulimit: ['nofile=1', 'NOFILE=2:3'] }, '--ulimit names nofile twice; give each limit once'],
    [{ capAdd: ['NET_ADMINN'] }, `--cap-add ${capRule} (got "NET_ADMINN")`],
    [{ capDrop: ['CAP_'] }, `--cap-drop ${capRule} (got "CAP_")`],
    [
      { capAdd: ['net_admin'], capDrop: ['CAP_NET_ADMIN'] },
      '--cap-drop drops NET_ADMIN, which --cap-add adds: give it in one of them',
    ],
  ];
  for (const [flags, message] of cases)
    assert.equal(
      refused(() => spec('busybox', [], flags)),
      message,
      JSON.stringify(flags).slice(0, 60),
    );
  // dropping ALL and adding one back is docker's usual pair, not a contradiction
  assert.deepEqual(spec('x', [], { capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }).capAdd, ['NET_BIND_SERVICE']);
});

test('run and service create take the container flags as docker run spells them, the lists repeated', () => {
  const program = buildProgram();
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  for (const cmd of [
    program.commands.find((c) => c.name() === 'run') as Command,
    service.commands.find((c) => c.name() === 'create') as Command,
  ]) {
    cmd.parseOptions(['--hostname', 'web', '--add-host', 'db:10.0.0.5', '--add-host', 'gw:host-gateway']);
    cmd.parseOptions(['--shm-size', '1g', '--ulimit', 'nofile=1024:65536', '--ulimit', 'nproc=512']);
    cmd.parseOptions(['--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_TIME', '--cap-drop', 'ALL']);
    const o = cmd.opts();
    assert.deepEqual(
      [o.hostname, o.addHost, o.shmSize, o.ulimit, o.capAdd, o.capDrop],
      [
        'web',
        ['db:10.0.0.5', 'gw:host-gateway'],
        '1g',
        ['nofile=1024:65536', 'nproc=512'],
        ['NET_ADMIN', 'SYS_TIME'],
        ['ALL'],
      ],
      cmd.name(),
    );
    assert.equal(cmd.options.find((o) => o.long === '--hostname')?.short, undefined, '-h stays help');
    for (const flag of ['--host-add', '--host-rm', '--ulimit-add', '--ulimit-rm'])
      assert.equal(
        cmd.options.some((o) => o.long === flag),
        false,
        flag,
      );
  }
});

test("--sysctl, --group-add and --log-opt land in the task's own fields, as a task file would put them", () => {
  const s = spec('x', [], {
    sysctl: ['net.core.somaxconn=1024', 'net.ipv4.ip_unprivileged_port_start=80', 'kernel.shmmax=a=b'],
    groupAdd: ['audio', '1234', 'audio'],
    logOpt: ['max-size=50m', 'max-file=5'],
  });
  assert.deepEqual(s, {
    name: 'x-a1b2',
    image: 'x',
    sysctls: { 'net.core.somaxconn': '1024', 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shmmax': 'a=b' },
    groupAdd: ['audio', '1234'],
    logs: { maxSize: '50Mi', maxFiles: 5 },
  });
  const parsed = parseSpec(validateSpec(s));
  assert.deepEqual(parsed.sysctls, {
    'kernel.shmmax': 'a=b',
    'net.core.somaxconn': '1024',
    'net.ipv4.ip_unprivileged_port_start': '80',
  });
  assert.deepEqual(parsed.groupAdd, ['audio', '1234']);
  assert.deepEqual([parsed.logMaxBytes, parsed.logMaxFiles], [50 * 2 ** 20, 5]);
  // max-size as docker reads it (k, m, g: KiB, MiB, GiB), bytes a number; one key alone is that key alone
  const size = (text: string): unknown => spec('x', [], { logOpt: [`max-size=${text}`] }).logs;
  assert.deepEqual(['10m', '512k', '1g', '1.5M', '64Ki', '10mb', '1048576'].map(size), [
    { maxSize: '10Mi' },
    { maxSize: '512Ki' },
    { maxSize: '1Gi' },
    { maxSize: '1.5Mi' },
    { maxSize: '64Ki' },
    { maxSize: '10Mi' },
    { maxSize: 1048576 },
  ]);
  assert.deepEqual(spec('x', [], { logOpt: ['max-file=1'] }).logs, { maxFiles: 1 });
  // lists given empty, and max-size= (nothing: the default), are no field
  assert.deepEqual(spec('x', [], { sysctl: [], groupAdd: [], logOpt: ['max-size=', 'max-file='] }), {
    name: 'x-a1b2',
    image: 'x',
  });
  assert.deepEqual(imageFlagsGiven({ sysctl: ['net.core.somaxconn=1'], groupAdd: ['audio'], logOpt: ['max-file=2'] }), [
    '--sysctl',
    '--group-add',
    '--log-opt',
  ]);
});

test('a bad --sysctl, --group-add or --log-opt is refused naming the flag and the value, before anything is sent', () => {
  const sysctlRule =
    'must be a sysctl a container has its own copy of, as docker run --sysctl takes: net.*, fs.mqueue.*, ' +
    'kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni or ' +
    'kernel.shm_rmid_forced';
  const groupRule = 'must be a group name (lower-case, at most 32 characters) or a number';
  const notTaken =
    'is not taken: only max-size and max-file are, as Poseidon keeps the json-file log driver, which poseidon logs reads';
  const sizeForm = 'is not a size; use bytes, or a size such as 10m or 1g (MiB, GiB, as docker reads them) or 10Mi';
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ sysctl: ['vm.max_map_count=1'] }, `--sysctl vm.max_map_count=1 ${sysctlRule}`],
    [{ sysctl: ['kernel.hostname=x'] }, `--sysctl kernel.hostname=x ${sysctlRule}`],
    [{ sysctl: ['NET.core.somaxconn=1'] }, `--sysctl NET.core.somaxconn=1 ${sysctlRule}`],
    [
      { sysctl: ['net.core.somaxconn'] },
      '--sysctl is "net.core.somaxconn"; use NAME=VALUE, such as net.core.somaxconn=1024',
    ],
    [{ sysctl: ['=1'] }, '--sysctl is "=1"; use NAME=VALUE, such as net.core.somaxconn=1024'],
    [
      { sysctl: ['net.core.somaxconn='] },
      '--sysctl net.core.somaxconn must be a value of 1 to 256 characters on one line (got "")',
    ],
    [
      { sysctl: ['net.core.somaxconn=1\n2'] },
      '--sysctl net.core.somaxconn must be a value of 1 to 256 characters on one line (got "1\\n2")',
    ],
    [
      { sysctl: ['net.core.somaxconn=1', 'net.core.somaxconn=2'] },
      '--sysctl names net.core.somaxconn twice; give each sysctl once',
    ],
    [{ sysctl: Array.from({ length: 65 }, (_, i) => `net.x.s${i}=1`) }, '--sysctl sets 65 sysctls; at most 64'],
    [{ groupAdd: ['Wheel'] }, `--group-add Wheel ${groupRule}`],
    [{ groupAdd: [''] }, `--group-add "" ${groupRule}`],
    [{ groupAdd: ['-1'] }, `--group-add -1 ${groupRule}`],
    [{ groupAdd: Array.from({ length: 33 }, (_, i) => `g${i}`) }, '--group-add adds 33 groups; at most 32'],
    [{ logOpt: ['compress=true'] }, `--log-opt compress=true ${notTaken}`],
    [{ logOpt: ['mode=non-blocking'] }, `--log-opt mode=non-blocking ${notTaken}`],
    [{ logOpt: ['max-size'] }, '--log-opt is "max-size"; use KEY=VALUE, such as max-size=10m or max-file=5'],
    [{ logOpt: ['max-size=lots'] }, `--log-opt max-size=lots ${sizeForm}`],
    [{ logOpt: ['max-size=-1'] }, `--log-opt max-size=-1 ${sizeForm}`],
    [{ logOpt: ['max-size=1k'] }, '--log-opt max-size=1k is 1 KiB; max-size must be between 64 KiB and 1 GiB'],
    [{ logOpt: ['max-size=2g'] }, '--log-opt max-size=2g is 2 GiB; max-size must be between 64 KiB and 1 GiB'],
    [{ logOpt: ['max-file=0'] }, '--log-opt max-file=0 is not a whole number of files from 1 to 100'],
    [{ logOpt: ['max-file=101'] }, '--log-opt max-file=101 is not a whole number of files from 1 to 100'],
    [{ logOpt: ['max-file=two'] }, '--log-opt max-file=two is not a whole number of files from 1 to 100'],
    [{ logOpt: ['max-file=2', 'max-file=3'] }, '--log-opt names max-file twice; give each once'],
  ];
  for (const [flags, message] of cases)
    assert.equal(
      refused(() => spec('busybox', [], flags)),
      message,
      JSON.stringify(flags).slice(0, 60),
    );
  // the bounds are the manager's: what the flags take, it takes
  for (const logOpt of [
    ['max-size=64k', 'max-file=1'],
    ['max-size=1g', 'max-file=100'],
  ])
    parseSpec(validateSpec(spec('x', [], { logOpt })));
});

test('run and service create take --sysctl, --group-add and --log-opt, repeated', () => {
  const program = buildProgram();
  const service = program.commands.find((c) => c.name() === 'service') as Command;
  for (const cmd of [
    program.commands.find((c) => c.name() === 'run') as Command,
    service.commands.find((c) => c.name() === 'create') as Command,
  ]) {
    cmd.parseOptions(['--sysctl', 'net.core.somaxconn=1024', '--sysctl', 'kernel.shmmax=1', '--group-add', 'audio']);
    cmd.parseOptions(['--group-add', '1234', '--log-opt', 'max-size=50m', '--log-opt', 'max-file=5']);
    const o = cmd.opts();
    assert.deepEqual(
      [o.sysctl, o.groupAdd, o.logOpt],
      [
        ['net.core.somaxconn=1024', 'kernel.shmmax=1'],
        ['audio', '1234'],
        ['max-size=50m', 'max-file=5'],
      ],
      cmd.name(),
    );
    for (const flag of ['--sysctl-add', '--sysctl-rm', '--group-rm'])
      assert.equal(
        cmd.options.some((opt) => opt.long === flag),
        false,
        flag,
      );
  }
});

test('--memory as docker reads it (512m is 512 MiB), or a quantity as written; anything else names the flag', () => {
  const memory = (text: string): unknown => spec('x', [], { memory: text }).memory;
  assert.deepEqual(['512m', '512M', '512mb', '512MiB', '512Mi', '1.5g', '1g', '268435456'].map(memory), [
    '512Mi',
    '512Mi',
    '512Mi',
    '512Mi',
    '512Mi',
    '1.5Gi',
    '1Gi',
    268435456,
  ]);
  validateSpec(spec('x', [], { memory: '512m' }));
  for (const bad of ['lots', '512 parsecs', '-1m', ''])
    assert.throws(() => spec('x', [], { memory: bad }), /--memory is .*use bytes, or a size such as 256m/);
  // more than any node has: refused here, before it is sent
  assert.throws(() => spec('x', [], { memory: '100000000000g' }), {
    message: '--memory is "100000000000Gi"; at most 4 PiB, more than any node has',
  });
});

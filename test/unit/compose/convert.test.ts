import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../../src/api/index.js';
import { parseSpec, validateSpec } from '../../../src/task/index.js';
import { parseServiceSpec, slotTaskSpec } from '../../../src/service/index.js';
import { fromYaml, messageOf } from './compose-yaml.js';

test('a service with every supported key becomes one ServiceSpec named <stack>-<service>', async () => {
  const { services, warnings } = await fromYaml(`
services:
  web:
    image: poseidon/busybox:latest
    entrypoint: /bin/sh -c
    command: ["httpd -f -p 8080"]
    user: "1000:1000"
    working_dir: /www
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    read_only: true
    environment: [MODE=prod, "GREETING=hello world"]
    ports: ["8080:80", "9000"]
    labels: {tier: front}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/"]
      interval: 1m30s
      timeout: 10s
      retries: 5
      start_period: 2s
    volumes: ["site:/www:ro"]
    deploy:
      replicas: 3
      labels: [owner=team-a]
      update_config: {parallelism: 2, delay: 1s, order: stop-first, monitor: 5s, failure_action: pause, max_failure_ratio: 0.2}
      rollback_config: {parallelism: 1, order: start-first}
      restart_policy: {condition: on-failure, max_attempts: 4, delay: 2s, window: 30s}
      resources:
        limits: {cpus: "0.5", memory: 256M, pids: 100}
        reservations: {cpus: "0.25"}
      placement:
        constraints: ["node.labels.zone == a", "node.hostname != n2"]
volumes:
  site: {}
`);
  assert.deepEqual(warnings, [
    "services.web.ports: 8080->80/tcp is published on the node of each replica (no routing mesh), so its 3 replicas need as many nodes; the service's virtual IP balances over all of them without a host port (poseidon service inspect app-web)",
  ]);
  assert.deepEqual(services, [
    {
      name: 'app-web',
      replicas: 3,
      labels: { owner: 'team-a', 'poseidon.stack': 'app' },
      constraints: ['node.labels.zone == a', 'node.name != n2'],
      update: {
        parallelism: 2,
        delay: '1s',
        order: 'stop-first',
        monitor: '5s',
        failureAction: 'pause',
        maxFailureRatio: 0.2,
      },
      rollback: { parallelism: 1, order: 'start-first' },
      task: {
        image: 'poseidon/busybox:latest',
        command: ['httpd -f -p 8080'],
        entrypoint: ['/bin/sh', '-c'],
        user: '1000:1000',
        workdir: '/www',
        stopSignal: 'SIGINT',
        stopGracePeriod: '90s',
        readOnlyRootfs: true,
        env: { MODE: 'prod', GREETING: 'hello world' },
        ports: [{ container: 80, host: 8080 }, { container: 9000 }],
        labels: { tier: 'front' },
        healthCheck: {
          type: 'exec',
          command: ['wget', '-q', '-O-', 'http://127.0.0.1:8080/'],
          interval: '90s',
          timeout: '10s',
          failureThreshold: 5,
          startPeriod: '2s',
        },
        volumes: [{ name: 'app-site', path: '/www', readOnly: true }],
        restartPolicy: { mode: 'on-failure', maxRestarts: 4, backoff: { initial: '2s', max: '2s' }, resetAfter: '30s' },
        cpuLimit: 0.5,
        cpu: 0.25,
        memory: '256Mi',
        pidsLimit: 100,
      },
    },
  ]);
});

test('a minimal service is an image and the stack label; absent keys take Poseidon defaults later', async () => {
  const { services, warnings } = await fromYaml('services:\n  db:\n    image: postgres:16\n');
  assert.deepEqual(services, [{ name: 'app-db', task: { image: 'postgres:16' }, labels: { 'poseidon.stack': 'app' } }]);
  assert.deepEqual(warnings, []);
});

test("command and entrypoint: a string is split into words, a list is kept; entrypoint is the task's own", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: x, command: "sleep 300"}
  b: {image: x, command: [echo, "two words", 3]}
  c: {image: x, entrypoint: [sh, -c], command: "'echo hi'"}
  d: {image: x, command: null, entrypoint: null}
  e: {image: x, entrypoint: "", command: [echo, alone]}
  f: {image: x, entrypoint: []}
  g: {image: x, entrypoint: "tini -- "}
`);
  assert.deepEqual(
    services.map((s) => s.task.command),
    [['sleep', '300'], ['echo', 'two words', '3'], ['echo hi'], undefined, ['echo', 'alone'], undefined, undefined],
  );
  // in place of the image's ENTRYPOINT, never in the command; "" and [] are none (the command alone)
  assert.deepEqual(
    services.map((s) => s.task.entrypoint),
    [undefined, undefined, ['sh', '-c'], undefined, [], [], ['tini', '--']],
  );
  assert.deepEqual(warnings, []);
  for (const s of services) parseServiceSpec(s);
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x, entrypoint: "sh \'open"}\n')),
    /^services\.a\.entrypoint leaves a quote open/,
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  a: {image: x, command: "echo \'open"}\n')),
    /^services\.a\.command leaves a quote open/,
  );
});

test('environment: a list and a mapping; a bare name or a null value comes from the deploying shell', async () => {
  const { services, warnings } = await fromYaml(
    `
services:
  a: {image: x, environment: [A=1, B=, C=x=y, FROM_SHELL, MISSING]}
  b: {image: x, environment: {A: 1, B: true, C: "", FROM_SHELL: null, MISSING: null}}
`,
    { hostEnv: { FROM_SHELL: 'shell value' } },
  );
  assert.deepEqual(services[0]?.task.env, { A: '1', B: '', C: 'x=y', FROM_SHELL: 'shell value' });
  assert.deepEqual(services[1]?.task.env, { A: '1', B: 'true', C: '', FROM_SHELL: 'shell value' });
  assert.deepEqual(
    warnings.filter((w) => w.includes('.environment')),
    [
      'services.a.environment[4]: MISSING is not set in this shell; left out',
      'services.b.environment.MISSING: MISSING is not set in this shell; left out',
    ],
  );
});

test('labels: a list or a mapping on the task; deploy.labels and poseidon.stack on the service', async () => {
  const { services } = await fromYaml(`
services:
  a: {image: x, labels: ["a=1", "flag"], deploy: {labels: {team: blue, n: 2}}}
  b: {image: x, labels: {x: "y", n: 1}}
`);
  assert.deepEqual(services[0]?.task.labels, { a: '1', flag: '' });
  assert.deepEqual(services[0]?.labels, { team: 'blue', n: '2', 'poseidon.stack': 'app' });
  assert.deepEqual(services[1]?.task.labels, { x: 'y', n: '1' });
});

test('a file written for docker compose deploys, with one warning listing what does not apply, by path', async () => {
  const { services, warnings } = await fromYaml(`
version: "3.9"
x-common: &common {image: x}
services:
  web:
    <<: *common
    build: .
    depends_on: [db]
    networks: [front]
    expose: ["80"]
    restart: always
    container_name: web1
    x-note: ignored
  db:
    image: postgres:16
    deploy: {endpoint_mode: dnsrr, placement: {max_replicas_per_node: 1}}
networks: {front: {}}
secrets: {pw: {file: ./pw}}
`);
  assert.deepEqual(
    services.map((s) => s.name),
    ['app-web', 'app-db'],
  );
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: networks, services.web.build, services.web.depends_on, ' +
      'services.web.networks, services.web.container_name, ' +
      'services.db.deploy.endpoint_mode, services.db.deploy.placement.max_replicas_per_node',
    'services.db: no ports or expose, so services.web, which names it, cannot reach it ' +
      '(list the ports it serves: expose: ["5432"] binds no host port)',
  ]);
  assert.deepEqual(services[0]?.task.ports, [{ container: 80, publish: false }]);
});

test('expose: ports bound to no host port, served by name; one ports: lists already stays published', async () => {
  const { services, warnings } = await fromYaml(`
services:
  web: {image: x, ports: ["8080:80"], expose: ["80", "9000-9001", "53/udp", 7000]}
  db: {image: x, expose: ["5432"]}
`);
  assert.deepEqual(services[0]?.task.ports, [
    { container: 80, host: 8080 },
    { container: 9000, publish: false },
    { container: 9001, publish: false },
    { container: 53, protocol: 'udp', publish: false },
    { container: 7000, publish: false },
  ]);
  assert.deepEqual(services[1]?.task.ports, [{ container: 5432, publish: false }]);
  assert.deepEqual(warnings, [], 'every service lists what it serves: no note');
  await assert.rejects(
    fromYaml('services:\n  web: {image: x, expose: ["80/sctp"]}\n'),
    /services\.web\.expose\[0\] has protocol "sctp"/,
  );
  await assert.rejects(
    fromYaml('services:\n  web: {image: x, expose: ["http"]}\n'),
    /services\.web\.expose\[0\] is "http"; a port is a number/,
  );
});

test('deploy.mode: global is a global service, with no replicas; replicated is the default, said or not', async () => {
  const { services, warnings } = await fromYaml(`
services:
  agent:
    image: poseidon/busybox:latest
    ports: ["9100:9100"]
    deploy:
      mode: global
      placement: {constraints: ["node.labels.zone == a"]}
  web: {image: x, deploy: {mode: replicated, replicas: 2}}
  db: {image: x}
`);
  const [agent, web, db] = services;
  assert.equal(agent?.mode, 'global');
  assert.equal(agent?.replicas, undefined);
  assert.deepEqual(agent?.constraints, ['node.labels.zone == a']);
  // one replica a node: a fixed host port is no trouble, so nothing is noted
  assert.deepEqual(warnings, []);
  assert.deepEqual([web?.mode, web?.replicas, db?.mode, db?.replicas], [undefined, 2, undefined, undefined]);
  // as the manager reads it: global kept, no replicas
  const parsed = parseServiceSpec(agent);
  assert.equal(parsed.mode, 'global');
  assert.equal('replicas' in parsed, false);
});

test('deploy.mode: replicated-job and global-job are jobs: replicas are the completions, a global job has none', async () => {
  const { services, warnings } = await fromYaml(`
services:
  migrate:
    image: poseidon/busybox:latest
    command: ["sh", "-c", "echo done"]
    deploy: {mode: replicated-job, replicas: 5}
  once: {image: x, deploy: {mode: replicated-job}}
  prune:
    image: x
    deploy:
      mode: global-job
      placement: {constraints: ["node.labels.zone == a"]}
`);
  assert.deepEqual(warnings, []);
  const [migrate, once, prune] = services;
  assert.deepEqual(
    [migrate?.mode, migrate?.replicas, once?.mode, once?.replicas, prune?.mode, prune?.replicas],
    ['replicated-job', 5, 'replicated-job', undefined, 'global-job', undefined],
  );
  assert.deepEqual(prune?.constraints, ['node.labels.zone == a']);
  // as the manager reads them: the modes kept, a global job with no replicas
  assert.equal(parseServiceSpec(migrate).mode, 'replicated-job');
  assert.equal(parseServiceSpec(migrate).replicas, 5);
  assert.equal('replicas' in parseServiceSpec(prune), false);
});

test("a job's update_config and rollback_config are ignored with a warning: it has no rollout, the manager refuses them", async () => {
  const { services, warnings } = await fromYaml(`
services:
  migrate:
    image: x
    deploy:
      mode: replicated-job
      update_config: {parallelism: 2}
      rollback_config: {order: stop-first}
`);
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: ' +
      'services.migrate.deploy.update_config (a replicated-job has no rollout: an update runs it again), ' +
      'services.migrate.deploy.rollback_config (a replicated-job has no rollout: an update runs it again)',
  ]);
  assert.equal(services[0]?.update, undefined);
  assert.equal(services[0]?.rollback, undefined);
  assert.equal(parseServiceSpec(services[0]).mode, 'replicated-job');
});

test("a job's restart_policy: on-failure unless said, as Swarm's; condition any is refused by its path", async () => {
  const { services } = await fromYaml(`
services:
  migrate: {image: x, deploy: {mode: replicated-job, restart_policy: {max_attempts: 2}}}
  prune: {image: x, deploy: {mode: global-job, restart_policy: {condition: none}}}
  web: {image: x, deploy: {restart_policy: {max_attempts: 2}}}
`);
  assert.deepEqual(
    services.map((s) => s.task.restartPolicy),
    [{ mode: 'on-failure', maxRestarts: 2 }, { mode: 'never' }, { mode: 'always', maxRestarts: 2 }],
  );
  assert.equal(parseServiceSpec(services[0]).task.restartPolicy?.mode, 'on-failure');
  await assert.rejects(
    fromYaml('services:\n  migrate: {image: x, deploy: {mode: global-job, restart_policy: {condition: any}}}\n'),
    {
      message:
        /^services\.migrate\.deploy\.restart_policy\.condition is "any" with mode: global-job, whose tasks run to completion \(any would restart one that ended well\); use "on-failure" \(the default for a job\) or "none"$/,
    },
  );
});

test('errors name the path in the file', async () => {
  const cases: [string, RegExp][] = [
    [
      'services:\n  web: {image: x, deploy: {update_config: {parallelism: 0}}}\n',
      /^services\.web\.deploy\.update_config\.parallelism must be at least 1 \(got 0\)$/,
    ],
    ['services:\n  web: {image: x, deploy: {replicas: -1}}\n', /^services\.web\.deploy\.replicas must be at least 0/],
    [
      'services:\n  web: {image: x, deploy: {replicas: 10001}}\n',
      /^services\.web\.deploy\.replicas must be at most 10000/,
    ],
    [
      'services:\n  web: {image: x, deploy: {replicas: two}}\n',
      /^services\.web\.deploy\.replicas must be a whole number/,
    ],
    [
      'services:\n  web: {image: x, deploy: {mode: global, replicas: 2}}\n',
      /^services\.web\.deploy\.replicas is set with mode: global, which runs one replica on each node that meets the constraints; leave it out$/,
    ],
    [
      'services:\n  web: {image: x, deploy: {mode: global-job, replicas: 2}}\n',
      /^services\.web\.deploy\.replicas is set with mode: global-job, which runs one task on each node that meets the constraints; leave it out$/,
    ],
    [
      'services:\n  web: {image: x, deploy: {mode: everywhere}}\n',
      /^services\.web\.deploy\.mode must be "replicated", "global", "replicated-job" or "global-job" \(got "everywhere"\)$/,
    ],
    [
      'services:\n  web: {image: x, deploy: {update_config: {order: random}}}\n',
      /^services\.web\.deploy\.update_config\.order must be "start-first" or "stop-first"/,
    ],
    [
      'services:\n  web: {image: x, deploy: {rollback_config: {failure_action: explode}}}\n',
      /^services\.web\.deploy\.rollback_config\.failure_action must be "rollback", "pause" or "continue"/,
    ],
    [
      'services:\n  web: {image: x, deploy: {update_config: {max_failure_ratio: 2}}}\n',
      /^services\.web\.deploy\.update_config\.max_failure_ratio must be a number from 0 to 1/,
    ],
    [
      'services:\n  web: {image: x, deploy: {update_config: {delay: 10}}}\n',
      /^services\.web\.deploy\.update_config\.delay must be a duration with its unit/,
    ],
    [
      'services:\n  web: {image: x, deploy: {restart_policy: {condition: always}}}\n',
      /^services\.web\.deploy\.restart_policy\.condition must be "none", "on-failure" or "any"/,
    ],
    [
      'services:\n  web: {image: x, deploy: {resources: {limits: {memory: lots}}}}\n',
      /^services\.web\.deploy\.resources\.limits\.memory is "lots"/,
    ],
    [
      'services:\n  web: {image: x, deploy: {resources: {limits: {cpus: "0.5"}, reservations: {cpus: 1}}}}\n',
      /^services\.web\.deploy\.resources\.reservations\.cpus \(1\) is above limits\.cpus/,
    ],
    [
      'services:\n  web: {image: x, deploy: {placement: {constraints: ["zone=a"]}}}\n',
      /^services\.web\.deploy\.placement\.constraints\[0\] is "zone=a"; use "node\.labels\.KEY == VALUE"/,
    ],
    ['services:\n  web: {build: .}\n', /^services\.web\.image is required; Poseidon does not build images/],
    ['services:\n  web: {}\n', /^services\.web\.image is required$/],
    ['services:\n  web: {image: x, environment: "A=1"}\n', /^services\.web\.environment must be a mapping/],
    [
      'services:\n  Web_1: {image: x}\n',
      /^services\.Web_1 makes the service name "app-Web_1" \(<stack>-<service>\), which is not a DNS label \(1 to 63 lowercase/,
    ],
    ['services: {}\n', /^services names no service$/],
    ['version: "3"\n', /^services is required/],
    ['- a\n- b\n', /^\(document\) must be a mapping with a services: key/],
    ['services: [web]\n', /^services must be a mapping/],
  ];
  for (const [yaml, expected] of cases) assert.match(await messageOf(() => fromYaml(yaml)), expected, yaml);
});

test('a file that is not YAML, or a stack name that is not a DNS label, is refused before anything else', async () => {
  assert.match(await messageOf(() => fromYaml('services:\n  web: {image: x\n')), /^-f compose\.yaml is not valid YAML/);
  // the 3rd line indented too deep is named, not the 2nd
  assert.match(
    await messageOf(() => fromYaml('services:\n  web: x\n    image: busybox\n')),
    /^-f compose\.yaml is not valid YAML: a key is indented more .* at line 3, column 5;/,
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  web: {image: x}\n', { stack: 'My_Stack' })),
    /^stack name must be a DNS label/,
  );
});

test('${VAR} and $VAR are substituted as Compose does: defaults, alternatives, nesting, $$; an unset one is noted', async () => {
  const hostEnv = { TAG: '1.4', EMPTY: '', HOST: 'db', LEVEL: undefined };
  const { services, warnings } = await fromYaml(
    `services:
  a:
    image: "app:\${TAG}"
    command: ["sh", "-c", "echo $$HOME $HOST \${EMPTY:-e1} \${EMPTY-e2} \${NOPE:-\${TAG}} \${HOST:+set} \${NOPE+x}."]
    environment: [PLAIN=$MISSING, "URL=http://\${HOST}:\${PORT:-5432}/"]
    labels: {"\${TAG}": "\${TAG}"}
`,
    { hostEnv },
  );
  const task = services[0]?.task;
  assert.equal(task?.image, 'app:1.4');
  assert.deepEqual(task?.command, ['sh', '-c', 'echo $HOME db e1  1.4 set .']);
  assert.deepEqual(task?.env, { PLAIN: '', URL: 'http://db:5432/' });
  assert.deepEqual(task?.labels, { '${TAG}': '1.4' }, 'keys are not substituted, values are');
  assert.deepEqual(warnings, ['not set, so substituted as empty (as docker compose does): $MISSING']);
});

test('${VAR:?why} refuses the file when VAR is missing; a $ that starts no variable is refused, naming the path', async () => {
  const hostEnv = { EMPTY: '' };
  assert.equal(
    await messageOf(() => fromYaml('services:\n  a: {image: "app:${TAG:?set TAG to the release}"}\n', { hostEnv })),
    'services.a.image needs the variable TAG, which is unset or empty: set TAG to the release',
  );
  // without the colon only an unset one is refused: EMPTY is set
  const set = await fromYaml('services:\n  a: {image: "app${EMPTY?}"}\n', { hostEnv });
  assert.equal(set.services[0]?.task.image, 'app');
  for (const [text, bad] of [
    ['awk {print $1}', 'services.a.command'],
    ['${1abc}', 'services.a.command'],
    ['${TAG', 'services.a.command'],
    ['${TAG:x}', 'services.a.command'],
  ] as const) {
    const message = await messageOf(() => fromYaml(`services:\n  a: {image: x, command: ${JSON.stringify(text)}}\n`));
    assert.ok(message.startsWith(`${bad} has a `), message);
  }
});

test("env_file: paths from the file's directory, in order, under environment; one not required may be missing", async () => {
  const files: Record<string, string> = {
    '/srv/app/common.env': 'A=1\nB="two words"\n# a comment\nC=from-common\n',
    '/srv/app/env/web.env': 'C=from-web\nD=4\n',
  };
  const readFile = (path: string): string => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
  const { services } = await fromYaml(
    `services:
  web:
    image: x
    env_file: [common.env, {path: ./env/web.env, required: true}, {path: missing.env, required: false}]
    environment: {D: from-environment}
  one: {image: x, env_file: common.env}
`,
    { readFile },
  );
  assert.deepEqual(services[0]?.task.env, { A: '1', B: 'two words', C: 'from-web', D: 'from-environment' });
  assert.deepEqual(services[1]?.task.env, { A: '1', B: 'two words', C: 'from-common' });
  assert.equal(
    await messageOf(() => fromYaml('services:\n  web: {image: x, env_file: [common.env, nope.env]}\n', { readFile })),
    'services.web.env_file[1] names nope.env, which cannot be read: no such file or directory; check the path',
  );
  assert.match(
    await messageOf(() => fromYaml('services:\n  web: {image: x, env_file: [{path: a, format: raw}]}\n', { readFile })),
    /^services\.web\.env_file\[0\]\.format must be dotenv/,
  );
});

test('a fixed host port is noted when replicas would need a node each for it, and only then', async () => {
  const one = await fromYaml('services:\n  api:\n    image: a\n    ports: ["8081:80"]\n');
  assert.deepEqual(one.warnings, []);
  const free = await fromYaml('services:\n  api:\n    image: a\n    ports: ["80"]\n    deploy: {replicas: 2}\n');
  assert.deepEqual(free.warnings, []);
  const two = await fromYaml(
    'services:\n  api:\n    image: a\n    ports: ["8081:80", "90"]\n    deploy: {replicas: 2}\n',
  );
  assert.equal(two.warnings.length, 1);
  assert.match(
    two.warnings[0] ?? '',
    /^services\.api\.ports: 8081->80\/tcp is published on the node of each replica \(no routing mesh\), so its 2 replicas need as many nodes/,
  );
});

test('start-first written out with a fixed host port is noted: the new version cannot start beside the old', async () => {
  const startFirst = await fromYaml(
    'services:\n  web:\n    image: a\n    ports: ["7380:80"]\n    deploy: {update_config: {order: start-first}}\n',
  );
  assert.deepEqual(startFirst.warnings, [
    "services.web.deploy.update_config.order: start-first with the fixed host port 7380: a replica's new version " +
      'cannot start on its node while the old one holds the port, so where no other node can take it, the update ' +
      'stops the old one first (as stop-first does) and says so',
  ]);
  // left out (stop-first is the default then), stop-first, or no fixed host port: nothing to say
  for (const deploy of ['{}', '{update_config: {order: stop-first}}'])
    assert.deepEqual(
      (await fromYaml(`services:\n  web:\n    image: a\n    ports: ["7380:80"]\n    deploy: ${deploy}\n`)).warnings,
      [],
    );
  const free = await fromYaml(
    'services:\n  web:\n    image: a\n    ports: ["80"]\n    deploy: {update_config: {order: start-first}}\n',
  );
  assert.deepEqual(free.warnings, []);
});

test('labels leave room for the stack label: 63 of each deploy, 64 are refused naming where the file has them', async () => {
  const many = (n: number): string => `{${Array.from({ length: n }, (_, i) => `l${i}: v`).join(', ')}}`;
  const fits = await fromYaml(`services:\n  web: {image: x, labels: ${many(63)}, deploy: {labels: ${many(63)}}}\n`);
  const [web] = fits.services;
  assert.ok(web !== undefined);
  // as the manager will check them: the service, and its replica's task with the stack label added
  const parsed = parseServiceSpec(web, 'services.web');
  assert.equal(Object.keys(parsed.labels ?? {}).length, 64);
  assert.equal(Object.keys(slotTaskSpec(parsed, 1).labels ?? {}).length, 64);
  for (const [yaml, path] of [
    [`{image: x, deploy: {labels: ${many(64)}}}`, 'services.web.deploy.labels'],
    [`{image: x, labels: ${many(64)}}`, 'services.web.labels'],
  ] as const) {
    const message = await messageOf(() => fromYaml(`services:\n  web: ${yaml}\n`));
    assert.equal(message, `${path} has 64 labels; at most 63 in a stack (poseidon deploy adds poseidon.stack)`);
  }
});

test('a service without ports or expose is noted only when another names it', async () => {
  const { warnings } = await fromYaml(`
services:
  web: {image: x, environment: {DB_URL: "postgres://app@db:5432/app"}, command: [sh, -c, "nc cache 6379"]}
  db: {image: x}
  cache: {image: x}
  worker: {image: x, environment: [DATABASE=db_main, WEBHOOK=webhooks]}
`);
  assert.deepEqual(warnings, [
    'services.db: no ports or expose, so services.web, which names it, cannot reach it ' +
      '(list the ports it serves: expose: ["5432"] binds no host port)',
    'services.cache: no ports or expose, so services.web, which names it, cannot reach it ' +
      '(list the ports it serves: expose: ["5432"] binds no host port)',
  ]);
});

/** Files a test reads: absolute path → content. */
function reader(files: Record<string, string>): (path: string, limit: number) => Buffer {
  return (path, limit) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
    return Buffer.from(text).subarray(0, limit);
  };
}

test('secrets and configs: short and long syntax, from a file, a variable or content; <stack>-<key>-<hash> unless name:', async () => {
  const { services, files, warnings } = await fromYaml(
    `
services:
  web:
    image: x
    secrets:
      - db_password
      - {source: api_key, target: key.txt, uid: "103", gid: 104, mode: "0400"}
      - {source: tls, target: /etc/tls/key.pem, mode: 0440}
    configs:
      - nginx
      - {source: motd, target: /etc/motd, mode: 0o444}
secrets:
  db_password: {file: ./secrets/db.txt, labels: {tier: db}}
  api_key: {environment: API_KEY}
  tls: {external: true}
  unused: {file: ./nowhere}
configs:
  nginx: {content: "server { listen 80; }", name: nginx-v2}
  motd: {external: true, name: shared-motd}
`,
    { hostEnv: { API_KEY: 's3cret' }, readBytes: reader({ '/srv/app/secrets/db.txt': 'hunter2\n' }) },
  );
  assert.deepEqual(warnings, []);
  // one the stack makes is named after its value: a new value is a new name, which services roll to
  const hashed = (key: string, value: string): string =>
    `app-${key}-${createHash('sha256').update(value).digest('hex').slice(0, 10)}`;
  const db = hashed('db_password', 'hunter2\n');
  const api = hashed('api_key', 's3cret');
  assert.deepEqual(services[0]?.task.secrets, [
    { source: db, target: '/run/secrets/db_password' },
    { source: api, target: 'key.txt', uid: 103, gid: 104, mode: 0o400 },
    { source: 'tls', target: '/etc/tls/key.pem', mode: 0o440 },
  ]);
  assert.deepEqual(services[0]?.task.configs, [
    { source: 'nginx-v2', target: '/nginx' },
    { source: 'shared-motd', target: '/etc/motd', mode: 0o444 },
  ]);
  // only what a service mounts, in the order the file declares them: `unused` is not read
  assert.deepEqual(
    files.map((f) => [f.kind, f.key, f.name, f.external, f.value?.toString(), f.labels]),
    [
      ['secret', 'db_password', db, false, 'hunter2\n', { tier: 'db', 'poseidon.stack': 'app' }],
      ['secret', 'api_key', api, false, 's3cret', { 'poseidon.stack': 'app' }],
      ['secret', 'tls', 'tls', true, undefined, undefined],
      ['config', 'nginx', 'nginx-v2', false, 'server { listen 80; }', { 'poseidon.stack': 'app' }],
      ['config', 'motd', 'shared-motd', true, undefined, undefined],
    ],
  );
  // the manager reads them as it reads any task's: a relative secret target under /run/secrets
  const replica = parseSpec(validateSpec(slotTaskSpec(parseServiceSpec(services[0] as ServiceSpec), 1)));
  assert.deepEqual(
    replica.files?.map((f) => `${f.kind} ${f.source} ${f.target} ${f.mode.toString(8)}`),
    [
      `secret ${db} /run/secrets/db_password 444`,
      `secret ${api} /run/secrets/key.txt 400`,
      'secret tls /etc/tls/key.pem 440',
      'config nginx-v2 /nginx 444',
      'config shared-motd /etc/motd 444',
    ],
  );
});

test('a mode: octal digits as a string or a number (YAML 1.2 reads 0440 as 440), any other number as itself', async () => {
  const mode = async (m: string): Promise<unknown> => {
    const { services } = await fromYaml(
      `services:\n  s: {image: x, configs: [{source: c, mode: ${m}}]}\nconfigs:\n  c: {content: x}\n`,
    );
    return services[0]?.task.configs?.[0]?.mode;
  };
  const cases: [string, number][] = [
    ['0440', 0o440],
    ['"0440"', 0o440],
    ['"440"', 0o440],
    ['0o440', 0o440], // YAML 1.2's octal: 288, which has an 8
    ['288', 0o440],
    ['0444', 0o444],
    ['0o444', 0o444],
    ['0777', 0o777],
    ['"0"', 0],
  ];
  for (const [m, expected] of cases) assert.equal(await mode(m), expected, m);
  for (const m of ['"0800"', '"rw"', '1000', '-1', '0.5'])
    assert.match(
      await messageOf(() => mode(m)),
      /^services\.s\.configs\[0\]\.mode is .*; use octal digits such as "0440"/,
      m,
    );
  // 420 is 0644 in decimal: read as octal 0420, as docker compose reads `mode: 0420`, and noted
  const { warnings } = await fromYaml(
    'services:\n  s: {image: x, configs: [{source: c, mode: 420}]}\nconfigs:\n  c: {content: x}\n',
  );
  assert.deepEqual(warnings, [
    'services.s.configs[0].mode: 420 is read as octal 0420, as docker compose reads mode: 0420; ' +
      'for 0644 (420 in decimal), write "0644"',
  ]);
});

test('secrets and configs that cannot be created as written are refused by path', async () => {
  const withFiles = (yaml: string) => () =>
    fromYaml(yaml, { readBytes: reader({ '/srv/app/big': 'x'.repeat(500 * 1024 + 1) }), hostEnv: { EMPTY: '' } });
  const cases: [string, RegExp][] = [
    [
      'services:\n  s: {image: x, secrets: [pw]}\n',
      /^services\.s\.secrets\[0\] uses secret "pw", which the top-level secrets: key does not declare/,
    ],
    [
      'services:\n  s: {image: x, secrets: [pw]}\nsecrets:\n  pw: {file: ./missing}\n',
      /^secrets\.pw\.file names \.\/missing, which cannot be read: no such file or directory; check the path/,
    ],
    [
      'services:\n  s: {image: x, secrets: [pw]}\nsecrets:\n  pw: {file: ./big}\n',
      /^secrets\.pw\.file holds more than 512000 bytes \(500 KiB\), the most a secret holds/,
    ],
    [
      'services:\n  s: {image: x, secrets: [pw]}\nsecrets:\n  pw: {environment: NOT_SET}\n',
      /^secrets\.pw\.environment names NOT_SET, which is not set in this shell/,
    ],
    [
      'services:\n  s: {image: x, secrets: [pw]}\nsecrets:\n  pw: {environment: EMPTY}\n',
      /^secrets\.pw\.environment gives an empty value: a secret needs one/,
    ],
    [
      'services:\n  s: {image: x}\nsecrets:\n  pw: {}\n',
      /^secrets\.pw needs its value: file: PATH or environment: VAR; or external: true/,
    ],
    // content is a config's, not a secret's: no Compose key
    ['services:\n  s: {image: x}\nsecrets:\n  pw: {content: x}\n', /^secrets\.pw\.content is not a Compose key$/],
    [
      'services:\n  s: {image: x}\nconfigs:\n  c: {file: ./a, content: b}\n',
      /^configs\.c gives file and content; give one/,
    ],
    [
      'services:\n  s: {image: x}\nsecrets:\n  pw: {external: true, file: ./a}\n',
      /^secrets\.pw is external \(it exists already\): give no file/,
    ],
    [
      'services:\n  s: {image: x}\nsecrets:\n  pw: {file: ./a, name: "no/slash"}\n',
      /^secrets\.pw\.name is "no\/slash", which is not a name of letters, digits/,
    ],
    [
      'services:\n  s: {image: x, secrets: [{source: pw, path: /x}]}\nsecrets:\n  pw: {external: true}\n',
      /^services\.s\.secrets\[0\]\.path is not a key of a secret \(source, target, uid, gid, mode\)/,
    ],
    [
      'services:\n  s: {image: x, secrets: [{source: pw, uid: root}]}\nsecrets:\n  pw: {external: true}\n',
      /^services\.s\.secrets\[0\]\.uid must be a whole number/,
    ],
  ];
  for (const [yaml, expected] of cases) assert.match(await messageOf(withFiles(yaml)), expected, yaml);
  // a secret's file is read only through the reader the caller gives
  assert.match(
    await messageOf(() => fromYaml('services:\n  s: {image: x, secrets: [pw]}\nsecrets:\n  pw: {file: ./pw}\n')),
    /^secrets\.pw\.file names \.\/pw, which cannot be read: permission denied; run as a user who may use it, or change its permissions \(chmod\)/,
  );
});

test('the driver keys of a declaration are noted as not supported; a mount of a key not declared is refused', async () => {
  const { warnings } = await fromYaml(
    'services:\n  s: {image: x, secrets: [pw]}\nsecrets:\n  pw: {external: true, driver: vault, template_driver: golang}\n',
  );
  assert.deepEqual(warnings, ['not supported by Poseidon, ignored: secrets.pw.driver, secrets.pw.template_driver']);
});

test("user, working_dir, stop_signal, stop_grace_period and read_only: the task's process fields", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: x, user: 1000, working_dir: /app, stop_signal: int, stop_grace_period: 500ms, read_only: false}
  b: {image: x, user: "www-data:www-data", stop_signal: 9, stop_grace_period: "0"}
  c: {image: x, user: null, working_dir: null, stop_signal: null, stop_grace_period: null, read_only: null}
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(services[0]?.task, {
    image: 'x',
    user: '1000',
    workdir: '/app',
    stopSignal: 'SIGINT',
    stopGracePeriod: '500ms',
  });
  assert.deepEqual(services[1]?.task, {
    image: 'x',
    user: 'www-data:www-data',
    stopSignal: '9',
    stopGracePeriod: '0s',
  });
  assert.deepEqual(services[2]?.task, { image: 'x' });
  for (const s of services) assert.ok(parseServiceSpec(s));
  const refusals: Array<[string, RegExp]> = [
    ['user: "a b"', /^services\.web\.user must be USER or USER:GROUP, each a name or a number.* \(got "a b"\)$/],
    ['user: [a]', /^services\.web\.user must be a string, number or boolean/],
    [
      'working_dir: app',
      /^services\.web\.working_dir must be an absolute path in the container, such as \/app \(got "app"\)$/,
    ],
    ['working_dir: 1', /^services\.web\.working_dir must be a string/],
    ['stop_signal: SIGNOPE', /^services\.web\.stop_signal must be a signal such as "SIGTERM".* \(got "SIGNOPE"\)$/],
    ['stop_grace_period: 10', /^services\.web\.stop_grace_period must be a duration with its unit/],
    ['stop_grace_period: 25h', /^services\.web\.stop_grace_period is "25h"; durations run from 0 to 24h$/],
    ['read_only: "yes"', /^services\.web\.read_only must be true or false \(got "yes"\)$/],
  ];
  for (const [line, message] of refusals)
    assert.match(await messageOf(() => fromYaml(`services:\n  web:\n    image: x\n    ${line}\n`)), message, line);
});

test("pull_policy: always and never are the task's pull; missing and if_not_present the default, no field", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: app:latest, pull_policy: always}
  b: {image: x, pull_policy: never}
  c: {image: x, pull_policy: missing}
  d: {image: x, pull_policy: if_not_present}
  e: {image: x, pull_policy: null}
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(services[0]?.task, { image: 'app:latest', pull: 'always' });
  assert.deepEqual(services[1]?.task, { image: 'x', pull: 'never' });
  for (const s of services.slice(2)) assert.deepEqual(s.task, { image: 'x' }, s.name);
  assert.equal(parseServiceSpec(services[0] as ServiceSpec).task.pull, 'always');
  assert.equal(parseSpec(validateSpec(slotTaskSpec(services[1] as ServiceSpec, 1))).pull, 'never');
});

test('pull_policy: build is noted and leaves the default; anything else is refused by path', async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: x, build: ., pull_policy: build}
`);
  assert.deepEqual(services[0]?.task, { image: 'x' });
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: services.a.build, ' +
      'services.a.pull_policy (build: Poseidon builds no image; a node pulls it when it lacks it)',
  ]);
  const refusals: Array<[string, string]> = [
    [
      'pull_policy: sometimes',
      'services.web.pull_policy must be "always", "missing" (or "if_not_present") or "never" (got "sometimes")',
    ],
    [
      'pull_policy: Always',
      'services.web.pull_policy must be "always", "missing" (or "if_not_present") or "never" (got "Always")',
    ],
    [
      'pull_policy: daily',
      'services.web.pull_policy must be "always", "missing" (or "if_not_present") or "never"; ' +
        'Poseidon pulls on no schedule (got "daily")',
    ],
    [
      'pull_policy: every_12h',
      'services.web.pull_policy must be "always", "missing" (or "if_not_present") or "never"; ' +
        'Poseidon pulls on no schedule (got "every_12h")',
    ],
    ['pull_policy: true', 'services.web.pull_policy must be a string (got true)'],
  ];
  for (const [line, message] of refusals)
    assert.equal(await messageOf(() => fromYaml(`services:\n  web:\n    image: x\n    ${line}\n`)), message, line);
});

test("tmpfs: a path or a list of them (docker's size= too), and volumes of type: tmpfs, sizes as docker reads them", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: x, tmpfs: /tmp}
  b:
    image: x
    read_only: true
    tmpfs: [/run/app/, "/tmp:size=64m", "/cache:rw,size=1.5g,mode=1777", "/big:size=2048"]
    volumes:
      - {type: tmpfs, target: /scratch, tmpfs: {size: 67108864}}
      - {type: tmpfs, target: /work, tmpfs: {size: 64MiB, mode: 1777}}
      - {type: tmpfs, target: /plain}
      - data:/data
  c: {image: x, tmpfs: null}
volumes:
  data:
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(services[0]?.task.tmpfs, [{ path: '/tmp' }]);
  assert.deepEqual(services[1]?.task.tmpfs, [
    { path: '/run/app' },
    { path: '/tmp', size: '64Mi' },
    { path: '/cache', size: '1.5Gi' },
    { path: '/big', size: 2048 },
    { path: '/scratch', size: 67108864 },
    { path: '/work', size: '64Mi' },
    { path: '/plain' },
  ]);
  assert.deepEqual(services[1]?.task.volumes, [{ name: 'app-data', path: '/data' }]);
  assert.equal('tmpfs' in (services[2]?.task ?? {}), false);
  for (const s of services) parseServiceSpec(s);
});

test('tmpfs: what Poseidon does not do is noted; a bad path or size, or a path mounted twice, is refused by path', async () => {
  const { services, warnings } = await fromYaml(`
services:
  a:
    image: x
    tmpfs: ["/tmp:noexec,size=8m,mode=700"]
    volumes:
      - {type: tmpfs, target: /run, source: x, read_only: true, tmpfs: {size: 1k, mode: 700}}
`);
  assert.deepEqual(services[0]?.task.tmpfs, [
    { path: '/tmp', size: '8Mi' },
    { path: '/run', size: '1Ki' },
  ]);
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: services.a.tmpfs[0] (option noexec), services.a.tmpfs[0] (option mode=700), ' +
      'services.a.volumes[0].source (a tmpfs has none), services.a.volumes[0].read_only (a tmpfs is writable), ' +
      'services.a.volumes[0].tmpfs.mode (700: Poseidon mounts a tmpfs 1777)',
  ]);
  const refusals: Array<[string, RegExp]> = [
    ['tmpfs: tmp', /^services\.web\.tmpfs mounts a tmpfs at "tmp"; use an absolute path in the container/],
    ['tmpfs: [/ok, "run:size=1m"]', /^services\.web\.tmpfs\[1\] mounts a tmpfs at "run"; use an absolute path/],
    ['tmpfs: ["/tmp/.."]', /^services\.web\.tmpfs\[0\] mounts a tmpfs on \/; mount it on a directory below it$/],
    ['tmpfs: [1]', /^services\.web\.tmpfs\[0\] must be a string/],
    ['tmpfs: {a: 1}', /^services\.web\.tmpfs must be a list/],
    ['tmpfs: ["/tmp:size=lots"]', /^services\.web\.tmpfs\[0\] has size=lots; use bytes or a size such as "64m"/],
    ['tmpfs: ["/tmp:size=0m"]', /^services\.web\.tmpfs\[0\] has size=0m; a tmpfs's size must be above 0$/],
    ['tmpfs: [/tmp, /tmp/]', /^services\.web\.tmpfs\[1\] mounts a tmpfs at \/tmp, as services\.web\.tmpfs\[0\] does$/],
    [
      'volumes: [{type: tmpfs, target: /t, tmpfs: {size: -1}}]',
      /^services\.web\.volumes\[0\]\.tmpfs\.size is -1; use bytes or a size/,
    ],
    [
      'volumes: [{type: tmpfs, target: /t, tmpfs: {size: 0}}]',
      /^services\.web\.volumes\[0\]\.tmpfs\.size is 0; a tmpfs/,
    ],
    ['volumes: [{type: tmpfs, target: t}]', /^services\.web\.volumes\[0\]\.target mounts a tmpfs at "t"/],
    ['volumes: [{type: tmpfs, target: /t, tmpfs: 64m}]', /^services\.web\.volumes\[0\]\.tmpfs must be a mapping/],
    [
      'volumes: ["/srv:/data"]\n    tmpfs: /data',
      /^services\.web\.tmpfs mounts a tmpfs at \/data, where one of the service's volumes is mounted$/,
    ],
    [
      `tmpfs: [${Array.from({ length: 17 }, (_, i) => `/t${i}`).join(', ')}]`,
      /^services\.web mounts 17 tmpfs \(tmpfs: and volumes of type: tmpfs\); at most 16$/,
    ],
  ];
  for (const [line, message] of refusals)
    assert.match(await messageOf(() => fromYaml(`services:\n  web:\n    image: x\n    ${line}\n`)), message, line);
});

test("hostname, extra_hosts, shm_size, ulimits, cap_add and cap_drop: the task's container options", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a:
    image: x
    hostname: db.internal
    extra_hosts: ["db:10.0.0.5", "gw=host-gateway", "v6:2001:db8::1", "db:10.0.0.5"]
    shm_size: 256m
    ulimits: {nofile: {soft: 1024, hard: 65536}, nproc: 512, memlock: -1, core: "0"}
    cap_add: [net_admin, CAP_SYS_TIME, NET_ADMIN]
    cap_drop: [ALL]
    init: true
  b:
    image: x
    extra_hosts: {db: 10.0.0.5, v6: "::1", multi: [10.0.0.7, 10.0.0.8]}
    shm_size: 1073741824
    ulimits: {nofile: {soft: 1024, hard: -1}}
  c: {image: x, hostname: null, extra_hosts: null, shm_size: null, ulimits: null, cap_add: null, cap_drop: null}
  d: {image: x, extra_hosts: [], ulimits: {}, cap_add: [], cap_drop: [], shm_size: "1.5gb", init: null}
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(services[0]?.task, {
    image: 'x',
    hostname: 'db.internal',
    extraHosts: ['db:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1'],
    shmSize: '256Mi',
    ulimits: { nofile: { soft: 1024, hard: 65536 }, nproc: 512, memlock: -1, core: 0 },
    capAdd: ['NET_ADMIN', 'SYS_TIME'],
    capDrop: ['ALL'],
  });
  assert.deepEqual(services[1]?.task, {
    image: 'x',
    extraHosts: ['db:10.0.0.5', 'v6:::1', 'multi:10.0.0.7', 'multi:10.0.0.8'],
    shmSize: 1073741824,
    ulimits: { nofile: { soft: 1024, hard: -1 } },
  });
  assert.deepEqual(services[2]?.task, { image: 'x' });
  assert.deepEqual(services[3]?.task, { image: 'x', shmSize: '1.5Gi' });
  for (const s of services) parseServiceSpec(s);
  const request = parseSpec(validateSpec(slotTaskSpec(services[0] as ServiceSpec, 1)));
  assert.equal(request.shmSizeBytes, 256 * 2 ** 20);
  assert.deepEqual(request.ulimits?.[0], { name: 'core', soft: 0, hard: 0 });
});

test('init: true is what Poseidon does; init: false is noted, as Poseidon always runs an init', async () => {
  const { services, warnings } = await fromYaml(`
services:
  a: {image: x, init: true}
  b: {image: x, init: false}
`);
  assert.deepEqual(
    services.map((s) => s.task),
    [{ image: 'x' }, { image: 'x' }],
  );
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: services.b.init (Poseidon always runs an init as PID 1)',
  ]);
  assert.equal(
    await messageOf(() => fromYaml('services:\n  a: {image: x, init: "yes"}\n')),
    'services.a.init must be true or false (got "yes")',
  );
});

test('a bad container option is refused naming its Compose path', async () => {
  const hostRule =
    'must be NAME:ADDRESS (an IPv4 or IPv6 address, or host-gateway: the node), such as "db.internal:10.0.0.5"';
  const capRule = 'must be a Linux capability such as "NET_ADMIN" (or "CAP_NET_ADMIN"), or "ALL"';
  const refusals: Array<[string, string]> = [
    [
      'hostname: web_1',
      'services.web.hostname must be a host name of at most 63 characters: letters, digits and "-", in labels ' +
        'separated by dots (got "web_1")',
    ],
    ['hostname: 12', 'services.web.hostname must be a string (got 12)'],
    ['extra_hosts: ["db"]', `services.web.extra_hosts[0] ${hostRule} (got "db")`],
    ['extra_hosts: ["a:1.2.3.4", "b:x"]', `services.web.extra_hosts[1] ${hostRule} (got "b:x")`],
    ['extra_hosts: {db: nowhere}', `services.web.extra_hosts.db ${hostRule} (got "db:nowhere")`],
    ['extra_hosts: {db: [10.0.0.1, 5]}', 'services.web.extra_hosts.db[1] must be a string (got 5)'],
    ['extra_hosts: "db:10.0.0.5"', 'services.web.extra_hosts must be a list (got "db:10.0.0.5")'],
    [
      `extra_hosts: [${Array.from({ length: 65 }, (_, i) => `"h${i}:10.0.0.${i}"`).join(', ')}]`,
      'services.web.extra_hosts adds 65 /etc/hosts entries; at most 64',
    ],
    ['shm_size: lots', 'services.web.shm_size is "lots"; use bytes or a size such as "512m" or "1g"'],
    ['shm_size: -1', 'services.web.shm_size is -1; use bytes or a size such as "512m" or "1g"'],
    ['shm_size: 0', "services.web.shm_size is 0; /dev/shm's size must be above 0"],
    ['shm_size: 0m', 'services.web.shm_size is "0m"; /dev/shm\'s size must be above 0'],
    [
      'ulimits: {nofiles: 1}',
      'services.web.ulimits.nofiles is not a limit: the name must be one of core, cpu, data, fsize, locks, memlock, ' +
        'msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack',
    ],
    ['ulimits: {nofile: -2}', 'services.web.ulimits.nofile must be at least -1 (got -2)'],
    ['ulimits: {nofile: lots}', 'services.web.ulimits.nofile must be a whole number (got "lots")'],
    ['ulimits: {nofile: {soft: 1.5, hard: 2}}', 'services.web.ulimits.nofile.soft must be a whole number (got 1.5)'],
    [
      'ulimits: {nofile: {soft: 1024}}',
      'services.web.ulimits.nofile must give both soft and hard, or be one number (got a mapping)',
    ],
    [
      'ulimits: {nofile: {soft: 2048, hard: 1024}}',
      'services.web.ulimits.nofile has soft 2048 above hard 1024 (-1 is unlimited)',
    ],
    [
      'ulimits: {nofile: {soft: -1, hard: 1024}}',
      'services.web.ulimits.nofile has soft -1 above hard 1024 (-1 is unlimited)',
    ],
    ['ulimits: [nofile=1]', 'services.web.ulimits must be a mapping (got a list)'],
    ['cap_add: [NOPE]', `services.web.cap_add[0] ${capRule} (got "NOPE")`],
    ['cap_drop: [CHOWN, 7]', `services.web.cap_drop[1] ${capRule} (got "7")`],
    ['cap_add: NET_ADMIN', 'services.web.cap_add must be a list (got "NET_ADMIN")'],
    [
      'cap_add: [net_admin]\n    cap_drop: [CAP_NET_ADMIN]',
      'services.web.cap_drop drops NET_ADMIN, which cap_add adds: name it in one of them',
    ],
  ];
  for (const [line, message] of refusals)
    assert.equal(await messageOf(() => fromYaml(`services:\n  web:\n    image: x\n    ${line}\n`)), message, line);
  // a key beside soft and hard is no Compose key: refused, as a typo would be
  assert.equal(
    await messageOf(() => fromYaml('services:\n  web: {image: x, ulimits: {nofile: {soft: 1, hard: 2, max: 3}}}\n')),
    'services.web.ulimits.nofile.max is not a Compose key',
  );
});

test("sysctls (a mapping or a list), group_add and logging's max-size and max-file: the task's own fields", async () => {
  const { services, warnings } = await fromYaml(`
services:
  a:
    image: x
    sysctls: {net.core.somaxconn: 1024, net.ipv4.ip_unprivileged_port_start: "80", kernel.shmmax: 68719476736}
    group_add: [audio, 1234, "5678", audio]
    logging: {driver: json-file, options: {max-size: 50m, max-file: "5"}}
  b:
    image: x
    sysctls: ["net.core.somaxconn=1024", "fs.mqueue.msg_max=a=b"]
    logging: {options: {max-file: 2}}
  c: {image: x, sysctls: null, group_add: null, logging: null}
  d: {image: x, sysctls: {}, group_add: [], logging: {driver: json-file}}
  e: {image: x, logging: {options: {max-size: 1048576}}}
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(services[0]?.task, {
    image: 'x',
    sysctls: {
      'net.core.somaxconn': '1024',
      'net.ipv4.ip_unprivileged_port_start': '80',
      'kernel.shmmax': '68719476736',
    },
    groupAdd: ['audio', '1234', '5678'],
    logs: { maxSize: '50Mi', maxFiles: 5 },
  });
  assert.deepEqual(services[1]?.task, {
    image: 'x',
    sysctls: { 'net.core.somaxconn': '1024', 'fs.mqueue.msg_max': 'a=b' },
    logs: { maxFiles: 2 },
  });
  assert.deepEqual(services[2]?.task, { image: 'x' });
  assert.deepEqual(services[3]?.task, { image: 'x' });
  assert.deepEqual(services[4]?.task, { image: 'x', logs: { maxSize: 1048576 } });
  for (const s of services) parseServiceSpec(s);
  const request = parseSpec(validateSpec(slotTaskSpec(services[0] as ServiceSpec, 1)));
  assert.deepEqual(request.groupAdd, ['audio', '1234', '5678']);
  assert.equal(request.sysctls?.['net.core.somaxconn'], '1024');
  assert.deepEqual([request.logMaxBytes, request.logMaxFiles], [50 * 2 ** 20, 5]);
});

test('logging: another driver, and options other than max-size and max-file, are in the warning; the rotation is kept', async () => {
  const { services, warnings } = await fromYaml(`
services:
  a:
    image: x
    logging: {driver: local, options: {max-size: 20m, compress: "true"}}
  b:
    image: x
    logging:
      driver: syslog
      options: {syslog-address: "udp://10.0.0.1:514", tag: web}
  c: {image: x, logging: {driver: json-file, options: {max-file: 4, labels: tier, x-note: mine}}}
`);
  assert.deepEqual(
    services.map((s) => s.task),
    [{ image: 'x', logs: { maxSize: '20Mi' } }, { image: 'x' }, { image: 'x', logs: { maxFiles: 4 } }],
  );
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: ' +
      'services.a.logging.driver ("local": Poseidon keeps json-file, which poseidon logs reads), ' +
      'services.a.logging.options.compress, ' +
      'services.b.logging.driver ("syslog": Poseidon keeps json-file, which poseidon logs reads), ' +
      'services.b.logging.options.syslog-address, services.b.logging.options.tag, ' +
      'services.c.logging.options.labels',
  ]);
});

test('a bad sysctl, group or log option is refused naming its Compose path', async () => {
  const sysctlRule =
    'must be a sysctl a container has its own copy of, as docker run --sysctl takes: net.*, fs.mqueue.*, ' +
    'kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni or ' +
    'kernel.shm_rmid_forced';
  const groupRule = 'must be a group name (lower-case, at most 32 characters) or a number';
  const refusals: Array<[string, string]> = [
    ['sysctls: {vm.max_map_count: 262144}', `services.web.sysctls.vm.max_map_count ${sysctlRule}`],
    ['sysctls: {net.core.somaxconn: 1, kernel.panic: 1}', `services.web.sysctls.kernel.panic ${sysctlRule}`],
    ['sysctls: ["vm.swappiness=10"]', `services.web.sysctls[0] ${sysctlRule}`],
    [
      'sysctls: ["net.core.somaxconn"]',
      'services.web.sysctls[0] must be NAME=VALUE, such as net.core.somaxconn=1024 (got "net.core.somaxconn")',
    ],
    ['sysctls: [1024]', 'services.web.sysctls[0] must be a string (got 1024)'],
    [
      'sysctls: ["net.core.somaxconn=1", "net.core.somaxconn=2"]',
      'services.web.sysctls[1] names net.core.somaxconn again; give each sysctl once',
    ],
    [
      'sysctls: {net.core.somaxconn: ""}',
      'services.web.sysctls.net.core.somaxconn must be a value of 1 to 256 characters on one line (got "")',
    ],
    [
      'sysctls: {net.core.somaxconn: true}',
      'services.web.sysctls.net.core.somaxconn must be a string or a number (got true)',
    ],
    [
      'sysctls: {net.core.somaxconn: [1]}',
      'services.web.sysctls.net.core.somaxconn must be a string or a number (got a list)',
    ],
    ['sysctls: net.core.somaxconn=1', 'services.web.sysctls must be a list (got "net.core.somaxconn=1")'],
    [
      `sysctls: {${Array.from({ length: 65 }, (_, i) => `net.x.s${i}: 1`).join(', ')}}`,
      'services.web.sysctls sets 65 sysctls; at most 64',
    ],
    ['group_add: [Audio]', `services.web.group_add[0] ${groupRule} (got "Audio")`],
    ['group_add: [audio, -5]', `services.web.group_add[1] ${groupRule} (got -5)`],
    ['group_add: [{name: audio}]', 'services.web.group_add[0] must be a group name or number (got a mapping)'],
    ['group_add: audio', 'services.web.group_add must be a list (got "audio")'],
    [
      `group_add: [${Array.from({ length: 33 }, (_, i) => `g${i}`).join(', ')}]`,
      'services.web.group_add adds 33 groups; at most 32',
    ],
    ['logging: json-file', 'services.web.logging must be a mapping (got "json-file")'],
    ['logging: {driver: 5}', 'services.web.logging.driver must be a string (got 5)'],
    ['logging: {options: [max-size=1m]}', 'services.web.logging.options must be a mapping (got a list)'],
    [
      'logging: {options: {max-size: lots}}',
      'services.web.logging.options.max-size is "lots"; use bytes or a size such as "512m" or "1g"',
    ],
    [
      'logging: {options: {max-size: 1k}}',
      'services.web.logging.options.max-size is "1k" (1 KiB); must be between 64 KiB and 1 GiB',
    ],
    [
      'logging: {options: {max-size: 2g}}',
      'services.web.logging.options.max-size is "2g" (2 GiB); must be between 64 KiB and 1 GiB',
    ],
    ['logging: {options: {max-file: "0"}}', 'services.web.logging.options.max-file must be at least 1 (got 0)'],
    ['logging: {options: {max-file: 101}}', 'services.web.logging.options.max-file must be at most 100 (got 101)'],
    ['logging: {options: {max-file: two}}', 'services.web.logging.options.max-file must be a whole number (got "two")'],
  ];
  for (const [line, message] of refusals)
    assert.equal(await messageOf(() => fromYaml(`services:\n  web:\n    image: x\n    ${line}\n`)), message, line);
});

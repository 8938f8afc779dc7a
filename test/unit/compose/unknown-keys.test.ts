import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromYaml, messageOf } from './compose-yaml.js';

// A key the Compose specification does not define is a typo: the file is refused, naming its
// path and the key it probably meant. A key it defines that Poseidon does not run is warned about.

/** A file with one service `web`, whose body is `body` (YAML lines, indented under web:). */
const web = (body: string, top = ''): string => `services:\n  web:\n    image: x\n${body}${top}`;

test('a misspelt key at each level the reader walks is refused, naming its path and the key it probably meant', async () => {
  const cases: Array<[string, string]> = [
    [web('', 'volums: {}\n'), 'volums is not a Compose key (did you mean volumes?)'],
    [web('    enviroment: {A: b}\n'), 'services.web.enviroment is not a Compose key (did you mean environment?)'],
    // case, - and _ aside
    [
      web('    deploy: {restart-policy: {condition: any}}\n'),
      'services.web.deploy.restart-policy is not a Compose key (did you mean restart_policy?)',
    ],
    [web('    deploy: {replica: 3}\n'), 'services.web.deploy.replica is not a Compose key (did you mean replicas?)'],
    [
      web('    deploy: {resouces: {limits: {cpus: 1}}}\n'),
      'services.web.deploy.resouces is not a Compose key (did you mean resources?)',
    ],
    [
      web('    deploy: {resources: {limit: {cpus: 1}}}\n'),
      'services.web.deploy.resources.limit is not a Compose key (did you mean limits?)',
    ],
    [
      web('    deploy: {resources: {limits: {cpu: 1}}}\n'),
      'services.web.deploy.resources.limits.cpu is not a Compose key (did you mean cpus?)',
    ],
    [
      web('    deploy: {resources: {reservations: {memroy: 1g}}}\n'),
      'services.web.deploy.resources.reservations.memroy is not a Compose key (did you mean memory?)',
    ],
    [
      web('    deploy: {placment: {constraints: ["node.labels.a == b"]}}\n'),
      'services.web.deploy.placment is not a Compose key (did you mean placement?)',
    ],
    [
      web('    deploy: {placement: {constraint: ["node.labels.a == b"]}}\n'),
      'services.web.deploy.placement.constraint is not a Compose key (did you mean constraints?)',
    ],
    [
      web('    deploy: {update_config: {paralelism: 2}}\n'),
      'services.web.deploy.update_config.paralelism is not a Compose key (did you mean parallelism?)',
    ],
    [
      web('    deploy: {rollback_config: {oder: stop-first}}\n'),
      'services.web.deploy.rollback_config.oder is not a Compose key (did you mean order?)',
    ],
    [
      web('    deploy: {restart_policy: {max_attempt: 3}}\n'),
      'services.web.deploy.restart_policy.max_attempt is not a Compose key (did you mean max_attempts?)',
    ],
    [
      web('    healthcheck: {tset: [CMD, "true"], interval: 5s}\n'),
      'services.web.healthcheck.tset is not a Compose key (did you mean test?)',
    ],
    [
      web('    ports: [{target: 80, publshed: 8080}]\n'),
      'services.web.ports[0].publshed is not a Compose key (did you mean published?)',
    ],
    [
      web('    volumes: [{type: bind, source: ./a, target: /a, readonly: true}]\n'),
      'services.web.volumes[0].readonly is not a Compose key (did you mean read_only?)',
    ],
    [
      web('    volumes: [{type: tmpfs, target: /t, tmpfs: {sise: 1m}}]\n'),
      'services.web.volumes[0].tmpfs.sise is not a Compose key (did you mean size?)',
    ],
    [
      web('    logging: {drivr: json-file}\n'),
      'services.web.logging.drivr is not a Compose key (did you mean driver?)',
    ],
    // the check that follows (both soft and hard) would fail too: the typo is what is named
    [
      web('    ulimits: {nofile: {sotf: 1, hard: 2}}\n'),
      'services.web.ulimits.nofile.sotf is not a Compose key (did you mean soft?)',
    ],
    [
      web('', 'volumes:\n  data: {externl: true}\n'),
      'volumes.data.externl is not a Compose key (did you mean external?)',
    ],
    [
      web('    secrets: [pw]\n', 'secrets:\n  pw: {fiel: ./pw}\n'),
      'secrets.pw.fiel is not a Compose key (did you mean file?)',
    ],
    [web('', 'configs:\n  c: {contnet: x}\n'), 'configs.c.contnet is not a Compose key (did you mean content?)'],
    // nothing near: the path alone
    [web('    colour: blue\n'), 'services.web.colour is not a Compose key'],
  ];
  for (const [yaml, message] of cases) assert.equal(await messageOf(() => fromYaml(yaml)), message, yaml);
});

test('several misspelt keys are all listed, and one named first when the check after it fails', async () => {
  const file = `
services:
  api:
    image: x
    enviroment: {DB: db}
    healthcheck: {tset: [CMD, "true"]}
    deploy:
      resouces: {limits: {memory: 1g}}
      placment: {constraints: ["node.labels.zone == a"]}
  db:
    imag: postgres:16
`;
  assert.equal(
    await messageOf(() => fromYaml(file)),
    'services.api.enviroment is not a Compose key (did you mean environment?); ' +
      'services.api.healthcheck.tset is not a Compose key (did you mean test?); ' +
      'services.api.deploy.resouces is not a Compose key (did you mean resources?); ' +
      'services.api.deploy.placment is not a Compose key (did you mean placement?); ' +
      // without the typo db would be refused for having no image
      'services.db.imag is not a Compose key (did you mean image?)',
  );
});

test('a key Compose defines that Poseidon does not run is only warned about, as before', async () => {
  const { services, warnings } = await fromYaml(`
include: [other.yaml]
services:
  web:
    image: x
    depends_on: [db]
    restart: always
    cpu_shares: 512
    logging: {driver: json-file, options: {max-file: 2, compress: "true"}}
    healthcheck: {test: [CMD, "true"], start_interval: 1s}
    ports: [{target: 80, app_protocol: http}]
    volumes: [{type: volume, source: data, target: /data, image: {subpath: a}}]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement: {max_replicas_per_node: 1}
      resources: {reservations: {generic_resources: []}}
  db: {image: postgres:16, expose: ["5432"]}
volumes:
  data: {driver_opts: {type: nfs}}
`);
  assert.equal(services[0]?.replicas, 2);
  assert.deepEqual(warnings, [
    'not supported by Poseidon, ignored: include, volumes.data.driver_opts, services.web.depends_on, ' +
      'services.web.cpu_shares, services.web.logging.options.compress, ' +
      'services.web.ports[0].app_protocol, services.web.healthcheck.start_interval, services.web.volumes[0].image, ' +
      'services.web.deploy.endpoint_mode, services.web.deploy.resources.reservations.generic_resources, ' +
      'services.web.deploy.placement.max_replicas_per_node',
  ]);
});

test('x- extension keys pass quietly at every level Compose allows them', async () => {
  const { services, warnings } = await fromYaml(`
x-top: 1
services:
  web:
    image: x
    x-service: 1
    logging: {x-l: 1, options: {max-file: 2, x-o: 1}}
    ulimits: {nofile: {soft: 1, hard: 2, x-u: 1}}
    healthcheck: {test: [CMD, "true"], x-h: 1}
    ports: [{target: 80, x-p: 1}]
    volumes:
      - {type: volume, source: data, target: /data, x-v: 1}
      - {type: tmpfs, target: /t, tmpfs: {size: 1m, x-t: 1}}
    secrets: [{source: pw, x-s: 1}]
    deploy:
      x-d: 1
      replicas: 2
      update_config: {parallelism: 1, x-u: 1}
      rollback_config: {parallelism: 1, x-r: 1}
      restart_policy: {condition: on-failure, x-r: 1}
      resources: {x-r: 1, limits: {cpus: 1, x-l: 1}, reservations: {cpus: 0.5, x-r: 1}}
      placement: {x-p: 1, constraints: ["node.labels.zone == a"], preferences: [{spread: node.labels.zone, x-s: 1}]}
volumes:
  data: {x-v: 1}
secrets:
  pw: {external: true, x-s: 1}
configs:
  c: {content: x, x-c: 1}
`);
  assert.deepEqual(warnings, []);
  assert.equal(services[0]?.replicas, 2);
  assert.deepEqual(services[0]?.preferences, [{ spread: 'node.labels.zone' }]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeToServices, mergeComposeDocuments } from '../../../src/compose/index.js';
import { parseDocument } from '../../../src/files/index.js';

// `deploy -c base.yml -c prod.yml`: the files merged by the Compose specification's rules, then
// converted as one.

const BASE = `
services:
  web:
    image: poseidon/busybox
    command: httpd -f -p 80
    ports: ["\${WEB_PORT:-8080}:80", "9000:9000"]
    environment:
      - MODE=dev
      - KEEP=1
    labels: {team: web}
    secrets: [db_password]
    volumes: ["data:/var/lib/data", "./conf:/etc/conf:ro"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
    deploy:
      replicas: 1
      placement: {constraints: ["node.labels.zone == a"]}
      resources: {limits: {memory: 64m}}
  db:
    image: poseidon/busybox
volumes:
  data: {}
secrets:
  db_password: {file: ./pw.txt}
`;

const PROD = `
services:
  web:
    command: ["httpd", "-f", "-p", "8080"]
    ports:
      - {target: 80, published: 8080, protocol: tcp}
      - "9100:9100"
    environment: {MODE: prod, EXTRA: "2"}
    labels: [tier=front]
    secrets: [{source: db_password, mode: 0400}]
    volumes: [{type: volume, source: data2, target: /var/lib/data}]
    healthcheck: {test: ["CMD", "false"]}
    deploy:
      replicas: 3
      placement: {constraints: ["node.labels.disk == ssd"]}
  cache:
    image: poseidon/busybox
volumes:
  data2: {}
`;

async function merged(vars: Record<string, string | undefined> = {}): Promise<unknown> {
  const docs = [await parseDocument(BASE, 'a.yml', '-c'), await parseDocument(PROD, 'b.yml', '-c')];
  return mergeComposeDocuments(docs, vars);
}

test('a later file adds services, merges mappings and replaces command and healthcheck.test', async () => {
  const { services } = composeToServices(await merged(), {
    stack: 'app',
    baseDir: '/srv/app',
    readBytes: () => Buffer.from('pw'),
  });
  assert.deepEqual(
    services.map((s) => s.name),
    ['app-web', 'app-db', 'app-cache'],
  );
  const web = services[0];
  assert.equal(web?.replicas, 3);
  assert.deepEqual(web?.task.command, ['httpd', '-f', '-p', '8080']);
  assert.deepEqual(web?.task.healthCheck?.command, ['false']);
  // the base's interval stays: healthcheck is a mapping, merged
  assert.equal(web?.task.healthCheck?.interval, '5s');
  // a list and a mapping of KEY=value merge by key, whichever form each file has
  assert.deepEqual(web?.task.env, { MODE: 'prod', KEEP: '1', EXTRA: '2' });
  assert.equal(web?.task.labels?.['team'], 'web');
  assert.equal(web?.task.labels?.['tier'], 'front');
  // other sequences append
  assert.deepEqual(web?.constraints, ['node.labels.zone == a', 'node.labels.disk == ssd']);
  assert.equal(web?.task.memory, '64Mi');
});

test('ports, volumes and secrets keep one entry per unique key, variables substituted to compare them', async () => {
  const doc = await merged({ WEB_PORT: '8080' });
  const web = (doc as { services: { web: Record<string, unknown> } }).services.web;
  // "${WEB_PORT:-8080}:80" is the long syntax's 8080 -> 80: one port, the later one
  assert.deepEqual(web['ports'], [{ target: 80, published: 8080, protocol: 'tcp' }, '9000:9000', '9100:9100']);
  // /var/lib/data mounted once: the later file's volume
  assert.deepEqual(web['volumes'], [
    { type: 'volume', source: 'data2', target: '/var/lib/data' },
    './conf:/etc/conf:ro',
  ]);
  // both mount /run/secrets/db_password: merged into one
  assert.deepEqual(web['secrets'], [{ source: 'db_password', mode: 400 }]);
  // with another port the two are different ports
  const other = (await merged({ WEB_PORT: '8081' })) as { services: { web: Record<string, unknown> } };
  assert.equal((other.services.web['ports'] as unknown[]).length, 4);
});

test('one file is taken as it is', async () => {
  const doc = await parseDocument(BASE, 'a.yml', '-c');
  assert.equal(mergeComposeDocuments([doc], {}), doc);
});

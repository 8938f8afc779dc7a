import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromYaml, messageOf } from './compose-yaml.js';

// `extends` was warned about and dropped: a service that extends another deployed without what it
// inherits (its command, ports, environment), which is not the service the file describes.

test("extends: a service starts from another's keys (that one's extends first), its own merged over them", async () => {
  const { services, warnings } = await fromYaml(`
services:
  base:
    image: x
    command: ["sleep", "1"]
    environment: {A: "1", B: "1"}
    ports: ["8080:80"]
    deploy: {labels: {tier: a}}
  mid:
    extends: base
    environment: [B=2]
  web:
    extends: {service: mid}
    command: httpd -f
    ports: ["9090:90"]
`);
  const [base, mid, web] = services;
  assert.deepEqual(warnings, []);
  assert.deepEqual(mid?.task.env, { A: '1', B: '2' });
  assert.deepEqual(mid?.task.command, ['sleep', '1']);
  assert.equal(mid?.labels?.['tier'], 'a');
  assert.deepEqual(web?.task.command, ['httpd', '-f'], 'command is replaced');
  assert.deepEqual(web?.task.env, { A: '1', B: '2' });
  assert.deepEqual(
    web?.task.ports?.map((p) => p.host),
    [8080, 9090],
    'ports are appended',
  );
  assert.equal(base?.task.env?.['B'], '1', 'the base is its own');
});

test('extends that names no service, goes round, or names another file is refused by its path with what to do', async () => {
  const cases: [string, RegExp][] = [
    ['a: {image: x, extends: nope}', /^services\.a\.extends names service "nope", which the file does not have$/],
    [
      'a: {image: x, extends: b}\n  b: {image: x, extends: a}',
      /^services\.b\.extends goes round in a circle: a extends b extends a$/,
    ],
    ['a: {image: x, extends: a}', /^services\.a\.extends goes round in a circle: a extends a$/],
    [
      'a: {image: x, extends: {service: b, file: base.yaml}}\n  b: {image: x}',
      /^services\.a\.extends\.file is "base\.yaml": Poseidon reads extends within this file only; copy the service here, or deploy what docker compose config prints/,
    ],
    ['a: {image: x, extends: {servce: b}}', /^services\.a\.extends\.servce is not a key of extends \(service, file\)$/],
  ];
  for (const [services, message] of cases)
    assert.match(await messageOf(() => fromYaml(`services:\n  ${services}\n`)), message, services);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromYaml } from './compose-yaml.js';

// The "cannot reach it" note named a one-letter service whenever its letter stood alone in another
// service's value: `F=a=b` counted as naming service b. A name counts now only where it is a host.

const NOTE = (key: string, by: string): string =>
  `services.${key}: no ports or expose, so services.${by}, which names it, cannot reach it ` +
  '(list the ports it serves: expose: ["5432"] binds no host port)';

test('a one-letter service is not named by a value that only holds its letter as a word', async () => {
  const { warnings } = await fromYaml(`
services:
  a: {image: x, environment: [F=a=b, "G=x b y", H=b.c, I=b-c], command: [echo, "b=1", "a/b"]}
  b: {image: x}
`);
  assert.deepEqual(warnings, []);
});

test('a name is a host as the whole value, a URL host, host:port, a command word, or a link', async () => {
  for (const [body, why] of [
    ['environment: [H=b]', 'the whole value'],
    ['environment: {U: "http://u:p@b/x"}', 'a URL host'],
    ['environment: {U: "redis://b"}', 'a URL host at the end'],
    ['environment: [S=b:5432]', 'host:port'],
    ['environment: ["K=k1:9092,b:9092"]', 'host:port in a list'],
    ['command: "sh -c \'until nc -z b 5432; do sleep 1; done\'"', 'a word of a script'],
    ['links: ["b:db"]', 'a link'],
    ['depends_on: [b]', 'depends_on'],
  ] as const) {
    const { warnings } = await fromYaml(`services:\n  a: {image: x, ${body}}\n  b: {image: x}\n`);
    assert.deepEqual(warnings.slice(-1), [NOTE('b', 'a')], why);
  }
});

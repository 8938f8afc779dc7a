import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { TEST_IMAGE } from '../integration/helpers/docker.js';
import { admin, asNode, codeOf, joinedNode, messageOf, registration, sender, type Send } from './helpers.js';

// Oversized and out-of-range inputs against a real manager: each is refused with a 4xx that names
// the field (and the limit), and nothing changed: no task, no node, no event.

const task = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  image: TEST_IMAGE,
  command: ['sleep', '600'],
  ...fields,
});
const many = (n: number, value = '1'): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));

describe('a manager refuses oversized and out-of-range input, naming the field, and keeps nothing of it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-security-inputs-'));
  let manager: PoseidonProcess;
  /** As the cluster's admin (tasks, nodes), and as a node that joined (registrations). */
  let send: Send;
  let sendAsNode: Send;
  before(async () => {
    const started = await spawnManager(join(dir, 'manager'));
    manager = started.process;
    send = sender(admin(started.access));
    sendAsNode = sender(asNode(await joinedNode(started.access)));
  });
  after(async () => {
    await manager?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const SUBMISSIONS: ReadonlyArray<readonly [string, unknown, number, RegExp]> = [
    [
      'a 700h backoff',
      task({ restartPolicy: { mode: 'always', backoff: { max: '700h' } } }),
      400,
      /^restartPolicy\.backoff\.max .*24h/,
    ],
    [
      'a 25 h health check interval',
      task({ healthCheck: { type: 'exec', command: ['true'], interval: '25h' } }),
      400,
      /^healthCheck\.interval .*24h/,
    ],
    [
      'memory "4Mi", under Docker\'s 6 MiB',
      task({ memory: '4Mi' }),
      400,
      /^memory is 4 MiB; a container needs at least 6 MiB/,
    ],
    ["cpu 0.001, under the kernel's 1 ms quota", task({ cpu: 0.001 }), 400, /^cpu .*from 0\.01/],
    ['cpuLimit 0.001', task({ cpuLimit: 0.001 }), 400, /^cpuLimit .*from 0\.01/],
    ['pidsLimit 0', task({ pidsLimit: 0 }), 400, /^pidsLimit /],
    ['a name with terminal escape codes', task({ name: 'web\u001b[2J\u001b[31m' }), 400, /^name must be a DNS label/],
    ['a name that is no DNS label', task({ name: 'Web_Server' }), 400, /^name must be a DNS label/],
    [
      'a seed file whose Name clears the screen',
      { State: 0, Task: { Name: 'x\u001b[2J', Image: TEST_IMAGE } },
      400,
      /^Task\.Name must be a DNS label/,
    ],
    ['300 env variables', task({ env: many(300) }), 400, /^env has 300 entries; at most 256/],
    ['65 KiB of env', task({ env: { BIG: 'x'.repeat(65 * 1024) } }), 400, /^env holds .*at most 64 KiB/],
    ['65 labels', task({ labels: many(65) }), 400, /^labels has 65 entries; at most 64/],
    ['20 KiB of labels', task({ labels: many(5, 'x'.repeat(4096)) }), 400, /^labels holds .*at most 16 KiB/],
    ['a body over 1 MiB', task({ command: ['x'.repeat(1_100_000)] }), 413, /larger than 1 MiB/],
  ];
  for (const [what, body, status, says] of SUBMISSIONS) {
    test(`a submission with ${what} gets ${status}, naming the field`, async () => {
      const answer = await send('POST', `${manager.url}/tasks`, body);
      assert.equal(answer.status, status, JSON.stringify(answer.body).slice(0, 300));
      assert.match(messageOf(answer), says);
      assert.deepEqual((await send('GET', `${manager.url}/tasks`)).body, []);
    });
  }

  test('a logs read asking for more than 10,000 lines is refused naming tail', async () => {
    const answer = await send('GET', `${manager.url}/tasks/0123/logs?tail=20000`);
    assert.equal(answer.status, 400);
    assert.equal(messageOf(answer), 'tail is 20000 lines; at most 10000');
  });

  const REGISTRATIONS: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
    ['a node name with escape codes', registration('w\u001b]0;pwned\u0007'), /body\.name/],
    ['a node name that is no DNS label', registration('Worker_1'), /body\.name/],
    ['a 3000-character URL', registration('w1', { url: `https://127.0.0.1:9/${'x'.repeat(3000)}` }), /body\.url/],
    [
      'a task report with a 5000-character reason',
      registration('w1', {
        tasks: [
          {
            taskId: 't1',
            generation: 1,
            state: 'Running',
            containerId: null,
            exitCode: null,
            reason: 'x'.repeat(5000),
            ports: [],
            startedAt: null,
            finishedAt: null,
          },
        ],
      }),
      /body\.tasks\[0\]\.reason/,
    ],
    [
      'a task report with a 200-character container id',
      registration('w1', {
        tasks: [
          {
            taskId: 't1',
            generation: 1,
            state: 'Running',
            containerId: 'c'.repeat(200),
            exitCode: null,
            reason: '',
            ports: [],
            startedAt: null,
            finishedAt: null,
          },
        ],
      }),
      /body\.tasks\[0\]\.containerId/,
    ],
  ];
  for (const [what, body, names] of REGISTRATIONS) {
    test(`a registration with ${what} is refused naming the field, and no node joins`, async () => {
      const answer = await sendAsNode('POST', `${manager.url}/nodes/register`, body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body).slice(0, 300));
      assert.equal(codeOf(answer), 'invalid_request');
      assert.match(messageOf(answer), names);
      assert.deepEqual((await send('GET', `${manager.url}/nodes`)).body, []);
    });
  }
});

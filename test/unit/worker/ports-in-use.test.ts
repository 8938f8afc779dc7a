import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portsInUseOutside } from '../../../src/worker/index.js';

test('the ports a worker reports leave out every port its tasks name, looked at after the reading', async () => {
  const own = new Set(['8080/tcp']);
  const worker = { hostPortsOfTasks: () => new Set(own) };
  const held = await portsInUseOutside(worker, async () => {
    own.add('9090/tcp'); // a task started while the tables were read
    return ['22/tcp', '8080/tcp', '9090/tcp', '9090/udp'];
  });
  assert.deepEqual(held, ['22/tcp', '9090/udp']);
});

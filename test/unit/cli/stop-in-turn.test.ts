import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { stopInTurn } from '../../../src/cli/stop-in-turn.js';

// A manager stopping while etcd lacks a majority: its last write of token uses fails, and every
// part after it (its leases, its etcd client) was left running, holding the process for ever.

test('a part that fails to stop is said, and the parts after it are stopped all the same', async () => {
  const lines: Array<{ msg: string; err?: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) });
  const stopped: string[] = [];
  await stopInTurn(log, [
    { what: 'stop the manager', stop: () => void stopped.push('manager') },
    {
      what: 'write the last use of tokens',
      stop: () => Promise.reject(new Error('cannot reach etcd')),
    },
    { what: 'leave the manager group', stop: async () => void stopped.push('group') },
  ]);
  assert.deepEqual(stopped, ['manager', 'group']);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.err]),
    [['stopping: could not write the last use of tokens', 'cannot reach etcd']],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execRequestOf } from '../../../src/cli/exec-action.js';

// `poseidon exec TASK COMMAND...`: the request, read before anything is sent.

test('exec sends the command as given, with --timeout in ms when given', () => {
  assert.deepEqual(execRequestOf(['sh', '-c', 'echo hi'], {}), { command: ['sh', '-c', 'echo hi'] });
  assert.deepEqual(execRequestOf(['ls'], { timeout: '90s' }), { command: ['ls'], timeoutMs: 90_000 });
});

test('exec refuses a missing command and a timeout out of range, naming them', () => {
  assert.throws(() => execRequestOf([], {}), { message: 'COMMAND is missing: poseidon exec TASK COMMAND [ARG...]' });
  assert.throws(() => execRequestOf(['ls'], { timeout: '0' }), {
    message: '--timeout is 0; give a duration from 1ms to 24h',
  });
  assert.throws(() => execRequestOf(['ls'], { timeout: '25h' }), /^InvalidField: --timeout is "25h"/);
  assert.throws(() => execRequestOf(['ls'], { timeout: '5' }), /a number without a unit/);
});

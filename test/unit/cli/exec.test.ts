import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExecRequest } from '../../../src/api/index.js';
import { execRequestOf } from '../../../src/cli/exec-action.js';

// `poseidon exec TASK COMMAND...`: the request, read before anything is sent.

test('exec sends the command as given, asks for its output byte for byte, with --timeout in ms when given', () => {
  assert.deepEqual(execRequestOf(['sh', '-c', 'echo hi'], {}), {
    command: ['sh', '-c', 'echo hi'],
    encoding: 'base64',
  });
  assert.deepEqual(execRequestOf(['ls'], { timeout: '90s' }), {
    command: ['ls'],
    encoding: 'base64',
    timeoutMs: 90_000,
  });
});

test('a leading -- (exec TASK -- COMMAND, as kubectl takes it) is no part of the command; one alone is no command', () => {
  assert.deepEqual(execRequestOf(['--', 'cat', '--', 'x'], {}).command, ['cat', '--', 'x']);
  assert.throws(() => execRequestOf(['--'], {}), /^Error: COMMAND is missing|COMMAND is missing/);
});

test("-i asks for stdin, -t for a terminal of this terminal's size (when it has one)", () => {
  assert.deepEqual(execRequestOf(['cat'], { interactive: true }), {
    command: ['cat'],
    encoding: 'base64',
    stdin: true,
  });
  assert.deepEqual(execRequestOf(['tty'], { tty: true }), { command: ['tty'], encoding: 'base64', tty: true });
  assert.deepEqual(execRequestOf(['sh'], { interactive: true, tty: true }, { cols: 100, rows: 40 }), {
    command: ['sh'],
    encoding: 'base64',
    stdin: true,
    tty: true,
    size: { cols: 100, rows: 40 },
  });
  // a size is for a terminal; a terminal that says it has none (0 × 0) sends none
  assert.deepEqual(execRequestOf(['sh'], { interactive: true }, { cols: 100, rows: 40 }), {
    command: ['sh'],
    encoding: 'base64',
    stdin: true,
  });
  assert.deepEqual(execRequestOf(['sh'], { tty: true }, { cols: 0, rows: 0 }), {
    command: ['sh'],
    encoding: 'base64',
    tty: true,
  });
});

test('exec refuses a missing command and a timeout out of range, naming them', () => {
  assert.throws(() => execRequestOf([], {}), {
    message: 'COMMAND is missing: poseidon exec [-d] [-i] [-t] TASK COMMAND [ARG...]',
  });
  assert.throws(() => execRequestOf(['ls'], { timeout: '0' }), {
    message: '--timeout is 0; give a duration from 1ms to 24h',
  });
  assert.throws(() => execRequestOf(['ls'], { timeout: '25h' }), /^InvalidField: --timeout is "25h"/);
  assert.throws(() => execRequestOf(['ls'], { timeout: '5' }), /a number without a unit/);
});

test('-u, -w and -e go as user, workdir and env; -e NAME takes its value here; a relative -w is refused', () => {
  assert.deepEqual(
    execRequestOf(['id'], { user: 'app:staff', workdir: '/srv', env: ['A=1', 'HOME_DIR'] }, undefined, {
      HOME_DIR: '/home/me',
    }),
    { command: ['id'], encoding: 'base64', user: 'app:staff', workdir: '/srv', env: { A: '1', HOME_DIR: '/home/me' } },
  );
  assert.throws(() => execRequestOf(['pwd'], { workdir: 'srv' }), {
    message: '--workdir is "srv"; give an absolute path in the container',
  });
  assert.throws(() => execRequestOf(['id'], { env: ['UNSET_HERE'] }, undefined, {}), {
    message: '--env is "UNSET_HERE", which is not set here; use NAME=value, or set it first',
  });
});

test("a terminal's size without a terminal is refused, naming the field (the manager and the worker both check)", () => {
  assert.throws(() => checkExecRequest({ command: ['sh'], size: { cols: 80, rows: 24 } }), {
    message: 'size is for a terminal; ask for tty too',
  });
  assert.doesNotThrow(() => checkExecRequest({ command: ['sh'], tty: true, size: { cols: 80, rows: 24 } }));
});

test('-d asks for the command in the background (with -t too); with -i or --timeout it is refused, naming both', () => {
  assert.deepEqual(execRequestOf(['sleep', '60'], { detach: true }), {
    command: ['sleep', '60'],
    encoding: 'base64',
    detach: true,
  });
  assert.deepEqual(execRequestOf(['top'], { detach: true, tty: true }), {
    command: ['top'],
    encoding: 'base64',
    detach: true,
    tty: true,
  });
  assert.throws(() => execRequestOf(['cat'], { detach: true, interactive: true }), {
    message: '-d runs the command in the background, where no input reaches it: leave out -i',
  });
  assert.throws(() => execRequestOf(['ls'], { detach: true, timeout: '5s' }), {
    message: '--timeout is how long output is shown, and -d shows none: leave one of them out',
  });
  // the manager and the worker refuse a detached exec with stdin from any client
  assert.throws(() => checkExecRequest({ command: ['cat'], detach: true, stdin: true }), {
    message: 'detach runs the command in the background, with no input: leave out stdin',
  });
});

test('--privileged is refused before anything is sent, saying why: capabilities come only as workers allow', () => {
  assert.throws(
    () => execRequestOf(['id'], { privileged: true }),
    (err: Error) => {
      assert.match(err.message, /^--privileged is refused: it would give the command every capability of its node/);
      assert.match(err.message, /--allow-cap/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    },
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExecStdin, TerminalSize } from '../../../src/driver/index.js';
import { ExecSessions } from '../../../src/worker/exec-sessions.js';

// The worker's interactive execs: input goes to the session's command in the order it came, only
// for its own task, and only while it lasts; a worker holds a bounded number.

/** A command's stdin that keeps what it was given; `hold` makes its next write wait for the test. */
function stdin(): ExecStdin & { got: string[]; hold(): () => void } {
  const got: string[] = [];
  let held: Promise<void> | undefined;
  return {
    got,
    hold() {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
    async write(data: Buffer) {
      const wait = held;
      held = undefined;
      await wait;
      got.push(data.toString());
    },
    end() {
      got.push('<end>');
    },
    async resize(size: TerminalSize) {
      got.push(`<${size.cols}x${size.rows}>`);
    },
  };
}

const web = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'web' };
const db = { id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'db' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('input reaches the command in the order it came, even while an earlier write waits', async () => {
  const sessions = new ExecSessions();
  const cmd = stdin();
  const id = sessions.open(web, cmd);
  const release = cmd.hold();
  const first = sessions.feed(web, id, { data: b64('one ') });
  const second = sessions.feed(web, id, { data: b64('two'), size: { cols: 80, rows: 24 }, eof: true });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(cmd.got, [], 'the second waits for the first');
  release();
  await Promise.all([first, second]);
  assert.deepEqual(cmd.got, ['one ', 'two', '<80x24>', '<end>']);
});

test("input for another task's session, or for one that ended, is refused as not found", async () => {
  const sessions = new ExecSessions();
  const cmd = stdin();
  const id = sessions.open(web, cmd);
  await assert.rejects(sessions.feed(db, id, { data: b64('x') }), {
    code: 'exec_session_not_found',
    message: `no interactive exec ${id.slice(0, 8)} in task db: its command has exited, or it is another task's`,
  });
  sessions.close(id);
  await assert.rejects(sessions.feed(web, id, { data: b64('x') }), { code: 'exec_session_not_found' });
  assert.deepEqual(cmd.got, [], 'nothing reached the command');
});

test('a worker holds so many sessions, and takes a new one once one ended', () => {
  const sessions = new ExecSessions(2);
  const a = sessions.open(web, stdin());
  sessions.open(db, stdin());
  assert.throws(() => sessions.open(web, stdin()), { code: 'too_many_exec_sessions' });
  assert.throws(() => sessions.reserve(), /already runs 2 interactive execs/);
  sessions.close(a);
  assert.doesNotThrow(() => sessions.open(web, stdin()));
  assert.equal(sessions.size, 2);
});

test('a write that fails fails its own call; the next still goes', async () => {
  const sessions = new ExecSessions();
  const got: string[] = [];
  let fail = true;
  const id = sessions.open(web, {
    async write(data) {
      if (fail) {
        fail = false;
        throw new Error('EPIPE');
      }
      got.push(data.toString());
    },
    end() {},
    async resize() {},
  });
  await assert.rejects(sessions.feed(web, id, { data: b64('lost') }), /EPIPE/);
  await sessions.feed(web, id, { data: b64('next') });
  assert.deepEqual(got, ['next']);
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { ExecLine } from '../../src/api/index.js';
import { RemoteError } from '../../src/errors/index.js';
import { POSEIDON_BIN, runPoseidon } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon exec -i` and `-t` against a real manager, a real worker and the real engine: stdin
// piped in or typed at a terminal (a pseudo-terminal made by util-linux `script`), the terminal's
// size, keys such as Ctrl-C going to the command, and its exit code as the CLI's.

/** A shell-safe word. */
const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** `poseidon ARGS` on a terminal of its own, `rows` × `cols`: what it shows, and what is typed at it. */
class OnTerminal {
  readonly #child: ChildProcessWithoutNullStreams;
  #shown = '';
  readonly exited: Promise<unknown>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv, size: { rows: number; cols: number }) {
    const line = [process.execPath, POSEIDON_BIN, ...args].map(quote).join(' ');
    const inner = `stty rows ${size.rows} cols ${size.cols}; echo "[on $(tty)]"; ${line}; echo "[exit $?]"`;
    this.#child = spawn('script', ['-qec', inner, '/dev/null'], { env: { ...process.env, ...env } });
    this.#child.stdout.on('data', (c: Buffer) => (this.#shown += c.toString('utf8')));
    this.exited = once(this.#child, 'exit');
  }

  get shown(): string {
    return this.#shown;
  }

  /** The terminal it runs on (`/dev/pts/N`), once it said. */
  async device(): Promise<string> {
    await this.until(/\[on \/dev\/pts\/[0-9]+\]/, 0, 'the terminal it runs on');
    return (/\[on (\/dev\/pts\/[0-9]+)\]/.exec(this.#shown) as RegExpExecArray)[1] as string;
  }

  /** Resizes its terminal, as a window being resized does (the kernel tells its processes: SIGWINCH). */
  async resize(rows: number, cols: number): Promise<void> {
    const stty = spawn('stty', ['-F', await this.device(), 'rows', String(rows), 'cols', String(cols)]);
    const [code] = (await once(stty, 'exit')) as [number | null];
    assert.equal(code, 0, 'stty resized the terminal');
  }

  type(keys: string): void {
    this.#child.stdin.write(keys);
  }

  /** Waits until what it shows from `from` on matches `pattern`. */
  async until(pattern: RegExp, from = 0, what = String(pattern)): Promise<number> {
    try {
      await waitFor(() => pattern.test(this.#shown.slice(from)) || undefined, { what, timeoutMs: 20_000 });
    } catch (err) {
      throw new Error(`${(err as Error).message}; it shows: ${JSON.stringify(this.#shown.slice(-300))}`);
    }
    return this.#shown.length;
  }

  close(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}

describe('poseidon exec -i and -t on the real engine', () => {
  const c = new TestCluster();
  let id = '';
  const terminals: OnTerminal[] = [];
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
    id = (await c.client.submit(c.task('shell', { command: ['sleep', '600'] }))).id;
    await c.allInState([id], 'Running');
  });
  after(async () => {
    for (const t of terminals) t.close();
    await c.close();
  });

  test('-i: what is piped in is the command stdin, its end ends the input, and its exit code is ours', async () => {
    const echoed = await c.cli(['exec', '-i', 'shell', 'cat'], undefined, 'hello\nworld\n');
    assert.deepEqual([echoed.code, echoed.stdout, echoed.stderr], [0, 'hello\nworld\n', '']);
    const read = await c.cli(
      ['exec', '-i', 'shell', 'sh', '-c', 'read x; echo "got $x" >&2; exit $x'],
      undefined,
      '7\n',
    );
    assert.deepEqual([read.code, read.stdout, read.stderr], [7, '', 'got 7\n']);
    const none = await c.cli(['exec', '-i', 'shell', 'wc', '-c'], undefined, '');
    assert.deepEqual([none.code, none.stdout.trim()], [0, '0'], 'an empty input is an end at once');
  });

  test('-i: 1 MiB of random bytes reaches the command whole and in order, over many calls', async () => {
    const blob = randomBytes(1024 * 1024);
    const hashed = await c.cli(['exec', '-i', 'shell', 'sha256sum'], undefined, blob);
    assert.equal(hashed.code, 0, hashed.stderr);
    assert.equal(hashed.stdout, `${createHash('sha256').update(blob).digest('hex')}  -\n`);
  });

  test('output comes byte for byte: random bytes through cat, and a tar stream of a directory, whole', async () => {
    const blob = randomBytes(256 * 1024);
    const echoed = await c.cli(['exec', '-i', 'shell', 'cat'], undefined, blob);
    assert.equal(echoed.code, 0, echoed.stderr);
    assert.ok(echoed.stdoutBytes.equals(blob), `${echoed.stdoutBytes.length} bytes back, not the ${blob.length} sent`);
    // docker cp's habit by exec: a tar of /etc, its bytes as the container's tar wrote them
    const inside = await c.cli(['exec', 'shell', 'sh', '-c', 'tar cf - /etc 2>/dev/null | sha256sum']);
    const tarred = await c.cli(['exec', 'shell', 'sh', '-c', 'tar cf - /etc 2>/dev/null']);
    assert.equal(tarred.code, 0, tarred.stderr);
    assert.equal(`${createHash('sha256').update(tarred.stdoutBytes).digest('hex')}  -\n`, inside.stdout);
  });

  test('-d: the command runs on in the background; exec returns once it started, says nothing, exits 0', async () => {
    // a command that never ends by itself: an exec that waited for it would not return
    const started = await c.cli(['exec', '-d', 'shell', 'sh', '-c', 'echo up > /tmp/detached; exec sleep 3600']);
    assert.deepEqual([started.code, started.stdout, started.stderr], [0, '', '']);
    const wrote = await waitFor(
      async () => {
        const read = await c.cli(['exec', 'shell', 'cat', '/tmp/detached']);
        return read.code === 0 ? read.stdout : undefined;
      },
      { what: 'the file the detached command writes' },
    );
    assert.equal(wrote, 'up\n');
    const ps = await c.cli(['exec', 'shell', 'ps', '-o', 'args']);
    assert.match(ps.stdout, /^sleep 3600$/m, 'it runs on after exec -d returned');
    const logged = await waitFor(
      () => c.manager.output.find((l) => l.includes('"exec in a task container"') && l.includes('"detach"')),
      { what: 'the exec with -d in the manager log' },
    );
    assert.equal((JSON.parse(logged) as { detach?: boolean }).detach, true, 'the manager logs that it ran detached');
    const privileged = await c.cli(['exec', '--privileged', 'shell', 'id']);
    assert.equal(privileged.code, 1);
    assert.match(privileged.stderr, /^poseidon: --privileged is refused: .*--allow-cap.*\n$/);
  });

  test('-u, -w and -e: who the command runs as, where, and with which variables (NAME alone from here)', async () => {
    const as = await c.cli(['exec', '-u', '1000:1000', 'shell', 'id']);
    assert.deepEqual([as.code, as.stdout], [0, 'uid=1000 gid=1000 groups=1000\n']);
    const logged = await waitFor(
      () => c.manager.output.find((l) => l.includes('"exec in a task container"') && l.includes('"user"')),
      { what: 'the exec with -u in the manager log' },
    );
    assert.equal((JSON.parse(logged) as { user?: string }).user, '1000:1000', 'the manager logs who it ran as');
    assert.equal((await c.cli(['exec', '-w', '/tmp', 'shell', 'pwd'])).stdout, '/tmp\n');
    const vars = await runPoseidon(['exec', '-e', 'A=one', '-e', 'B', 'shell', 'sh', '-c', 'echo "$A $B"'], {
      ...c.cliEnv(),
      B: 'two',
    });
    assert.deepEqual([vars.code, vars.stdout], [0, 'one two\n']);
    const badUser = await c.cli(['exec', '-u', 'a b', 'shell', 'id']);
    assert.equal(badUser.code, 1);
    assert.match(badUser.stderr, /^poseidon: body\.user must match pattern/);
    const relative = await c.cli(['exec', '-w', 'tmp', 'shell', 'pwd']);
    assert.deepEqual(
      [relative.code, relative.stderr],
      [1, 'poseidon: --workdir is "tmp"; give an absolute path in the container\n'],
    );
  });

  test('-t: the command has a terminal; -it with stdin that is no terminal is refused before anything runs', async () => {
    const tty = await c.cli(['exec', '-t', 'shell', 'tty']);
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stdout, /^\/dev\/pts\/[0-9]+\r\n$/, 'a terminal writes \\r\\n');
    const refused = await c.cli(['exec', '-it', 'shell', 'sh'], undefined, 'exit 3\n');
    assert.deepEqual(
      [refused.code, refused.stdout, refused.stderr],
      [1, '', 'poseidon: -t needs a terminal, and stdin is not one: leave out -t to pipe input (exec -i)\n'],
    );
  });

  test('-it at a terminal: its size and a resize, typed lines, Ctrl-C for the command (not for us), then its exit code', async () => {
    const t = new OnTerminal(['exec', '-it', 'shell', 'sh'], c.cliEnv(), { rows: 40, cols: 100 });
    terminals.push(t);
    let at = await t.until(/# /, 0, 'the shell prompt');
    t.type('stty size\r');
    at = await t.until(/40 100\r+\n.*# /s, at, "the terminal's size in the container");
    await t.resize(50, 120);
    // the new size reaches the container's terminal shortly after the resize: ask until it shows
    await waitFor(
      async () => {
        const from = t.shown.length;
        t.type('stty size\r');
        await t.until(/[0-9]+ [0-9]+\r+\n.*# /s, from, 'a size');
        return /50 120\r+\n/.test(t.shown.slice(from)) || undefined;
      },
      { what: 'the resized terminal in the container', timeoutMs: 20_000 },
    );
    at = t.shown.length;
    t.type('sleep 300\r');
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.type('\x03'); // Ctrl-C: the container's sleep is interrupted, the CLI goes on
    at = await t.until(/# /, at, 'the prompt after Ctrl-C');
    t.type('echo "still $((6*7))"\r');
    at = await t.until(/still 42\r+\n/, at, 'the shell still there');
    t.type('exit 4\r');
    await t.until(/\[exit 4\]/, at, "the CLI's exit code");
    await t.exited;
    const logged = await waitFor(
      () =>
        c.manager.output.find((l) => l.includes('"exec in a task container"') && l.includes('"stdin":true,"tty":true')),
      { what: 'the manager logs an exec with stdin and a terminal' },
    );
    const line = JSON.parse(logged) as Record<string, unknown>;
    assert.deepEqual([line.program, line.stdin, line.tty], ['sh', true, true]);
  });

  test("input for a session that ended, or for another task's session, is refused and goes nowhere", async () => {
    const other = (await c.client.submit(c.task('other', { command: ['sleep', '600'] }))).id;
    await c.allInState([other], 'Running');
    const lines = await c.client.exec(id, { command: ['cat'], stdin: true });
    const first = (await lines.next()).value as ExecLine;
    assert.ok('session' in first, JSON.stringify(first));
    const { session, taskId } = first;
    assert.equal(taskId, id);
    const elsewhere = await c.client.execInput(other, session, { data: 'aGkK' }).catch((e: unknown) => e);
    assert.ok(elsewhere instanceof RemoteError, String(elsewhere));
    assert.equal(elsewhere.code, 'exec_session_not_found');
    await c.client.execInput(id, session, { data: Buffer.from('only this\n').toString('base64'), eof: true });
    const rest: ExecLine[] = [];
    for await (const l of lines) rest.push(l);
    assert.deepEqual(rest, [{ stdout: 'only this\n' }, { exitCode: 0 }]);
    const late = await c.client.execInput(id, session, { data: 'aGkK' }).catch((e: unknown) => e);
    assert.ok(late instanceof RemoteError, String(late));
    assert.deepEqual([late.code, late.status], ['exec_session_not_found', 404]);
  });
});

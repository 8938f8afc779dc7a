import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ManagerClient } from '../../src/client/index.js';
import { RemoteError } from '../../src/errors/index.js';
import { runPoseidon } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';

// `poseidon cp` as a user types it, against a real manager and worker over mutual TLS and the
// real engine: files and directories out of a task and into one, by docker cp's rules, bytes whole;
// a tar stream both ways; and what is refused (a read token, a path that is not there, a directory
// onto a file, an upload past the bound), changing nothing.

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('poseidon cp on the real engine', () => {
  const c = new TestCluster();
  let here = '';
  const blob = randomBytes(1024 * 1024 + 17);
  before(async () => {
    here = await mkdtemp(join(tmpdir(), 'poseidon-cp-'));
    await c.startManager();
    await c.startWorker('a');
    const setup = 'mkdir -p /d/sub && echo hi > /d/a && echo x > /d/sub/b && ln -s a /d/link && sleep 600';
    const id = (await c.client.submit(c.task('files', { command: ['sh', '-c', setup] }))).id;
    await c.allInState([id], 'Running');
  });
  after(async () => {
    await c.close();
    await rm(here, { recursive: true, force: true });
  });

  /** `poseidon cp ARGS` run in `here`; it succeeds and says what it copied. */
  async function cp(...args: string[]): Promise<void> {
    const r = await c.cli(['cp', ...args], here);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^copied [0-9.]+ (B|KiB|MiB) to /);
  }
  async function inTask(script: string): Promise<string> {
    const r = await c.cli(['exec', 'files', 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  }
  const tree = async (dir: string): Promise<string[]> => (await readdir(join(here, dir), { recursive: true })).sort();

  test('out: a file as a new name, a directory into one that is here, its contents (/.) as a new one', async () => {
    await cp('files:/d/a', 'a.txt');
    assert.equal(await readFile(join(here, 'a.txt'), 'utf8'), 'hi\n');
    await mkdir(join(here, 'into'));
    await cp('files:/d', 'into');
    assert.deepEqual(await tree('into'), ['d', 'd/a', 'd/link', 'd/sub', 'd/sub/b']);
    assert.equal(await readlink(join(here, 'into', 'd', 'link')), 'a', 'a symlink comes as a link');
    await cp('files:d/.', 'contents');
    assert.deepEqual(await tree('contents'), ['a', 'link', 'sub', 'sub/b']);
    await cp('-L', 'files:/d/link', 'followed');
    assert.equal(await readFile(join(here, 'followed'), 'utf8'), 'hi\n', '-L copies what the link points to');
    assert.deepEqual(
      (await readdir(here)).filter((n) => n.startsWith('.poseidon-cp-')),
      [],
      'no scratch directory is left',
    );
  });

  test('out: a symlink keeps its target as it is, absolute or leading out, as docker cp does', async () => {
    await inTask(
      'mkdir -p /e/sub && ln -s /d/a /e/abs && ln -s ../../etc/hostname /e/sub/up && ln -s /no/such /e/gone',
    );
    await cp('files:/e', 'e-out');
    const targets: Array<[string, string]> = [
      ['abs', '/d/a'],
      ['sub/up', '../../etc/hostname'],
      ['gone', '/no/such'],
    ];
    for (const [name, to] of targets) assert.equal(await readlink(join(here, 'e-out', name)), to, name);
    await cp('files:/e/abs', 'abs-link');
    assert.equal(await readlink(join(here, 'abs-link')), '/d/a', 'a symlink copied alone, as a link');
    await cp('-L', 'files:/e/abs', 'abs-followed');
    assert.equal(await readFile(join(here, 'abs-followed'), 'utf8'), 'hi\n', '-L: what it points to, in the task');
  });

  test('in: a file as a new name, 1 MiB whole; a directory into one; its contents as a new one', async () => {
    await writeFile(join(here, 'blob'), blob);
    await mkdir(join(here, 'up', 'sub'), { recursive: true });
    await writeFile(join(here, 'up', 'f'), 'one\n');
    await writeFile(join(here, 'up', 'sub', 'g'), 'two\n');
    await symlink('f', join(here, 'up', 'lnk'));
    await cp('blob', 'files:/tmp/blob.bin');
    assert.equal(await inTask('sha256sum /tmp/blob.bin'), `${sha(blob)}  /tmp/blob.bin\n`);
    await cp('up', 'files:/tmp');
    await cp('up/.', 'files:/srv');
    assert.equal(
      await inTask('cd /tmp/up && find . | sort && readlink lnk && cat sub/g && cd /srv && find . | sort'),
      '.\n./f\n./lnk\n./sub\n./sub/g\nf\ntwo\n.\n./f\n./lnk\n./sub\n./sub/g\n',
    );
    await cp('up/f', 'files:/d/a');
    assert.equal(await inTask('cat /d/a'), 'one\n', 'a file in the task replaced');
    const logged = c.manager.output.filter((l) => l.includes('"copy into a task container"'));
    assert.ok(
      logged.some((l) => l.includes('"path":"/tmp"') && l.includes('"tokenId"')),
      `the manager logs who copied what where: ${logged.join('\n')}`,
    );
  });

  test('-a keeps owners both ways; without it they are root in the task and the copier here', async () => {
    await writeFile(join(here, 'owned'), 'mine\n');
    await chown(join(here, 'owned'), 1234, 2345);
    await cp('-a', 'owned', 'files:/tmp/kept');
    await cp('owned', 'files:/tmp/rooted');
    assert.equal(await inTask("stat -c '%u:%g' /tmp/kept /tmp/rooted"), '1234:2345\n0:0\n');
    await inTask('echo theirs > /tmp/theirs && chown 4321:5432 /tmp/theirs');
    await cp('-a', 'files:/tmp/theirs', 'theirs-kept');
    await cp('files:/tmp/theirs', 'theirs-mine');
    const owner = async (name: string): Promise<string> => {
      const st = await stat(join(here, name));
      return `${st.uid}:${st.gid}`;
    };
    assert.deepEqual(
      [await owner('theirs-kept'), await owner('theirs-mine')],
      ['4321:5432', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`],
    );
  });

  test('a tar stream: out to stdout whole, in from stdin', async () => {
    const out = await c.cli(['cp', 'files:/tmp/blob.bin', '-']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, '', 'nothing said beside a stream');
    // one entry: a 512-byte header, then the file's bytes
    assert.equal(out.stdoutBytes.subarray(0, 8).toString('latin1').replace(/\0.*$/s, ''), 'blob.bin');
    assert.ok(out.stdoutBytes.subarray(512, 512 + blob.length).equals(blob), 'the bytes come whole');
    const put = await c.cli(['cp', '-', 'files:/srv/sub'], undefined, out.stdoutBytes);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(await inTask('sha256sum /srv/sub/blob.bin'), `${sha(blob)}  /srv/sub/blob.bin\n`);
  });

  test('out of a task that failed, whose container the engine keeps; a stopped task took its container along', async () => {
    const crashed = (
      await c.client.submit(
        c.task('crashed', { command: ['sh', '-c', 'echo boom > /why; exit 1'], restartPolicy: { mode: 'never' } }),
      )
    ).id;
    await c.allInState([crashed], 'Failed');
    await cp('crashed:/why', 'why.txt');
    assert.equal(await readFile(join(here, 'why.txt'), 'utf8'), 'boom\n');
    const stopped = (await c.client.submit(c.task('stopped'))).id;
    await c.allInState([stopped], 'Running');
    await c.client.stopTask(stopped);
    const [ended] = await c.allInState([stopped], 'Completed');
    const gone = await c.cli(['cp', 'stopped:/etc/hostname', 'h.txt'], here);
    const container = (ended?.containerId ?? '').slice(0, 12);
    assert.deepEqual(
      [gone.code, gone.stderr],
      [1, `poseidon: container ${container} has been removed; its files went with it\n`],
    );
  });

  test('refused, naming what to fix, and nothing changes', async () => {
    const cases: Array<[string[], string]> = [
      [['files:/nope', 'x'], 'poseidon: files:/nope is not there: no such file or directory\n'],
      [['up', 'files:/d/a'], 'poseidon: /d/a is a file in the task; a directory cannot be copied onto a file\n'],
      [['up/f', 'files:/no/such/dir'], 'poseidon: files:/no/such is not there: make the directory first\n'],
      [['files:/d', 'a.txt'], 'poseidon: a.txt is a file here; a directory cannot be copied onto a file\n'],
      [['up/f', 'ghost:/tmp'], 'poseidon: no task matches "ghost"; poseidon status lists the tasks\n'],
      [['a', 'b'], 'poseidon: SRC and DEST are both local: one of them must be a task path (TASK:PATH)\n'],
      // a local path the system refuses: in words, naming it, not Node's code and stack
      [['files:/d/a', 'a.txt/x'], 'poseidon: a.txt/x: a part of its path is a file, not a directory; check the path\n'],
      [['a.txt/x', 'files:/tmp'], 'poseidon: a.txt/x: a part of its path is a file, not a directory; check the path\n'],
    ];
    for (const [args, said] of cases) {
      const r = await c.cli(['cp', ...args], here);
      assert.deepEqual([r.code, r.stderr], [1, said], args.join(' '));
    }
    assert.equal(await readFile(join(here, 'a.txt'), 'utf8'), 'hi\n');
    // the API takes an absolute path of at most 4096 bytes, naming the field otherwise
    for (const path of ['etc', `/${'x'.repeat(4096)}`]) {
      const bad = await c.client.statPath('files', path).catch((e: unknown) => e);
      assert.ok(bad instanceof RemoteError && bad.status === 400, String(bad));
      assert.match(bad.message, /^querystring\.path must /);
    }
    assert.equal(await inTask('cat /d/a; ls /no 2>&1 || true'), 'one\nls: /no: No such file or directory\n');
  });

  test('a read token may neither copy out nor in (deploy); an upload declared past 1 GiB is 413', async () => {
    const { token } = await c.client.createToken({ scope: 'read', name: 'reader' });
    const read = await runPoseidon(['cp', 'files:/d/a', 'r.txt'], { ...c.cliEnv(), POSEIDON_TOKEN: token }, here);
    assert.equal(read.code, 1);
    assert.match(read.stderr, /may not call GET \/tasks\/files\/archive\/stat: it needs a token with scope deploy/);
    const reader = new ManagerClient(c.access.url, undefined, { token, tls: { ca: c.access.caPem } });
    const put = await reader.putArchive('files', '/tmp', Readable.from([Buffer.alloc(1024)])).catch((e: unknown) => e);
    assert.ok(put instanceof RemoteError && put.code === 'forbidden', String(put));
    // the bound is checked on the declared length, before a byte of the body is read
    assert.deepEqual(
      await putByHand({ 'content-type': 'application/x-tar', 'content-length': String(2 * 1024 ** 3) }),
      [413, 'body_too_large'],
    );
    // a body that is no tar archive (JSON, text, nothing) is refused by its media type
    for (const type of ['application/json', 'text/plain', undefined])
      assert.deepEqual(await putByHand(type === undefined ? {} : { 'content-type': type }, '{}'), [
        415,
        'unsupported_media_type',
      ]);
  });

  /** A PUT of an archive to the manager as admin, by hand: its status and error code. */
  function putByHand(headers: Record<string, string>, body?: string): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      const url = new URL('/tasks/files/archive?path=%2Ftmp', c.access.url);
      const req = request(url, {
        method: 'PUT',
        ca: c.access.caPem,
        headers: { authorization: `Bearer ${c.token}`, ...headers },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => {
          resolve([res.statusCode ?? 0, (JSON.parse(text) as { error: { code: string } }).error.code]);
          req.destroy();
        });
      });
      req.on('error', reject);
      if (body === undefined) req.write(Buffer.alloc(512));
      else req.end(body);
    });
  }
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CreatedTokenView, TokenView } from '../../src/api/index.js';
import { TestCluster } from '../integration/helpers/cluster.js';
import { runPoseidon, spawnPoseidon, type PoseidonProcess } from '../../testkit/spawner.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { waitFor } from '../integration/helpers/wait-for.js';

// API tokens against a real manager process (issue 12, items 4 and 6): every refusal class a token
// can meet, shown refused over real HTTP and through the real CLI, with nothing changed behind it.

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

describe('API tokens on a real manager', () => {
  const c = new TestCluster();
  /** Every token this run created: none may ever appear in the manager's log. */
  const secrets: string[] = [];
  /** The output of managers this run restarted. */
  const earlierLogs: string[] = [];

  async function restartManager(): Promise<void> {
    earlierLogs.push(...c.manager.output);
    await c.restartManager(); // SIGKILL: nothing is flushed on the way out
  }

  /** The same token with its last character changed. */
  function tampered(t: string): string {
    return `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`;
  }

  async function api(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // over TLS that trusts the cluster's CA (the manager serves HTTPS only), no client certificate
    const res = await tlsFetch(`${c.manager.url}${path}`, {
      method,
      headers,
      tls: { ca: c.access.caPem },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // metrics, logs: text
    }
    const answered = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') answered.set(k, v);
    return { status: res.status, body: parsed, headers: answered };
  }

  function code(a: Answer): string | undefined {
    return (a.body as { error?: { code?: string } } | null)?.error?.code;
  }

  async function token(scope: 'read' | 'deploy' | 'admin', extra: string[] = []): Promise<CreatedTokenView> {
    const r = await c.cli(['token', 'create', '--scope', scope, '--json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as CreatedTokenView;
    secrets.push(created.token);
    return created;
  }

  async function taskCount(): Promise<number> {
    return (await c.client.listTasks()).length;
  }

  /**
   * The manager's log lines that refused a request and `match`, once at least one has arrived
   * (the answer can come back before the line is read from the manager's stdout).
   */
  async function refusals(match: (l: Record<string, unknown>) => boolean): Promise<Array<Record<string, unknown>>> {
    return waitFor(
      () => {
        const lines = refusalLines().filter(match);
        return lines.length > 0 ? lines : undefined;
      },
      { what: 'the refusal in the manager log' },
    );
  }

  function refusalLines(): Array<Record<string, unknown>> {
    return c.manager.output
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === 'request refused');
  }

  before(async () => {
    await c.startManager(['--log-level', 'debug']);
    secrets.push(c.token);
  });
  after(async () => {
    const log = [...earlierLogs, ...c.manager.output].join('\n');
    await c.close();
    for (const s of secrets) assert.ok(!log.includes(s.slice(18)), 'a token secret reached the manager log');
  });

  test('the first start wrote an admin token readable by its owner only', () => {
    const path = join(c.dir, 'manager', 'admin-token');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^psdn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
  });

  test('no credentials, or ones this manager never issued: 401 on every route but /healthz, and nothing changes', async () => {
    const forged = `psdn_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    const wrongSecret = tampered(c.token);
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/tasks'],
      ['POST', '/tasks', c.task('intruder')],
      ['DELETE', '/tasks/abc'],
      ['GET', '/tasks/abc/logs'],
      ['POST', '/tasks/abc/exec', { command: ['id'] }],
      ['POST', '/tasks/abc/exec/00000000-0000-4000-8000-000000000000/input', { data: 'aWQK' }],
      ['GET', '/tasks/abc/archive/stat?path=%2Fetc'],
      ['GET', '/tasks/abc/archive?path=%2Fetc'],
      ['PUT', '/tasks/abc/archive?path=%2Ftmp'],
      ['GET', '/tasks/abc/top'],
      ['GET', '/stats'],
      ['GET', '/secrets'],
      ['POST', '/secrets', { name: 'intruder', data: 'eA==' }],
      ['GET', '/secrets/intruder'],
      ['DELETE', '/configs/intruder'],
      ['GET', '/nodes'],
      ['GET', '/events'],
      ['GET', '/metrics'],
      ['GET', '/tokens'],
      ['POST', '/tokens', { scope: 'admin' }],
      ['DELETE', '/tokens/0123456789ab'],
      ['GET', '/whoami'],
    ];
    for (const credentials of [undefined, forged, wrongSecret, 'not-a-token']) {
      for (const [method, path, body] of routes) {
        const a = await api(method, path, credentials, body);
        assert.equal(a.status, 401, `${method} ${path} with ${credentials === undefined ? 'nothing' : 'a bad token'}`);
        assert.equal(code(a), 'unauthenticated');
      }
    }
    assert.deepEqual((await api('GET', '/healthz')).body, { status: 'ok' });
    assert.equal(await taskCount(), 0);
    assert.equal((await api('GET', '/tokens', c.token)).status, 200);
    assert.equal(((await api('GET', '/tokens', c.token)).body as TokenView[]).length, 1, 'no token was created');
    assert.deepEqual((await api('GET', '/secrets', c.token)).body, [], 'no secret was created');
  });

  test('a read token reads everything but a deploy is 403, logged once with its id, and nothing is submitted', async () => {
    const read = await token('read', ['--name', 'dashboard']);
    for (const path of ['/tasks', '/nodes', '/metrics', '/whoami', '/secrets', '/configs'])
      assert.equal((await api('GET', path, read.token)).status, 200, path);
    const before = await taskCount();
    const refused = await api('POST', '/tasks', read.token, c.task('not-allowed'));
    assert.equal(refused.status, 403);
    assert.equal(code(refused), 'forbidden');
    assert.match(
      String((refused.body as { error: { message: string } }).error.message),
      /needs a token with scope deploy/,
    );
    assert.equal(await taskCount(), before);
    for (const [method, path] of [
      ['DELETE', '/tasks/abc'],
      ['POST', '/tasks/abc/exec'],
      ['POST', '/tasks/abc/exec/00000000-0000-4000-8000-000000000000/input'],
      // a container's files may be secrets, and what is copied in changes what it runs
      ['GET', '/tasks/abc/archive/stat?path=%2Fetc'],
      ['GET', '/tasks/abc/archive?path=%2Fetc'],
      ['PUT', '/tasks/abc/archive?path=%2Ftmp'],
      // a secret is made and removed by whoever deploys what mounts it
      ['POST', '/secrets'],
      ['DELETE', '/secrets/abc'],
      ['POST', '/configs'],
      ['GET', '/tokens'],
      ['DELETE', `/tokens/${read.id}`],
    ] as const) {
      assert.equal((await api(method, path, read.token)).status, 403, `${method} ${path}`);
    }
    const logged = await refusals((l) => l.route === 'POST /tasks' && l.tokenId === read.id);
    assert.equal(logged.length, 1, JSON.stringify(logged));
    assert.equal(logged[0]?.level, 30);
    assert.equal(logged[0]?.code, 'forbidden');
  });

  test('a deploy token submits and stops, and cannot manage tokens', async () => {
    const deploy = await token('deploy');
    const submitted = await api('POST', '/tasks', deploy.token, c.task('deployed'));
    assert.equal(submitted.status, 201);
    const id = (submitted.body as { id: string }).id;
    assert.equal((await api('DELETE', `/tasks/${id}`, deploy.token)).status, 200);
    assert.equal((await api('POST', '/tokens', deploy.token, { scope: 'admin' })).status, 403);
    // a node's labels steer placements: the operator's (admin) alone
    const labels = await api('POST', '/nodes/abc/labels', deploy.token, { add: { zone: 'x' } });
    assert.equal(labels.status, 403);
  });

  test('a revoked token is refused with 401 at once, and still after the manager restarts', async () => {
    const doomed = await token('read', ['--name', 'doomed']);
    assert.equal((await api('GET', '/tasks', doomed.token)).status, 200);
    const r = await c.cli(['token', 'revoke', doomed.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `token ${doomed.id} revoked\n`);
    const refused = await api('GET', '/tasks', doomed.token);
    assert.equal(refused.status, 401);
    assert.equal((refused.body as { error: { message: string } }).error.message, `token ${doomed.id} was revoked`);
    const logged = await refusals((l) => l.tokenId === doomed.id && l.code === 'unauthenticated');
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.route, 'GET /tasks');

    await restartManager();
    assert.equal((await api('GET', '/tasks', doomed.token)).status, 401);
    assert.equal((await api('GET', '/tasks', c.token)).status, 200);
  });

  test('on one keep-alive connection, a token is refused from the request after its revocation', async () => {
    // the manager checks a connection's repeated header without hashing it again (a cost on every
    // request): revocation, a changed secret and another token must still be seen on that connection
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const doomed = await token('read', ['--name', 'doomed-keepalive']);
      const on = (t: string) => tlsFetch(`${c.manager.url}/tasks`, { tls: { ca: c.access.caPem }, token: t, agent });
      assert.equal((await on(doomed.token)).status, 200);
      const again = await on(doomed.token);
      assert.equal(again.status, 200);
      assert.equal(again.reusedSocket, true, 'the second request went over the connection of the first');
      assert.equal((await on(tampered(doomed.token))).status, 401);
      assert.equal((await on(c.token)).status, 200);
      assert.equal((await on(doomed.token)).status, 200);
      const r = await c.cli(['token', 'revoke', doomed.id]);
      assert.equal(r.code, 0, r.stderr);
      const refused = await on(doomed.token);
      assert.equal(refused.reusedSocket, true);
      assert.equal(refused.status, 401);
      assert.equal((refused.json() as { error: { message: string } }).error.message, `token ${doomed.id} was revoked`);
    } finally {
      agent.destroy();
    }
  });

  test('a token is durable before its 201: a manager killed right after still knows it', async () => {
    const created = await api('POST', '/tokens', c.token, { scope: 'read', name: 'durable' });
    assert.equal(created.status, 201);
    const { token: t } = created.body as CreatedTokenView;
    secrets.push(t);
    await restartManager();
    assert.equal((await api('GET', '/tasks', t)).status, 200);
  });

  test('an expired token is refused with 401', async () => {
    const short = await token('read', ['--ttl', '1s']);
    assert.notEqual(short.expiresAt, null);
    const refused = await waitFor(
      async () => {
        const a = await api('GET', '/tasks', short.token);
        return a.status === 401 ? a : undefined;
      },
      { what: 'the 1s token to expire' },
    );
    assert.match((refused.body as { error: { message: string } }).error.message, /expired at/);
    const listed = (await api('GET', '/tokens', c.token)).body as TokenView[];
    assert.equal(listed.find((x) => x.id === short.id)?.state, 'expired');
  });

  test('token create prints the token alone; token ls shows each token but never a secret', async () => {
    const r = await c.cli(['token', 'create', '--scope', 'deploy', '--name', 'ci-deploy', '--ttl', '30d']);
    assert.equal(r.code, 0, r.stderr);
    const printed = r.stdout.trim();
    secrets.push(printed);
    assert.match(r.stdout, /^psdn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    assert.match(r.stderr, /scope deploy, expires \d{4}-\d\d-\d\d \d\d:\d\dZ\) created; it is not shown again/);
    const id = printed.slice(5, 17);
    const ls = await c.cli(['token', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    const [header, ...rows] = ls.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^ID +NAME +SCOPE +STATE +CREATED +EXPIRES +LAST USED$/);
    const row = rows.find((l) => l.startsWith(id));
    assert.match(row ?? '', new RegExp(`^${id} +ci-deploy +deploy +active +\\S+ \\S+ +\\S+ \\S+ +never$`));
    const json = await c.cli(['token', 'ls', '--json']);
    for (const s of secrets) {
      assert.ok(!ls.stdout.includes(s.slice(18)) && !json.stdout.includes(s.slice(18)), 'a secret was listed');
    }
    assert.ok(!json.stdout.includes('secretSha256'));
  });

  test('the CLI says what to do when refused', async () => {
    const none = await runPoseidon(['status'], { ...c.cliEnv(), POSEIDON_TOKEN: '' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^poseidon: 401: .*: run `poseidon login URL --token TOKEN`, or pass --token\n$/);
    const read = await token('read');
    const file = join(c.dir, 'task.json');
    writeFileSync(file, JSON.stringify(c.task('cli-refused')));
    const refused = await c.cli(['run', file, '--token', read.token]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^poseidon: 403: token [0-9a-f]{12} \(scope read\) may not call POST \/tasks/);
  });

  test('poseidon login checks the token, saves it 0600, and later commands need no flags', async () => {
    const home = join(c.dir, 'login-home');
    const bare = { XDG_CONFIG_HOME: home, POSEIDON_MANAGER: '', POSEIDON_TOKEN: '', POSEIDON_CA: '' };
    const config = join(home, 'poseidon', 'config.json');

    const ca = ['--ca', c.access.caFile]; // the manager serves HTTPS with the cluster's CA
    const bad = await runPoseidon(['login', c.manager.url, '--token', tampered(c.token), ...ca], bare);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /refused the token/);
    assert.equal(existsSync(config), false, 'a refused login saves nothing');

    const deploy = await token('deploy', ['--name', 'laptop']);
    const ok = await runPoseidon(['login', c.manager.url, '--token', deploy.token, ...ca], bare);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      new RegExp(`^logged in to ${c.manager.url} with token ${deploy.id} \\(laptop\\), scope deploy`),
    );
    assert.equal(statSync(config).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), {
      manager: c.manager.url,
      token: deploy.token,
      ca: c.access.caFile,
    });

    const status = await runPoseidon(['status', '--json'], bare);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(Array.isArray(JSON.parse(status.stdout)));

    // flags win over the environment, the environment over the file
    const read = await token('read');
    const file = join(c.dir, 'login-task.json');
    writeFileSync(file, JSON.stringify(c.task('login-task')));
    assert.equal((await runPoseidon(['task', '-f', file, '--json'], { ...bare, POSEIDON_TOKEN: read.token })).code, 1);
    const byFlag = await runPoseidon(['task', '-f', file, '--json', '--token', deploy.token], {
      ...bare,
      POSEIDON_TOKEN: read.token,
    });
    assert.equal(byFlag.code, 0, byFlag.stderr);
  });

  test('the saved token is never sent to a manager other than the one it was saved for', async () => {
    const home = join(c.dir, 'other-home');
    const bare = { XDG_CONFIG_HOME: home, POSEIDON_MANAGER: '', POSEIDON_TOKEN: '', POSEIDON_CA: '' };
    const login = ['login', c.manager.url, '--token', c.token, '--ca', c.access.caFile];
    assert.equal((await runPoseidon(login, bare)).code, 0);
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    other.listen(0, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const r = await runPoseidon(['status', '--json', '--manager', url], bare);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.authorization, undefined);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  test('with --metrics-open, /metrics answers without a token and everything else still needs one', async () => {
    let started: PoseidonProcess | undefined;
    try {
      const open = await spawnPoseidon(
        ['manager', '--port', '0', '--data-dir', join(c.dir, 'metrics-open'), '--metrics-open'],
        { onSpawn: (p) => (started = p) },
      );
      const tls = { ca: readFileSync(join(c.dir, 'metrics-open', 'ca.crt'), 'utf8') };
      const metrics = await tlsFetch(`${open.url}/metrics`, { tls });
      assert.equal(metrics.status, 200);
      assert.match(metrics.text(), /poseidon_/);
      assert.equal((await tlsFetch(`${open.url}/tasks`, { tls })).status, 401);
    } finally {
      await started?.kill();
    }
  });
});

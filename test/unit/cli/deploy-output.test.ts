import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { deploy } from '../../../src/cli/deploy-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

// What `stack deploy` prints, against a stand-in manager that holds no service yet: the plan's
// table and its count on stdout, the Compose file's warnings on stderr; --json the result alone.

async function setUp(t: TestContext): Promise<{ url: string; file: string; created: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'poseidon-deploy-output-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'compose.yaml');
  // container_name: docker stack deploy ignores it too, with a warning
  await writeFile(file, 'services:\n  web:\n    image: poseidon/busybox:latest\n    container_name: web-1\n');
  const created: string[] = [];
  const { url } = await serve(t, (req, res) => {
    const key = `${req.method} ${req.url}`;
    if (key === 'POST /services') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        created.push((JSON.parse(body) as { name: string }).name);
        res.writeHead(201, { 'content-type': 'application/json' }).end(body);
      });
      return;
    }
    if (['GET /services', 'GET /secrets', 'GET /configs'].includes(key))
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    else res.writeHead(404).end();
  });
  return { url, file, created };
}

test('stack deploy prints what it did, and the warnings on stderr; --dry-run what it would do', async (t) => {
  const { url, file, created } = await setUp(t);
  const dry = await captured((io) => deploy({ manager: url, files: [file], name: 'shop', dryRun: true }, io));
  assert.deepEqual(
    dry.out.split('\n').map((l) => l.trimEnd()),
    [
      'ACTION  SERVICE   CHANGES',
      'create  shop-web',
      'dry run: nothing was changed (would be: 1 created, 0 updated, 0 removed, 0 unchanged)',
      '',
    ],
  );
  assert.match(dry.err, /^poseidon: warning: .*container_name/);
  assert.deepEqual(created, [], 'a dry run creates nothing');

  const done = await captured((io) => deploy({ manager: url, files: [file], name: 'shop' }, io));
  assert.match(done.out, /\nstack shop: 1 created, 0 updated, 0 removed, 0 unchanged\n$/);
  assert.deepEqual(created, ['shop-web']);
});

test('stack deploy --json prints the result alone, as JSON, and no warning line', async (t) => {
  const { url, file } = await setUp(t);
  const json = await captured((io) =>
    deploy({ manager: url, files: [file], name: 'shop', dryRun: true, json: true }, io),
  );
  const result = JSON.parse(json.out) as { stack: string; created: string[]; dryRun: boolean; warnings: string[] };
  assert.equal(result.stack, 'shop');
  assert.deepEqual(result.created, ['shop-web']);
  assert.equal(result.dryRun, true);
  assert.match(result.warnings.join('\n'), /container_name/);
  assert.equal(json.err, '');
});

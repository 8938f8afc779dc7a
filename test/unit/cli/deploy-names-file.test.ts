import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `poseidon deploy -c compose.yaml shop` with a field Poseidon refuses: the line named the field
// (services.web.ports[0]) but not the file, so a user deploying several stacks' files did not know
// which to open. The file is read and converted before the manager is asked anything, so the CLI
// runs as compiled, in its own process, with a manager address nothing answers.

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('a refused field of one Compose file is said with the file it is in', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-names-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'compose.yaml');
  await writeFile(file, 'services:\n  web: {image: x, ports: ["7197-7199:99-100"]}\n');
  const env = { PATH: process.env['PATH'], HOME: dir, POSEIDON_MANAGER: 'https://127.0.0.1:1' };
  const { code, stderr } = await run(['deploy', '-c', file, 'shop', '--dry-run'], env);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^poseidon: services\.web\.ports\[0\] maps host ports 7197-7199 .*, in \S*compose\.yaml$/m);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
});

test('a refused field of a file the Compose file includes is said with that file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-names-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'db'));
  await writeFile(join(dir, 'compose.yaml'), 'include: [db/compose.yaml]\nservices:\n  web: {image: x}\n');
  await writeFile(join(dir, 'db', 'compose.yaml'), 'services:\n  db: {image: x, deploy: {replicas: -3}}\n');
  const env = { PATH: process.env['PATH'], HOME: dir, POSEIDON_MANAGER: 'https://127.0.0.1:1' };
  const { code, stderr } = await run(['deploy', '-c', join(dir, 'compose.yaml'), 'shop', '--dry-run'], env);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^poseidon: services\.db\.deploy\.replicas .*, in \S*db\/compose\.yaml$/m);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { commandLine, shellWord } from '../../../src/task/command-line.js';

const run = promisify(execFile);

test('plain words stay as they are; anything a shell would split or expand is single-quoted', () => {
  assert.equal(commandLine(['sleep', '600']), 'sleep 600');
  assert.equal(commandLine(['sh', '-c', 'exit 3']), "sh -c 'exit 3'");
  assert.equal(
    commandLine(['httpd', '-f', '-p', '8080', '--root=/srv/www,a:b@c%d+e']),
    'httpd -f -p 8080 --root=/srv/www,a:b@c%d+e',
  );
  assert.equal(shellWord(''), "''");
  assert.equal(shellWord("it's"), `'it'"'"'s'`);
  assert.equal(shellWord('$HOME *'), "'$HOME *'");
});

test('a shell reads the line back into the same arguments', async () => {
  const args = ['sh', '-c', 'echo "$1" > /tmp/x; exit 3', '', "it's", 'a\nb', '$(id)', '*', '\\', '~'];
  const { stdout } = await run('sh', ['-c', `printf '%s\\0' ${commandLine(args)}`]);
  assert.deepEqual(stdout.split('\0').slice(0, -1), args);
});

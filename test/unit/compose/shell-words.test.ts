import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitShellWords } from '../../../src/compose/shell-words.js';

test('a command string is split into words as a shell would, without expanding anything', () => {
  const cases: [string, string[]][] = [
    ['httpd -f -p 8080', ['httpd', '-f', '-p', '8080']],
    ['  sleep\t300 \n', ['sleep', '300']],
    [`sh -c 'echo "hi there" && sleep 1'`, ['sh', '-c', 'echo "hi there" && sleep 1']],
    [`echo "a \\"quoted\\" word" \\$HOME`, ['echo', 'a "quoted" word', '$HOME']],
    [`echo $HOME "$PATH"`, ['echo', '$HOME', '$PATH']],
    [`a\\ b c`, ['a b', 'c']],
    [`x""y ''`, ['xy', '']],
    [`"a\\nb"`, ['a\\nb']],
    ['', []],
  ];
  for (const [text, words] of cases) assert.deepEqual(splitShellWords(text), words, text);
});

test('a quote left open is refused (null), not guessed', () => {
  assert.equal(splitShellWords(`echo 'open`), null);
  assert.equal(splitShellWords(`echo "open`), null);
});

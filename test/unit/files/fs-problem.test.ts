import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fsFault, fsProblem, isFsError } from '../../../src/files/index.js';

// Node's file system errors said in words with what to do, never as `(ENOENT)`: what every message
// about a file a person named (--ca, --config, task and Compose files, secrets, cp) is made of.

const errno = (code: string, message: string): Error => Object.assign(new Error(message), { code, path: '/x' });

test("each code a person meets, in words and what to do; Node's code is nowhere in them", () => {
  const cases: Array<[string, string]> = [
    ['ENOENT', 'no such file or directory; check the path'],
    ['EACCES', 'permission denied; run as a user who may use it, or change its permissions (chmod)'],
    ['EPERM', 'operation not permitted; run as a user who may use it, or change its owner (chown)'],
    ['EISDIR', 'it is a directory; give a file'],
    ['ENOTDIR', 'a part of its path is a file, not a directory; check the path'],
    ['ELOOP', 'its symbolic links go round in a loop; check the path'],
    ['ENAMETOOLONG', 'its path is too long; give a shorter one'],
    ['EMFILE', 'too many files are open; raise the limit (ulimit -n), or try again'],
    ['ENOSPC', 'no space is left on its disk; free some space'],
    ['EROFS', 'its file system is read-only; give a place that can be written'],
  ];
  for (const [code, words] of cases) {
    const err = errno(code, `${code}: whatever, open '/x'`);
    assert.equal(fsProblem(err), words, code);
    assert.equal(fsFault(err), words.slice(0, words.indexOf(';')), code);
    assert.doesNotMatch(fsProblem(err), /\bE[A-Z]{3,}\b/, code);
  }
});

test("a code it does not know says Node's words, without the code before them or the call and path after", () => {
  const err = errno('EXDEV', "EXDEV: cross-device link not permitted, rename '/a' -> '/b'");
  assert.equal(fsProblem(err), 'cross-device link not permitted');
  assert.equal(fsFault('just words'), 'just words');
});

test("a real read's error is one: its code and path; anything else is not", async () => {
  const err = await readFile('/nonexistent/poseidon/x.yaml').catch((e: unknown) => e);
  assert.ok(isFsError(err));
  assert.equal(err.path, '/nonexistent/poseidon/x.yaml');
  assert.equal(fsProblem(err), 'no such file or directory; check the path');
  assert.equal(isFsError(new Error('no code')), false);
  assert.equal(isFsError(Object.assign(new Error('no path'), { code: 'ECONNREFUSED' })), false);
  assert.equal(isFsError({ code: 'ENOENT', path: '/x' }), false, 'not an Error');
});

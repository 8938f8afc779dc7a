import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoseidonClient } from '../../../src/client/index.js';
import { InvalidField } from '../../../src/errors/index.js';

// PoseidonClient's `url` takes a manager's address as the CLI's --manager does (server-address.ts):
// a script given POSEIDON_MANAGER=10.0.0.5 reaches the manager the CLI reaches with it.

test("the client's url takes HOST, HOST:PORT, [IPv6]:PORT, a URL and a group's, as --manager does", () => {
  const cases: Array<[string, string]> = [
    ['10.0.0.5', 'https://10.0.0.5:5555'],
    ['manager.example:7000', 'https://manager.example:7000'],
    ['[fe80::1]:7000', 'https://[fe80::1]:7000'],
    ['https://10.0.0.5:7070/', 'https://10.0.0.5:7070'],
    ['http://127.0.0.1:5555', 'http://127.0.0.1:5555'],
  ];
  for (const [url, base] of cases) assert.equal(new PoseidonClient({ url }).baseUrl, base, url);
  const group = new PoseidonClient({ url: '10.0.0.5, 10.0.0.6:6000' });
  assert.equal(group.baseUrl, 'https://10.0.0.5:5555', 'the first of the group, as the CLI tries them');
});

test('a bad address is an InvalidField naming url and what to type; so is none (an unset variable)', () => {
  const forms = 'use HOST, HOST:PORT, [IPv6]:PORT or a URL such as https://10.0.0.5:5555 (HOST alone: port 5555)';
  const cases: Array<[string, string]> = [
    ['10.0.0.5:http', `url is "10.0.0.5:http"; ${forms}`],
    ['fe80::1', 'url is "fe80::1"; put an IPv6 address in brackets: [fe80::1]:5555'],
    ['ftp://10.0.0.5', 'url is "ftp://10.0.0.5"; use an https:// URL, or HOST:PORT'],
    ['10.0.0.5,', 'url is "10.0.0.5,"; use ADDRESS[,ADDRESS...] with no empty entry'],
  ];
  for (const [url, message] of cases)
    assert.throws(
      () => new PoseidonClient({ url }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidField);
        assert.equal(err.message, message);
        return true;
      },
    );
  const unset = process.env.POSEIDON_TEST_NO_SUCH_VARIABLE as string;
  assert.throws(() => new PoseidonClient({ url: unset }), {
    message: "url is undefined; give the manager's address, such as https://10.0.0.5:5555",
  });
});

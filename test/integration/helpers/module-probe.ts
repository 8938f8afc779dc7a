// Preloaded with `node --import` into a process under test: writes every module the process
// loads, one file URL a line, to the file named by POSEIDON_MODULE_PROBE. ES modules are seen
// by a resolve hook on the loader thread (module-probe-hooks.ts); CommonJS modules, which
// packages require from each other without the ESM loader, are read from require.cache at exit.
// File appends, because the hook runs on its own thread and a message might not arrive before
// the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.POSEIDON_MODULE_PROBE;
if (file === undefined) throw new Error('POSEIDON_MODULE_PROBE must name the file the module probe writes');
register('./module-probe-hooks.js', import.meta.url, { data: { file } });

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const cjs = Object.keys(require.cache).map((path) => `${pathToFileURL(path).href}\n`);
  appendFileSync(file, cjs.join(''));
});

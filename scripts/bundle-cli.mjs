// Bundles the CLI (dist/src/cli/main.js, as tsc wrote it) into dist/cli/, which bin/poseidon.js
// loads. Each ES module costs Node's loader a resolve, a read and a compile, and `poseidon status`
// loaded 38 of Poseidon's and commander's 9: bundled, it loads a dozen files. Each command's action
// stays a chunk of its own that loads when the command runs (code splitting follows the dynamic
// imports), so `manager`, `worker` and `dev` still alone load fastify, the store and dockerode.
// Packages stay where npm put them, except commander, which every command loads.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => name !== 'commander')
  .flatMap((name) => [name, `${name}/*`]);

/**
 * commander requires node:child_process as it loads (about 9 ms of every command's start-up on a
 * busy 2-core machine), only to spawn a stand-alone executable subcommand, which Poseidon has
 * none of: it gets a stand-in that loads the real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child-process', namespace: 'lazy-child-process' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

const { metafile } = await build({
  entryPoints: { main: 'dist/src/cli/main.js' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [lazyChildProcess],
  // commander is CommonJS: its require() of Node's modules needs a real require in an ES module
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
// which modules each output file holds, for the module probe of test/integration/cli-modules.test.ts
writeFileSync('dist/cli/meta.json', JSON.stringify(metafile));

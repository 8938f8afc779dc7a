// Bundles the web console (src/console/, browser code: preact + htm, uPlot) into dist/console/:
// index.html, app.js and app.css, which the manager serves at /ui from memory
// (src/manager/console-route.ts) and which the npm package ships ("files": dist/console).
// Everything the page needs is in these three files: it loads nothing from elsewhere.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist/console', { recursive: true });
await build({
  entryPoints: { app: 'src/console/main.ts' },
  outdir: 'dist/console',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  tsconfig: 'src/console/tsconfig.json',
  logLevel: 'warning',
});
copyFileSync('src/console/index.html', 'dist/console/index.html');

// Builds the playground (playground/) into build/playground, which src/plugins/playground.ts
// serves at /playground/: the page's TypeScript and the client it uses bundled by esbuild with
// uPlot into one minified app.js, plus the HTML, the styles, uPlot's CSS and the example CSV.
// `npm run build:playground` (part of `npm run build` and `npm test`).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
export const PLAYGROUND_OUT = root('build/playground');

export async function buildPlayground(): Promise<void> {
  rmSync(PLAYGROUND_OUT, { recursive: true, force: true });
  mkdirSync(PLAYGROUND_OUT, { recursive: true });
  await build({
    entryPoints: [root('playground/src/main.ts')],
    outfile: `${PLAYGROUND_OUT}/app.js`,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    // The client loads `ws` only on Node; in a browser it uses the page's WebSocket.
    external: ['ws'],
    logLevel: 'warning',
  });
  copyFileSync(root('playground/index.html'), `${PLAYGROUND_OUT}/index.html`);
  copyFileSync(root('playground/style.css'), `${PLAYGROUND_OUT}/style.css`);
  copyFileSync(root('node_modules/uplot/dist/uPlot.min.css'), `${PLAYGROUND_OUT}/uPlot.min.css`);
  copyFileSync(root('examples/co2-weekly.csv'), `${PLAYGROUND_OUT}/co2-weekly.csv`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildPlayground();
  console.log(`built ${PLAYGROUND_OUT}`);
}

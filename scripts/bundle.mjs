// Bundles the CLI into one file, dist/cli.js, over tsc's output of the same name. Node spends
// about half of a cold start resolving and reading ~500 module files (ours, fastify's, ajv's);
// one file starts in half the time. better-sqlite3 stays external: it loads a native addon.
// The library entry (dist/index.js) stays as tsc wrote it, for importers who bundle themselves.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  sourcemap: true,
  logLevel: 'warning',
  // CommonJS dependencies bundled into an ES module still call require() and read __dirname.
  banner: {
    js: [
      "import { createRequire as __svcplaneRequire } from 'node:module';",
      "import { fileURLToPath as __svcplaneFileURLToPath } from 'node:url';",
      "import { dirname as __svcplaneDirname } from 'node:path';",
      'const require = __svcplaneRequire(import.meta.url);',
      'const __filename = __svcplaneFileURLToPath(import.meta.url);',
      'const __dirname = __svcplaneDirname(__filename);',
    ].join('\n'),
  },
});

// The console (issue 20, served at /ui/ by src/api/console.ts): plain TypeScript and the DOM, no
// framework, minified into dist/console/. The seed manifests in examples/ go in as a module so the
// create page offers them offline.
const { readdirSync, readFileSync, mkdirSync, copyFileSync } = await import('node:fs');
mkdirSync('dist/console', { recursive: true });
await build({
  entryPoints: ['ui/main.ts'],
  outfile: 'dist/console/console.js',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2020',
  minify: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'seeds',
      setup(b) {
        b.onResolve({ filter: /^seeds:examples$/ }, (args) => ({ path: args.path, namespace: 'seeds' }));
        b.onLoad({ filter: /.*/, namespace: 'seeds' }, () => {
          const files = readdirSync('examples')
            .filter((f) => /\.ya?ml$/.test(f))
            .sort();
          const seeds = files.map((f) => ({ name: f, text: readFileSync(`examples/${f}`, 'utf8') }));
          return { contents: `export default ${JSON.stringify(seeds)};`, loader: 'js', watchFiles: files.map((f) => `examples/${f}`) };
        });
      },
    },
  ],
});
copyFileSync('ui/index.html', 'dist/console/index.html');

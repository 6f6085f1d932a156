// Two bundles from the same sources: an ES module (npm, `import`) and a classic script that defines the global
// `Plank` (a plain <script src="/plank/plank.js">, what Plank itself serves). Types come from tsc (dist/types).
import { build } from 'esbuild';

const common = { entryPoints: ['src/index.ts'], bundle: true, target: 'es2020', sourcemap: true, logLevel: 'warning' };
await build({ ...common, format: 'esm', outfile: 'dist/plank.esm.js' });
await build({ ...common, format: 'iife', globalName: 'Plank', outfile: 'dist/plank.js' });

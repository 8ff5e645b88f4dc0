/** Vite build of the web console into control-plane/console/dist (git-ignored), served by the control plane. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, minify: true, reportCompressedSize: false, target: 'es2022', chunkSizeWarningLimit: 1024 },
});

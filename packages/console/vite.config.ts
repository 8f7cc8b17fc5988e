import { defineConfig } from 'vite';

// A static build the gateway serves under /; no code or font is fetched from elsewhere at run time.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, chunkSizeWarningLimit: 300 },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});

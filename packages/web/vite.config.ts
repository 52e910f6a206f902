// Builds the page (src/page) into dist/page, which the server serves.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/page', import.meta.url)),
  base: '/',
  plugins: [react()],
  // The page's JSX settings live in tsconfig.page.json, which esbuild does not read; and
  // plugin-react sets them for the Vite it finds at the root, which may be another major.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('./dist/page', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});

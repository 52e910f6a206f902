// Builds the page (src/page) into dist/page, which the server serves.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const outDir = fileURLToPath(new URL('./dist/page', import.meta.url));

/** Text files worth compressing; smaller ones gain nothing from it. */
const COMPRESSIBLE = /\.(js|css|html|svg|json|map)$/;
const MIN_BYTES = 1024;

/**
 * Writes `<file>.gz` and `<file>.br` beside each built text file, once, at the
 * best settings: the server (src/server/static.ts) sends them to browsers that
 * accept them and never compresses per request.
 */
function precompress(): Plugin {
  return {
    name: 'threadline-precompress',
    apply: 'build',
    writeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
          entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
        );
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file) || statSync(file).size < MIN_BYTES) continue;
        const body = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./src/page', import.meta.url)),
  base: '/',
  plugins: [react(), precompress()],
  // The page's JSX settings live in tsconfig.page.json, which esbuild does not read; and
  // plugin-react sets them for the Vite it finds at the root, which may be another major.
  esbuild: { jsx: 'automatic' },
  resolve: {
    // Parts of rjsf this page never uses, as small stand-ins (see each file).
    alias: {
      'markdown-to-jsx/react': fileURLToPath(new URL('./src/page/markdown-stub.tsx', import.meta.url)),
      'fast-uri': fileURLToPath(new URL('./src/page/uri-stub.ts', import.meta.url)),
    },
  },
  build: {
    outDir,
    emptyOutDir: true,
    // Vite's default (500 KB): the script is ~430 KB since Ajv, markdown-to-jsx and fast-uri left it.
    chunkSizeWarningLimit: 500,
  },
});

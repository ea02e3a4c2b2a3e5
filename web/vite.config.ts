// Builds the web console into dist/console, which the server serves at /console.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The AWS SDK is most of the bundle; one chunk of it is fine for a console loaded once.
    chunkSizeWarningLimit: 1500,
  },
})

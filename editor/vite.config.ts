import { fileURLToPath } from 'node:url'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/** The editor bundle: root is editor/, output editor/dist (served by the engine at `/`). */
export default defineConfig({
  root,
  base: '/',
  // the root is a subfolder, so point the plugin at our svelte.config.js explicitly
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    // `npm run dev` runs the engine on :3000; the editor's dev server forwards the API to it
    proxy: { '/api': 'http://localhost:3000' },
  },
})

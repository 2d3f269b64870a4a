import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/** Unit tests of the editor's framework-free logic (editor/src/lib): `npx vitest run --config editor/vitest.config.ts`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: { include: ['src/**/*.test.ts'] },
})

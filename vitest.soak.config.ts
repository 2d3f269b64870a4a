import { defineConfig } from 'vitest/config'

/** `npm run test:soak`: the slow suite (10,000-order burst, repeated worker kills, database restart), one file at a time. */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 2 * 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
})

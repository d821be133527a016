import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    // Two cores: one worker per core, and the slow model tests get room.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // The trainers default to one tensor worker per core (engine/parallel); the suites that are not
    // about parallelism keep the single-thread trainer (vitest already runs two files at once on two
    // cores). test/main/engine/parallel/ and the jobs test of the workers ask for workers explicitly.
    env: { RIC_ENGINE_WORKERS: '1' },
    hookTimeout: 60_000,
  },
});

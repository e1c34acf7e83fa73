import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that run real tools (objdump, QEMU, gcc, Z3) take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "web/src/**/*.test.ts", "test/**/*.test.ts"],
    // End-to-end tests run real processes; on a loaded 2-core machine one can take minutes.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The GitHub parser imports JSON without import attributes: let Vite transform it.
    server: { deps: { inline: [/@actions\/workflow-parser/] } },
  },
});

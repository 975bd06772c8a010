import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "web/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The GitHub parser imports JSON without import attributes: let Vite transform it.
    server: { deps: { inline: [/@actions\/workflow-parser/] } },
  },
});

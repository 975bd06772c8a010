// What the sandbox tests share: the workflows they run under `gantry run --isolation sandbox` and on
// `gantry serve`, and a look at the host's processes.
import { readdirSync, readFileSync } from "node:fs";

/** Host processes whose command line holds `marker` (NUL between arguments). */
export function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, "utf8").includes(marker);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** A project's ordinary CI: checkout, setup-node, npm ci, cache, artifacts, a background service. */
export const ORDINARY_WORKFLOW = `name: Ordinary
on: [push, workflow_dispatch]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: ${process.versions.node.split(".")[0]}
      - run: npm ci --offline --no-audit --no-fund
      - run: |
          node -e "require('fs').mkdirSync('dist', {recursive: true}); require('fs').writeFileSync('dist/app.txt', 'built ' + require('./package.json').name)"
      - uses: actions/cache@v4
        with:
          path: |
            ~/.cache/app
            dist
          key: app-\${{ hashFiles('package-lock.json') }}-\${{ github.run_id }}
      - run: mkdir -p ~/.cache/app && echo cached > ~/.cache/app/state
      - uses: actions/upload-artifact@v4
        with:
          name: dist
          path: dist
      - name: a service in the background for later steps
        run: |
          node -e "require('http').createServer((q, s) => s.end('pong')).listen(0, '127.0.0.1', function () { require('fs').writeFileSync(process.env.RUNNER_TEMP + '/port', String(this.address().port)) })" > /dev/null 2>&1 &
          while [ ! -s "$RUNNER_TEMP/port" ]; do sleep 0.05; done
      - run: |
          node -e "fetch('http://127.0.0.1:' + require('fs').readFileSync(process.env.RUNNER_TEMP + '/port', 'utf8')).then(r => r.text()).then(t => console.log('service says ' + t))"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: dist
          path: out
      - run: cat out/app.txt
      - uses: actions/cache/restore@v4
        with:
          path: |
            ~/.cache/app
            dist
          key: app-\${{ hashFiles('package-lock.json') }}-\${{ github.run_id }}
          restore-keys: app-
      - run: echo "restored $(cat ~/.cache/app/state 2>/dev/null || echo nothing)"
`;

export const ORDINARY_FILES = {
  "package.json": `${JSON.stringify({ name: "ordinary-app", version: "1.0.0", private: true }, null, 2)}\n`,
  "package-lock.json": `${JSON.stringify(
    {
      name: "ordinary-app",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name: "ordinary-app", version: "1.0.0" } },
    },
    null,
    2,
  )}\n`,
};

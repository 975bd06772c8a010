import { describe, expect, it } from "vitest";
import { buildWorkflowDef, loadWorkflow } from "../workflow/index.js";
import { formatAdvice } from "./advice.js";
import { workflowAdvice } from "./workflow-advice.js";

async function adviceFor(yaml: string): Promise<string[]> {
  const { workflow, problems } = await loadWorkflow(".github/workflows/ci.yml", yaml);
  expect(problems).toEqual([]);
  if (!workflow) throw new Error("not loaded");
  return workflowAdvice([buildWorkflowDef(workflow)]).map(formatAdvice);
}

describe("workflowAdvice", () => {
  it("pins actions, reusable workflows and images not named by a commit or digest", async () => {
    const advice = await adviceFor(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: someone/tool@8f4b7f84864484a7bf31766abe9204da3cbe65b3
      - uses: someone/lint/sub@main
      - uses: docker://alpine:3.20
      - uses: docker://alpine@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
      - uses: ./local
  call:
    uses: org/shared/.github/workflows/ci.yml@v2
`);
    expect(advice).toEqual([
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:6:15: pin: pin actions\/checkout@v4 \(GitHub's\) to a full commit SHA, as `actions\/checkout@<sha> # v4`/,
      ),
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:8:15: pin: pin someone\/lint\/sub@main \(a third party's\)/,
      ),
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:9:15: pin: pin docker:\/\/alpine:3\.20 to its digest/,
      ),
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:13:11: pin: pin org\/shared\/\.github\/workflows\/ci\.yml@v2/,
      ),
    ]);
  });

  it("says which installs have no cache, and not those that have one", async () => {
    const advice = await adviceFor(`on: push
jobs:
  node:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@0a44ba7841725637a19e28fa30b79a866c81b0a6
        with:
          node-version: 22
      - run: npm ci && npm test
  cached:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@0a44ba7841725637a19e28fa30b79a866c81b0a6
        with:
          cache: npm
      - run: npm ci
  python:
    runs-on: ubuntu-latest
    steps:
      - run: |
          pip install -r requirements.txt
          cargo build --release
  ruby:
    runs-on: ubuntu-latest
    steps:
      - uses: ruby/setup-ruby@v1
        with:
          bundler-cache: true
      - run: bundle install
  go:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-go@v5
      - run: go test ./...
  rust:
    runs-on: ubuntu-latest
    steps:
      - uses: Swatinem/rust-cache@v2
      - run: cargo test
  gone:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-go@v5
        with:
          cache: false
      - run: go build ./...
`);
    const cache = advice.filter((a) => a.includes(": cache: "));
    expect(cache).toEqual([
      expect.stringMatching(
        /:3:3: cache: job 'node' runs npm without a cache .*`cache: npm` on actions\/setup-node.*hashFiles\('\*\*\/package-lock\.json'\)$/,
      ),
      expect.stringMatching(/:17:3: cache: job 'python' runs pip without/),
      expect.stringMatching(
        /:17:3: cache: job 'python' runs Cargo without a cache .*: add an actions\/cache step keyed on hashFiles\('\*\*\/Cargo\.lock'\)$/,
      ),
      expect.stringMatching(
        /:40:3: cache: job 'gone' runs Go without a cache .*`cache: true` on actions\/setup-go/,
      ),
    ]);
  });

  it("says which needs hold a job back without being used", async () => {
    const advice = await adviceFor(`on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo lint
  build:
    runs-on: ubuntu-latest
    outputs:
      version: \${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=1" >> "$GITHUB_OUTPUT"
      - uses: actions/upload-artifact@v4
        with: { name: dist, path: dist }
  test:
    needs: [lint, build]
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.build.outputs.version }}"
  package:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
  notify:
    needs: test
    if: always() && needs['test'].result == 'failure'
    runs-on: ubuntu-latest
    steps:
      - run: echo failed
  deploy:
    needs: test
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy
  build-linux:
    runs-on: ubuntu-latest
    steps:
      - run: echo linux
  report:
    needs: [build, build-linux]
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.build-linux.result }}"
`);
    expect(advice.filter((a) => a.includes(": parallelise: "))).toEqual([
      expect.stringMatching(
        /:16:3: parallelise: job 'test' waits for 'lint' but uses none of its outputs, results or artifacts: if it need not run after it, drop 'lint' from its needs and both run at once$/,
      ),
      // needs.build-linux does not name build.
      expect.stringMatching(/:42:3: parallelise: job 'report' waits for 'build' but/),
    ]);
  });
});

// Golden tests for forge webhooks (src/triggers/webhooks.ts). Each test/golden/webhooks/<case>.request.json
// is a delivery as the forge sends it ({ headers, body }; the forge is the name's first word, forgejo
// being gitea); <case>.expected.json beside it holds the normalised events. The test signs the body
// as the forge would, so the signature check runs too. UPDATE_GOLDEN=1 rewrites the expected files
// (then `npx biome check --write test/golden/webhooks` formats them as the repository does).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Forge, hmacSha256, readWebhook } from "../src/triggers/index.js";

const dir = join(import.meta.dirname, "golden", "webhooks");
const SECRET = "It's a Secret to Everybody";
const cases = readdirSync(dir)
  .filter((name) => name.endsWith(".request.json"))
  .map((name) => name.slice(0, -".request.json".length))
  .sort();

function forgeOf(name: string): Forge {
  const word = name.split("-")[0];
  if (word === "forgejo") return "gitea";
  if (word === "github" || word === "gitea" || word === "gitlab") return word;
  throw new Error(`${name}: the name must start with github-, gitea-, forgejo- or gitlab-`);
}

/** The delivery's headers with the forge's signature of the body added. */
function signed(forge: Forge, name: string, given: Record<string, string>, body: string): Headers {
  const headers = new Headers(given);
  const mac = hmacSha256(SECRET, body);
  if (forge === "github") headers.set("x-hub-signature-256", `sha256=${mac}`);
  else if (forge === "gitlab") headers.set("x-gitlab-token", SECRET);
  else headers.set(name.startsWith("forgejo") ? "x-forgejo-signature" : "x-gitea-signature", mac);
  return headers;
}

describe("forge webhooks (golden)", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  for (const name of cases) {
    it(name, () => {
      const forge = forgeOf(name);
      const request = JSON.parse(readFileSync(join(dir, `${name}.request.json`), "utf8"));
      const body = JSON.stringify(request.body);
      const events = readWebhook(forge, signed(forge, name, request.headers, body), body, SECRET);
      const expectedFile = join(dir, `${name}.expected.json`);
      if (process.env.UPDATE_GOLDEN) writeFileSync(expectedFile, `${JSON.stringify(events, null, 2)}\n`);
      expect(events).toEqual(JSON.parse(readFileSync(expectedFile, "utf8")));
    });
  }
});

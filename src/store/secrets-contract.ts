import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "./store.js";

/**
 * What every Store keeps of Actions secrets and variables (migration 0013), beside the main
 * contract (store-contract.ts): run with a factory that opens an empty store.
 */
export function describeSecretsContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract, secrets and variables: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const server = { repoId: 0, environment: "" };
    const repoScope = (repoId: number) => ({ repoId, environment: "" });
    const envScope = (repoId: number) => ({ repoId, environment: "production" });
    const addRepo = (n: string) =>
      store.addRepo({
        owner: "acme",
        name: n,
        url: "/srv/x.git",
        defaultBranch: "main",
        pollIntervalSeconds: 0,
      });

    it("keeps a secret per scope, replaces it keeping its creation time, lists and removes it", async () => {
      const repo = await addRepo("app");
      expect(await store.putSecret(repoScope(repo.id), "TOKEN", "c1")).toBe("created");
      expect(await store.putSecret(server, "TOKEN", "s1")).toBe("created");
      expect(await store.putSecret(envScope(repo.id), "TOKEN", "e1")).toBe("created");
      const first = await store.getSecret(repoScope(repo.id), "TOKEN");
      expect(first).toMatchObject({ repoId: repo.id, environment: "", name: "TOKEN", encryptedValue: "c1" });
      expect(await store.putSecret(repoScope(repo.id), "TOKEN", "c2")).toBe("updated");
      const second = await store.getSecret(repoScope(repo.id), "TOKEN");
      expect(second?.encryptedValue).toBe("c2");
      expect(second?.createdAt).toBe(first?.createdAt);
      expect((await store.getSecret(server, "TOKEN"))?.encryptedValue).toBe("s1");
      expect((await store.getSecret(envScope(repo.id), "TOKEN"))?.encryptedValue).toBe("e1");
      await store.putSecret(repoScope(repo.id), "A_FIRST", "a");
      expect((await store.listSecrets(repoScope(repo.id))).map((s) => s.name)).toEqual(["A_FIRST", "TOKEN"]);
      expect(await store.removeSecret(repoScope(repo.id), "TOKEN")).toBe(true);
      expect(await store.removeSecret(repoScope(repo.id), "TOKEN")).toBe(false);
      expect(await store.getSecret(repoScope(repo.id), "TOKEN")).toBeUndefined();
      expect((await store.getSecret(server, "TOKEN"))?.encryptedValue).toBe("s1");
    });

    it("creates variables once per scope and name, renames and changes them", async () => {
      const repo = await addRepo("app");
      const v = await store.createVariable(repoScope(repo.id), "REGION", "eu");
      expect(v).toMatchObject({ name: "REGION", value: "eu", repoId: repo.id, environment: "" });
      await expect(store.createVariable(repoScope(repo.id), "REGION", "us")).rejects.toMatchObject({
        code: "conflict",
      });
      await store.createVariable(envScope(repo.id), "REGION", "us");
      await store.createVariable(repoScope(repo.id), "OTHER", "x");
      expect(await store.updateVariable(repoScope(repo.id), "REGION", { value: "ap" })).toBe(true);
      expect((await store.getVariable(repoScope(repo.id), "REGION"))?.value).toBe("ap");
      await expect(
        store.updateVariable(repoScope(repo.id), "REGION", { name: "OTHER" }),
      ).rejects.toMatchObject({
        code: "conflict",
      });
      expect(await store.updateVariable(repoScope(repo.id), "REGION", { name: "ZONE" })).toBe(true);
      expect(await store.updateVariable(repoScope(repo.id), "MISSING", { value: "1" })).toBe(false);
      expect((await store.listVariables(repoScope(repo.id))).map((x) => [x.name, x.value])).toEqual([
        ["OTHER", "x"],
        ["ZONE", "ap"],
      ]);
      expect((await store.getVariable(envScope(repo.id), "REGION"))?.value).toBe("us");
      expect(await store.removeVariable(repoScope(repo.id), "ZONE")).toBe(true);
      expect(await store.removeVariable(repoScope(repo.id), "ZONE")).toBe(false);
    });

    it("keeps one sealed-box keypair: the first one added", async () => {
      expect(await store.getBoxKey()).toBeUndefined();
      const key = {
        keyId: "1",
        publicKey: "pub",
        encryptedPrivateKey: "enc",
        createdAt: new Date().toISOString(),
      };
      expect(await store.addBoxKey(key)).toEqual(key);
      expect(await store.addBoxKey({ ...key, keyId: "2", publicKey: "other" })).toEqual(key);
      expect(await store.getBoxKey()).toEqual(key);
    });

    it("rewrites every encrypted value in one go: secrets, the private key and hooks' secrets", async () => {
      const repo = await addRepo("app");
      await store.putSecret(repoScope(repo.id), "A", "old-a");
      await store.putSecret(server, "B", "old-b");
      await store.addBoxKey({ keyId: "1", publicKey: "p", encryptedPrivateKey: "old-k", createdAt: "t" });
      const hook = await store.addHook({
        repoId: repo.id,
        url: "https://example.com/h",
        contentType: "json",
        secretSealed: "old-h",
        events: ["*"],
        active: true,
      });
      await store.addHook({ ...hook, secretSealed: null });
      const counts = await store.rewriteEncrypted({
        secret: (s) => s.encryptedValue.replace("old", "new"),
        boxKey: (k) => k.encryptedPrivateKey.replace("old", "new"),
        hookSecret: (h) => String(h.secretSealed).replace("old", "new"),
      });
      expect(counts).toEqual({ secrets: 2, keys: 1, hooks: 1 });
      expect((await store.getSecret(repoScope(repo.id), "A"))?.encryptedValue).toBe("new-a");
      expect((await store.getSecret(server, "B"))?.encryptedValue).toBe("new-b");
      expect((await store.getBoxKey())?.encryptedPrivateKey).toBe("new-k");
      expect((await store.getHook(hook.id))?.secretSealed).toBe("new-h");
      // A failure part way leaves everything as it was.
      await expect(
        store.rewriteEncrypted({
          secret: (s) => {
            if (s.name === "B") throw new Error("cannot");
            return "half";
          },
          boxKey: () => "half",
        }),
      ).rejects.toThrow("cannot");
      expect((await store.getSecret(repoScope(repo.id), "A"))?.encryptedValue).toBe("new-a");
    });

    it("removes a repository's secrets and variables with it, and nothing of another or the server's", async () => {
      const app = await addRepo("app");
      const lib = await addRepo("lib");
      for (const scope of [repoScope(app.id), envScope(app.id), repoScope(lib.id), server]) {
        await store.putSecret(scope, "S", "x");
        await store.createVariable(scope, "V", "x");
      }
      await store.removeRepo(app.id);
      expect(await store.listSecrets(repoScope(app.id))).toEqual([]);
      expect(await store.listSecrets(envScope(app.id))).toEqual([]);
      expect(await store.listVariables(envScope(app.id))).toEqual([]);
      expect(await store.listSecrets(repoScope(lib.id))).toHaveLength(1);
      expect(await store.listVariables(server)).toHaveLength(1);
    });
  });
}

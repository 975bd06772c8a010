import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "./store.js";
import type { NewDeployment } from "./types.js";

/**
 * What every Store keeps of deployments and their statuses (migration 0017), beside the main
 * contract (store-contract.ts): run with a factory that opens an empty store.
 */
export function describeDeploymentsContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract, deployments: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const addRepo = (n: string) =>
      store.addRepo({
        owner: "acme",
        name: n,
        url: "/srv/x.git",
        defaultBranch: "main",
        pollIntervalSeconds: 0,
      });
    const deployment = (repoId: number, over: Partial<NewDeployment> = {}): NewDeployment => ({
      repoId,
      sha: "a".repeat(40),
      ref: "main",
      fullRef: "refs/heads/main",
      task: "deploy",
      payload: { region: "eu" },
      environment: "production",
      originalEnvironment: "production",
      description: null,
      creator: { login: "alice", id: 7 },
      transientEnvironment: false,
      productionEnvironment: true,
      runId: null,
      runAttempt: null,
      jobKey: null,
      ...over,
    });
    const status = (
      deploymentId: number,
      state: "success" | "failure" | "queued",
      environment = "production",
    ) => ({
      deploymentId,
      state,
      description: "",
      environment,
      environmentUrl: "",
      logUrl: "",
      creator: { login: "alice", id: 7 },
    });

    it("keeps a deployment with its payload, lists newest first with filters and pages, removes it", async () => {
      const repo = await addRepo("app");
      const other = await addRepo("other");
      const a = await store.createDeployment(deployment(repo.id));
      const b = await store.createDeployment(
        deployment(repo.id, {
          environment: "Staging",
          originalEnvironment: "Staging",
          task: "migrate",
          payload: "raw",
        }),
      );
      await store.createDeployment(deployment(other.id));
      expect(a).toMatchObject({
        repoId: repo.id,
        payload: { region: "eu" },
        state: null,
        creator: { login: "alice", id: 7 },
      });
      expect(await store.getDeployment(repo.id, b.id)).toMatchObject({
        payload: "raw",
        environment: "Staging",
      });
      expect(await store.getDeployment(other.id, b.id)).toBeUndefined();
      const all = await store.listDeployments({ repoId: repo.id });
      expect(all.total).toBe(2);
      expect(all.deployments.map((d) => d.id)).toEqual([b.id, a.id]);
      expect(
        (await store.listDeployments({ repoId: repo.id, environment: "staging" })).deployments.map(
          (d) => d.id,
        ),
      ).toEqual([b.id]);
      expect(
        (await store.listDeployments({ repoId: repo.id, task: "deploy" })).deployments.map((d) => d.id),
      ).toEqual([a.id]);
      const page2 = await store.listDeployments({ repoId: repo.id, page: 2, perPage: 1 });
      expect({ total: page2.total, ids: page2.deployments.map((d) => d.id) }).toEqual({
        total: 2,
        ids: [a.id],
      });
      expect(await store.countDeployments(repo.id)).toBe(2);
      await store.addDeploymentStatus(status(a.id, "queued"), false);
      expect(await store.removeDeployment(repo.id, a.id)).toBe(true);
      expect(await store.removeDeployment(repo.id, a.id)).toBe(false);
      expect(await store.getDeployment(repo.id, a.id)).toBeUndefined();
      expect((await store.listDeploymentStatuses(a.id)).total).toBe(0);
    });

    it("keeps statuses newest first; a status moves the deployment's state and environment", async () => {
      const repo = await addRepo("app");
      const d = await store.createDeployment(deployment(repo.id));
      const q = await store.addDeploymentStatus(status(d.id, "queued"), false);
      const s = await store.addDeploymentStatus(status(d.id, "success", "prod-eu"), false);
      expect(q.inactivated).toEqual([]);
      const listed = await store.listDeploymentStatuses(d.id);
      expect(listed.statuses.map((x) => x.state)).toEqual(["success", "queued"]);
      expect(await store.getDeploymentStatus(d.id, s.status.id)).toMatchObject({
        state: "success",
        environment: "prod-eu",
      });
      expect(await store.getDeployment(repo.id, d.id)).toMatchObject({
        state: "success",
        environment: "prod-eu",
        originalEnvironment: "production",
      });
    });

    it("makes the environment's earlier successful, non-transient deployments inactive on a success", async () => {
      const repo = await addRepo("app");
      const old = await store.createDeployment(deployment(repo.id));
      const failed = await store.createDeployment(deployment(repo.id));
      const transient = await store.createDeployment(deployment(repo.id, { transientEnvironment: true }));
      const elsewhere = await store.createDeployment(
        deployment(repo.id, { environment: "staging", originalEnvironment: "staging" }),
      );
      await store.addDeploymentStatus(status(transient.id, "success"), true);
      await store.addDeploymentStatus(status(old.id, "success"), true);
      await store.addDeploymentStatus(status(failed.id, "failure"), true);
      await store.addDeploymentStatus(status(elsewhere.id, "success", "staging"), true);
      const next = await store.createDeployment(deployment(repo.id, { environment: "PRODUCTION" }));
      const done = await store.addDeploymentStatus(status(next.id, "success", "PRODUCTION"), true);
      expect(done.inactivated.map((x) => [x.deployment.id, x.status.state])).toEqual([[old.id, "inactive"]]);
      expect((await store.getDeployment(repo.id, old.id))?.state).toBe("inactive");
      expect((await store.getDeployment(repo.id, failed.id))?.state).toBe("failure");
      expect((await store.getDeployment(repo.id, transient.id))?.state).toBe("success");
      expect((await store.getDeployment(repo.id, elsewhere.id))?.state).toBe("success");
      // Without auto-inactive, nothing else changes.
      const third = await store.createDeployment(deployment(repo.id));
      expect((await store.addDeploymentStatus(status(third.id, "success"), false)).inactivated).toEqual([]);
      expect((await store.getDeployment(repo.id, next.id))?.state).toBe("success");
    });

    it("removes a repository's deployments with it", async () => {
      const repo = await addRepo("app");
      const d = await store.createDeployment(deployment(repo.id));
      await store.addDeploymentStatus(status(d.id, "success"), false);
      await store.removeRepo(repo.id);
      expect(await store.getDeployment(repo.id, d.id)).toBeUndefined();
      expect((await store.listDeploymentStatuses(d.id)).total).toBe(0);
    });
  });
}

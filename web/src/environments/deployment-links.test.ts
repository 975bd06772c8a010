import { describe, expect, it } from "vitest";
import { linkOf, webUrl } from "./deployment-links.js";

const origin = "http://127.0.0.1:8080";
const link = (log_url: string | null, target_url: string | null = null) =>
  linkOf({ log_url, target_url }, "acme", "app", [origin, "https://ci.example.com"]);

describe("a deployment status's links", () => {
  it("finds the run or job it names on this server, in the UI's or the API's paths", () => {
    expect(link(`${origin}/acme/app/jobs/12`)).toEqual({ jobId: 12 });
    expect(link(`${origin}/acme/app/runs/7`)).toEqual({ runId: 7 });
    expect(link(`${origin}/api/v1/repos/acme/app/actions/runs/9`)).toEqual({ runId: 9 });
    expect(link(`${origin}/api/v1/repos/acme/app/actions/jobs/4/logs`)).toEqual({ jobId: 4 });
    expect(link(null, `${origin}/acme/app/runs/3`)).toEqual({ runId: 3 });
    // The server's public URL, as it names itself behind a proxy.
    expect(link("https://ci.example.com/acme/app/jobs/5")).toEqual({ jobId: 5 });
  });

  it("names nothing for links elsewhere: another server, another repository, not a run", () => {
    expect(link("https://argo.example.com/acme/app/runs/7")).toEqual({});
    expect(link(`${origin}/acme/other/runs/7`)).toEqual({});
    expect(link(`${origin}/acme/app/runs/7x`)).toEqual({});
    expect(link(`${origin}/acme/app/settings`)).toEqual({});
    expect(link("not a url at all ::")).toEqual({});
    expect(link(null)).toEqual({});
  });

  it("links only web addresses as the deployed app's", () => {
    expect(webUrl("https://example.com/app")).toBe("https://example.com/app");
    expect(webUrl("http://10.0.0.1:3000/")).toBe("http://10.0.0.1:3000/");
    expect(webUrl("javascript:alert(1)")).toBeUndefined();
    expect(webUrl("data:text/html,hi")).toBeUndefined();
    expect(webUrl("/relative")).toBeUndefined();
    expect(webUrl("")).toBeUndefined();
    expect(webUrl(null)).toBeUndefined();
  });
});

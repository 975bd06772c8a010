import { describe, expect, it } from "vitest";
import { parseBlobUrl } from "./blob-url.js";

describe("parseBlobUrl", () => {
  it("reads a directory and an S3 bucket with its endpoint, region and prefix", () => {
    expect(parseBlobUrl("file:///srv/gantry%20blobs")).toEqual({ kind: "file", root: "/srv/gantry blobs" });
    expect(
      parseBlobUrl("s3://ci-blobs/team/gantry/?endpoint=http://127.0.0.1:9000&region=eu-west-1"),
    ).toEqual({
      kind: "s3",
      bucket: "ci-blobs",
      prefix: "team/gantry/",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-1",
      pathStyle: true,
    });
    expect(parseBlobUrl("s3://ci-blobs?region=us-west-2")).toMatchObject({ prefix: "", pathStyle: false });
    expect(parseBlobUrl("s3://ci-blobs?endpoint=https://s3.example&path_style=false")).toMatchObject({
      pathStyle: false,
    });
  });

  it("says what is wrong with a URL it cannot use", () => {
    const cases: [string, RegExp][] = [
      ["blobs", /is not a URL/],
      ["http://x/y", /unsupported blob store 'http:\/\/'/],
      ["file://host/x", /not on host 'host'/],
      ["file:///", /absolute directory other than \//],
      ["file:///x?y=1", /no query/],
      ["s3://AB", /not an S3 bucket name/],
      ["s3://bucket:9000", /give the server as \?endpoint=/],
      ["s3://bucket?endpoint=ftp://x", /must be http:\/\/ or https:\/\//],
      ["s3://bucket?endpoint=nope", /is not a URL/],
      ["s3://bucket?secret=1", /unknown s3:\/\/ parameter 'secret'/],
      ["s3://bucket/a%5Cb", /plain/],
      ["s3://bucket?region=EU%20west", /not a region name/],
      ["s3://bucket?path_style=yes", /path_style must be true or false/],
    ];
    for (const [url, problem] of cases) expect(parseBlobUrl(url), url).toMatch(problem);
  });

  it("refuses credentials in the URL and never repeats them", () => {
    for (const url of [
      "s3://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket",
      "s3://bucket?endpoint=http://AKIAEXAMPLE:wJalrXUtnFEMIsecret@127.0.0.1:9000",
      "file://user:wJalrXUtnFEMIsecret@localhost/x",
    ]) {
      const problem = parseBlobUrl(url);
      expect(problem).toMatch(/credentials|is not a URL/);
      expect(problem).not.toContain("wJalrXUtnFEMIsecret");
    }
  });
});

// Where a repository's outgoing webhooks may be sent. The URL is user input aimed at the server's
// own network: by default only https to public addresses. Loopback, private, link-local (the
// cloud metadata service at 169.254.169.254), carrier-grade NAT, multicast and unspecified
// addresses are refused unless the config's `outgoing_webhooks.allow_private_networks` says so;
// the address is checked again as each delivery connects (a name that later resolves to one of
// them is refused then), and redirects are never followed.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { z } from "zod";

export const HOOK_URL_SCHEMES = ["https", "http"] as const;

/** `outgoing_webhooks:` in the config. */
export const outgoingWebhooksConfig = z
  .object({
    /** The schemes a hook's URL may use: https only by default. */
    url_schemes: z.array(z.enum(HOOK_URL_SCHEMES)).default(["https"]),
    /** Whether hooks may go to loopback, private and link-local addresses (a chat server on the LAN). */
    allow_private_networks: z.boolean().default(false),
  })
  .strict()
  .default({ url_schemes: ["https"], allow_private_networks: false });

export type HookUrlPolicy = z.infer<typeof outgoingWebhooksConfig>;

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv6");
}

/** Whether `address` (an IP) is loopback, private, link-local or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped and IPv4-compatible forms (::ffff:127.0.0.1) are their IPv4 address.
    const mapped = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return PRIVATE.check(mapped, "ipv4");
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hex) {
      const n = (Number.parseInt(hex[1], 16) << 16) | Number.parseInt(hex[2], 16);
      return PRIVATE.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."), "ipv4");
    }
    return PRIVATE.check(address, "ipv6");
  }
  return PRIVATE.check(address, "ipv4");
}

/** Why a hook may not be sent to `url` under `policy`, or undefined when it may. */
export function hookUrlProblem(url: string, policy: HookUrlPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `config.url is not a URL: '${url}'`;
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (!(policy.url_schemes as string[]).includes(scheme)) {
    return `config.url: the scheme '${scheme}' is not allowed (outgoing_webhooks.url_schemes: ${policy.url_schemes.join(", ")})`;
  }
  if (parsed.username || parsed.password) return "config.url must not hold a user name or password";
  if (policy.allow_private_networks) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const local = host === "localhost" || host.endsWith(".localhost");
  if (local || (isIP(host) !== 0 && isPrivateAddress(host))) {
    return `config.url: '${host}' is a loopback, private or link-local address (outgoing_webhooks.allow_private_networks is off)`;
  }
  return undefined;
}

/**
 * dns.lookup for a delivery's connection that refuses, under `policy`, every address a public
 * hook may not reach: checked where the connection is made, so a name that resolves differently
 * later (DNS rebinding) is caught too.
 */
export function guardedLookup(policy: HookUrlPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = policy.allow_private_networks ? [] : list.filter((a) => isPrivateAddress(a.address));
      if (refused.length > 0 || list.length === 0) {
        const e: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to ${refused.map((a) => a.address).join(", ") || "nothing"}: a loopback, private or link-local address (outgoing_webhooks.allow_private_networks is off)`,
        );
        e.code = "EHOOKADDRESS";
        return callback(e, []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

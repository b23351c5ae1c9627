// Whether a listen address is reachable only from this machine (X5: without authentication the
// server listens on loopback only).
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** The canonical form of an IPv6 address, as URL parsing writes it: `[::1]`. */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname;
}

/** Whether an IP address is a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.x.x. */
export function isLoopbackAddress(address: string): boolean {
  switch (isIP(address)) {
    case 4:
      return address.startsWith("127.");
    case 6: {
      const canonical = canonicalIpv6(address);
      // An IPv4-mapped 127.x.x.x is written ::ffff:7fxx:xxxx.
      return canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/u.test(canonical);
    }
    default:
      return false;
  }
}

/**
 * Whether listening on `host` stays on loopback: an IP address is checked as it is; a name must
 * resolve, and only to loopback addresses (`localhost`). The wildcard addresses (`0.0.0.0`, `::`)
 * and a name that does not resolve count as not loopback.
 */
export async function isLoopbackHost(
  host: string,
  resolve: (host: string) => Promise<readonly { address: string }[]> = (name) =>
    lookup(name, { all: true }),
): Promise<boolean> {
  if (isIP(host) !== 0) return isLoopbackAddress(host);
  if (host.trim() === "") return false;
  try {
    const addresses = await resolve(host);
    return addresses.length > 0 && addresses.every(({ address }) => isLoopbackAddress(address));
  } catch {
    return false;
  }
}

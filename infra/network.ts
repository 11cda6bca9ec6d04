// Address arithmetic inside the Docker subnet, on ipaddr.js.
import ipaddr from "ipaddr.js";

/** ipaddr.js ranges that no bridge network can live in. */
const UNUSABLE_RANGES = new Set(["unspecified", "multicast", "loopback", "linkLocal", "broadcast", "reserved"]);

export interface Subnet {
  readonly cidr: string;
  readonly network: string;
  readonly broadcast: string;
  readonly prefixLength: number;
  /** Number of usable host addresses (network and broadcast excluded). */
  readonly hostCount: number;
}

export function parseSubnet(cidr: string): Subnet {
  const [address, prefixLength] = ipaddr.IPv4.parseCIDR(cidr);
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (address.toString() !== network)
    throw new Error(`${cidr} is not a network address; did you mean ${network}/${prefixLength}?`);
  if (prefixLength > 30) throw new Error(`a /${prefixLength} subnet has no room for a gateway and containers`);
  const range = address.range();
  if (UNUSABLE_RANGES.has(range))
    throw new Error(`${cidr} is in the ${range} range, which a container network cannot use`);
  return {
    cidr,
    network,
    broadcast: ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString(),
    prefixLength,
    hostCount: 2 ** (32 - prefixLength) - 2,
  };
}

function toInt(ip: string): number {
  return ipaddr.IPv4.parse(ip)
    .toByteArray()
    .reduce((n, byte) => n * 256 + byte, 0);
}
function fromInt(n: number): string {
  return ipaddr.fromByteArray([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
}

/**
 * The IPv4 address a configured address stands for: a host number counts from the network address.
 * Throws with a message that says what is wrong with it.
 */
export function resolveAddress(subnet: Subnet, address: string | number): string {
  if (typeof address === "number") {
    if (address > subnet.hostCount)
      throw new Error(`host number ${address} is outside ${subnet.cidr} (1-${subnet.hostCount})`);
    return fromInt(toInt(subnet.network) + address);
  }
  if (!ipaddr.IPv4.parse(address).match(ipaddr.IPv4.parseCIDR(subnet.cidr)))
    throw new Error(`${address} is outside the subnet ${subnet.cidr}`);
  if (address === subnet.network) throw new Error(`${address} is the network address of ${subnet.cidr}`);
  if (address === subnet.broadcast) throw new Error(`${address} is the broadcast address of ${subnet.cidr}`);
  return address;
}

/** Whether two host interfaces overlap: equal, or either is the unspecified address (every interface). */
export function interfacesOverlap(a: string, b: string): boolean {
  const any = (ip: string) => ipaddr.IPv4.parse(ip).range() === "unspecified";
  return a === b || any(a) || any(b);
}

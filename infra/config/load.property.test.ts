import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { problems, validConfig } from "../../tools/test-support";
import { CATALOGUE } from "../catalogue";
import { configuredServices } from "../graph";

const SERVICE_NAMES = configuredServices(CATALOGUE);
import { deriveWiring } from "../wiring";

const dev = validConfig("dev") as any;
const bridge = dev.network.bridge;

/** A random IPv4 subnet (/8 to /26) given by its network address. */
const subnetArb = fc
  .record({
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    prefix: fc.integer({ min: 8, max: 26 }),
  })
  .map(
    ({ bytes, prefix }) => ipaddr.IPv4.networkAddressFromCIDR(`${bytes.join(".")}/${prefix}`).toString() + `/${prefix}`,
  )
  // Ranges no bridge network can use are refused (tested separately).
  .filter(
    (cidr) =>
      !["unspecified", "multicast", "loopback", "linkLocal", "broadcast", "reserved"].includes(
        ipaddr.IPv4.parseCIDR(cidr)[0].range(),
      ),
  );

/** Distinct host numbers, one per service, all above the gateway's host number 1. */
const hostNumbersArb = (max: number) =>
  fc.uniqueArray(fc.integer({ min: 2, max }), { minLength: SERVICE_NAMES.length, maxLength: SERVICE_NAMES.length });

const withNetwork = (subnet: string, addresses: Record<string, unknown>) => ({
  "jarvis:network": { name: "jarvis-network", subnet, gateway: 1, bridge },
  "jarvis:addresses": addresses,
});

describe("network config properties", () => {
  it("any subnet with distinct host numbers inside it is valid, and every derived address lies in the subnet", () => {
    fc.assert(
      fc.property(
        subnetArb.chain((subnet) =>
          fc.tuple(fc.constant(subnet), hostNumbersArb(2 ** (32 - Number(subnet.split("/")[1])) - 2)),
        ),
        ([subnet, hosts]) => {
          const addresses = Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, hosts[i]]));
          const wiring = deriveWiring(validConfig("dev", withNetwork(subnet, addresses)));
          const range = ipaddr.IPv4.parseCIDR(subnet);
          for (const service of SERVICE_NAMES)
            expect(ipaddr.IPv4.parse(wiring.addresses![service]).match(range)).toBe(true);
          expect(new Set(Object.values(wiring.addresses!)).size).toBe(SERVICE_NAMES.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("an address outside the subnet is refused at that service's key", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SERVICE_NAMES), fc.ipV4(), (service, ip) => {
        fc.pre(!ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parseCIDR(dev.network.subnet)));
        const found = problems("dev", { "jarvis:addresses": { ...dev.addresses, [service]: ip } });
        expect(found).toContainEqual({
          key: `jarvis:addresses.${service}`,
          message: `${ip} is outside the subnet ${dev.network.subnet}`,
        });
      }),
      { numRuns: 200 },
    );
  });

  it("two services on one address: the later one in the catalogue is refused", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...SERVICE_NAMES), { minLength: 2, maxLength: 2 }), ([a, b]) => {
        const [first, second] = SERVICE_NAMES.indexOf(a!) < SERVICE_NAMES.indexOf(b!) ? [a!, b!] : [b!, a!];
        const found = problems("dev", { "jarvis:addresses": { ...dev.addresses, [second]: dev.addresses[first] } });
        expect(found.map((p) => p.key)).toEqual([`jarvis:addresses.${second}`]);
        expect(found[0]!.message).toMatch(new RegExp(`already taken by ${first}$`));
      }),
    );
  });
});

describe("port and image properties", () => {
  it("any port outside 1-65535 is refused at its key path", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SERVICE_NAMES),
        fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 })),
        (service, port) => {
          const name = Object.keys(dev.ports[service])[0]!;
          const found = problems("dev", {
            "jarvis:ports": { ...dev.ports, [service]: { ...dev.ports[service], [name]: port } },
          });
          expect(found.map((p) => p.key)).toContain(`jarvis:ports.${service}.${name}`);
        },
      ),
    );
  });

  it("one host port published twice on overlapping interfaces is refused", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65535 }),
        fc.constantFrom("127.0.0.1", "0.0.0.0"),
        (hostPort, bindAddress) => {
          const ports = {
            interface: { http: { hostPort, bindAddress }, websocket: hostPort === 1 ? 2 : 1 },
            backend: { http: hostPort },
          };
          const found = problems("dev", { "jarvis:publish": { ...dev.publish, ports } });
          expect(found.map((p) => p.key)).toEqual(["jarvis:publish.ports.interface.http"]);
        },
      ),
    );
  });

  it("latest and latest-* tags are always refused, other tags accepted", () => {
    const tag = fc.stringMatching(/^[A-Za-z0-9][\w.-]{0,20}$/);
    fc.assert(
      fc.property(tag, fc.boolean(), (suffix, moving) => {
        fc.pre(!/^latest/.test(`v${suffix}`));
        const chosen = moving ? `latest-${suffix}` : `v${suffix}`;
        const found = problems("dev", { "jarvis:images": { ...dev.images, grafana: `grafana/grafana:${chosen}` } });
        expect(found.length > 0).toBe(moving);
      }),
    );
  });
});

import { run } from "./programs";

function ip(...args: string[]): void {
  const r = run("ip", args);
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.output}`);
}

/** A namespace per host on one bridge (in its own namespace), as separate hosts on a LAN. */
export interface BridgedHosts {
  /** The namespace of a host; `ip netns exec` it. */
  readonly nsOf: (host: string) => string;
  /** Deletes every namespace made here. */
  readonly remove: () => void;
}

/**
 * `<prefix>-hub` holds the bridge; `<prefix>-<host>` holds that host's `lan0` (and lo),
 * with its address and any `extra` addresses, all /16. No uplink: nothing leaves the machine.
 */
export function bridgedHosts(prefix: string, hosts: ReadonlyArray<{ readonly name: string; readonly address: string; readonly extra?: readonly string[] }>): BridgedHosts {
  const nsOf = (host: string) => `${prefix}-${host}`;
  const hub = nsOf("hub");
  ip("netns", "add", hub);
  ip("-n", hub, "link", "add", "br0", "type", "bridge");
  ip("-n", hub, "link", "set", "br0", "up");
  for (const [i, h] of hosts.entries()) {
    ip("netns", "add", nsOf(h.name));
    ip("-n", hub, "link", "add", `port${i}`, "type", "veth", "peer", "name", "lan0", "netns", nsOf(h.name));
    ip("-n", hub, "link", "set", `port${i}`, "master", "br0", "up");
    for (const address of [h.address, ...(h.extra ?? [])]) ip("-n", nsOf(h.name), "addr", "add", `${address}/16`, "dev", "lan0");
    ip("-n", nsOf(h.name), "link", "set", "lan0", "up");
    ip("-n", nsOf(h.name), "link", "set", "lo", "up");
  }
  return {
    nsOf,
    remove: () => {
      for (const h of hosts) run("ip", ["netns", "del", nsOf(h.name)]);
      run("ip", ["netns", "del", hub]);
    },
  };
}

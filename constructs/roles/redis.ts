import { renderTemplate } from "../template";
import { portView } from "../topology/ports";
import type { Topology } from "../topology/topology";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/**
 * The LiveKit mesh's shared state: Redis on every media host (one primary, the others its
 * replicas) watched by Redis Sentinel on those hosts and the monitoring host, which
 * promotes a replica when the primary is lost. LiveKit asks the Sentinels for the primary.
 */

/** The name Sentinel monitors the primary under, and LiveKit asks for. */
export const REDIS_PRIMARY_NAME = "livekit";

const REDIS_CONF = "/etc/redis/redis.conf";

/** Where LiveKit (and each activation) finds the Sentinels. */
export function sentinels(topology: Topology) {
  const hosts = members(topology, "sentinel");
  // A failover needs a majority of all Sentinels to agree, so the quorum is that majority.
  return { hosts, quorum: Math.floor(hosts.length / 2) + 1 };
}

/**
 * The activation's view of who is primary now: the Sentinels' answer, else a Redis host
 * serving replicas, else (first install) the first Redis host. Never a rendered choice:
 * after a failover, re-provisioning must not demote the promoted primary.
 */
export function primaryLookup(topology: Topology, passwordFile: string) {
  const redis = members(topology, "redis");
  const view = { sentinels: sentinels(topology).hosts, redis, initialPrimary: redis[0]?.address, primaryName: REDIS_PRIMARY_NAME, passwordFile, ports: portView(topology) };
  return { ...view, findPrimary: renderTemplate("redis/find-primary.sh.mustache", view).trimEnd() };
}

export const renderRedis: RoleRenderer = ({ topology, host }) => {
  const view = { ...commonView(topology, host), ...primaryLookup(topology, REDIS_CONF) };
  return {
    name: "redis",
    files: [{ path: REDIS_CONF, content: renderTemplate("redis/redis.conf.mustache", view), mode: "0640", owner: "redis:redis" }],
    activate: renderTemplate("redis/activate.sh.mustache", view),
    packages: ["redis-server"],
  };
};

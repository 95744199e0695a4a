import { renderTemplate } from "../template";
import { primaryLookup, sentinels } from "./redis";
import type { RoleRenderer } from "./unit";
import { commonView } from "./view";

/** Sentinel reads this at activation, with the primary's address in place of the placeholder. */
const SENTINEL_TEMPLATE = "/etc/redis/sentinel.matrix.conf";
const PRIMARY_PLACEHOLDER = "PRIMARY_ADDRESS";

/** Redis Sentinel on the media hosts and the monitoring host: promotes a replica when the primary is lost. */
export const renderSentinel: RoleRenderer = ({ topology, host }) => {
  const view = { ...commonView(topology, host), ...primaryLookup(topology, SENTINEL_TEMPLATE), quorum: sentinels(topology).quorum, template: SENTINEL_TEMPLATE, placeholder: PRIMARY_PLACEHOLDER };
  return {
    name: "sentinel",
    files: [{ path: SENTINEL_TEMPLATE, content: renderTemplate("sentinel/sentinel.conf.mustache", view), mode: "0640", owner: "redis:redis" }],
    activate: renderTemplate("sentinel/activate.sh.mustache", view),
    packages: ["redis-sentinel"],
  };
};

import { renderTemplate } from "../template";
import { REDIS_PRIMARY_NAME, sentinels } from "./redis";
import type { RoleRenderer } from "./unit";
import { commonView } from "./view";

/** Where HAProxy serves LiveKit's signalling and lk-jwt-service on the cluster's name. */
export const LIVEKIT_SFU_PATH = "/livekit/sfu";
export const LIVEKIT_JWT_PATH = "/livekit/jwt";

export const renderLivekit: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const { hosts: sentinelHosts } = sentinels(topology);
  return {
    name: "livekit",
    files: [
      { path: "/etc/livekit/livekit.yaml", content: renderTemplate("livekit/livekit.yaml.mustache", { ...view, sentinels: sentinelHosts, primaryName: REDIS_PRIMARY_NAME }), mode: "0600" },
      { path: "/etc/default/lk-jwt-service", content: renderTemplate("livekit/lk-jwt-service.env.mustache", { ...view, sfuPath: LIVEKIT_SFU_PATH }), mode: "0600" },
      { path: "/etc/systemd/system/livekit-server.service", content: renderTemplate("livekit/livekit-server.service.mustache", view), mode: "0644" },
      { path: "/etc/systemd/system/lk-jwt-service.service", content: renderTemplate("livekit/lk-jwt-service.service.mustache", view), mode: "0644" },
    ],
    activate: renderTemplate("livekit/activate.sh.mustache", view),
    packages: [],
    binaries: ["livekit-server"],
  };
};

import { renderTemplate } from "../template";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/** VRRP router id from the deployment name, so two clusters on one LAN do not collide. */
function routerId(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 251;
  return h + 1;
}

export const renderKeepalived: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const lbs = members(topology, "keepalived");
  const rank = lbs.findIndex((m) => m.name === host.name);
  const kaView = { ...view, routerId: routerId(topology.name), priority: 150 - rank * 10, peers: lbs.filter((m) => m.name !== host.name) };
  return {
    name: "keepalived",
    files: [{ path: "/etc/keepalived/keepalived.conf.in", content: renderTemplate("keepalived/keepalived.conf.mustache", kaView), mode: "0600" }],
    activate: renderTemplate("keepalived/activate.sh.mustache", view),
    packages: ["keepalived", "iproute2", "curl"],
  };
};

import { renderTemplate } from "../../render";
import { LIVEKIT_JWT_PATH } from "../media";
import { mediaStore } from "../object-store";
import { elementHostName } from "./element";
import { MDAD_CHECKED_AT } from "./mdad-variables";
import type { RoleRenderer } from "../unit";
import { commonView, members } from "../view";

/**
 * The Synapse host: matrix-docker-ansible-deploy's inventory and vars.yml from the
 * topology, and the rsync daemon the backup server pulls from.
 */
export const renderSynapse: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const d = topology.deployment;
  const sshUser = d.target === "onprem" ? d.onprem.hosts.find((h) => h.name === host.name)?.ssh.user ?? "root" : "root";
  const loadBalancers = members(topology, "haproxy").map((m, i, all) => ({ ...m, last: i === all.length - 1 }));
  // turn: over UDP and TCP, turns: over TLS (the certificate names the address).
  const turnUris = members(topology, "coturn").flatMap((m) => [`turn:${m.address}:3478?transport=udp`, `turn:${m.address}:3478?transport=tcp`, `turns:${m.address}:5349?transport=tcp`]);
  const rtc = members(topology, "livekit").length > 0 ? { jwtUrl: `https://${d.domain}${LIVEKIT_JWT_PATH}` } : undefined;
  const vars = { ...view, scale: d.scale, federation: d.federation, workers: topology.workers, sshUser, loadBalancers, turnUris, mdad: MDAD_CHECKED_AT, elementFqn: elementHostName(d.domain ?? d.serverName), mediaStore: mediaStore(topology), rtc };
  const inventory = "/opt/matrix-platform/inventory";
  const backupHosts = members(topology, "backup");
  return {
    name: "synapse",
    files: [
      { path: `${inventory}/hosts`, content: renderTemplate("synapse/hosts.mustache", vars), mode: "0644" },
      { path: `${inventory}/host_vars/${d.domain}/vars.yml`, content: renderTemplate("synapse/vars.yml.mustache", vars), mode: "0600" },
      ...(backupHosts.length > 0
        ? [
            { path: "/etc/rsyncd.conf", content: renderTemplate("synapse/rsyncd.conf.mustache", { ...view, backupHosts }), mode: "0644" },
            { path: "/etc/rsyncd.secrets", content: renderTemplate("synapse/rsyncd.secrets.mustache", {}), mode: "0600" },
          ]
        : []),
    ],
    activate: renderTemplate("synapse/activate.sh.mustache", { ...view, backupHosts }),
    packages: ["docker.io", "python3", ...(backupHosts.length > 0 ? ["rsync"] : [])],
  };
};

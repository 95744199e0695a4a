import { renderTemplate } from "../template";
import { port } from "../topology/ports";
import { serviceTls } from "./tls";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/** etcd 3.4 (v3 API) on the database hosts: Patroni's DCS, TLS for peers and clients. */
export const renderEtcd: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const initialCluster = members(topology, "etcd").map((m) => `${m.name}=https://${m.address}:${port("etcd.peer")}`).join(",");
  const tls = serviceTls("/etc/etcd/tls", "etcd:etcd");
  return {
    name: "etcd",
    files: [{ path: "/etc/default/etcd", content: renderTemplate("etcd/etcd.env.mustache", { ...view, initialCluster, tls }), mode: "0644" }],
    pki: tls.pki,
    activate: renderTemplate("etcd/activate.sh.mustache", { ...view, tls }),
    packages: ["etcd-server", "etcd-client"],
  };
};

import type { Lab } from "../../tools/lab/lab";

/** etcdctl (v3 API) on a lab database host with the host's etcd certificate; by default a client of its own member. */
export function etcdctl(lab: Lab, host: string, args: string, endpoints = "https://127.0.0.1:2379") {
  return lab.exec(host, `ETCDCTL_API=3 etcdctl --endpoints=${endpoints} --cacert=/etc/etcd/tls/ca.crt --cert=/etc/etcd/tls/host.crt --key=/etc/etcd/tls/host.key --dial-timeout=2s --command-timeout=5s ${args}`);
}

/** Rows of etcdctl's simple output. endpoint status: "url, member id, version, db size, is leader, ..."; member list: "member id, status, name, ...". */
const rows = (r: { stdout: string }) => r.stdout.trim().split("\n").map((l) => l.split(", "));

/** The host whose etcd member leads, as `from`'s member sees the cluster; undefined without a leader. */
export async function etcdLeaderHost(lab: Lab, from: string): Promise<string | undefined> {
  const names = new Map(rows(await etcdctl(lab, from, "member list -w simple")).map((f) => [f[0], f[2]]));
  const leaderId = rows(await etcdctl(lab, from, "endpoint status --cluster -w simple")).find((f) => f[4] === "true")?.[1];
  return leaderId === undefined ? undefined : names.get(leaderId);
}

/** Hands etcd's leadership to `host`'s member: move-leader, sent to the member that leads now. */
export async function handEtcdLeadershipTo(lab: Lab, host: string) {
  const self = rows(await etcdctl(lab, host, "endpoint status -w simple"))[0][1];
  const leaderUrl = rows(await etcdctl(lab, host, "endpoint status --cluster -w simple")).find((f) => f[4] === "true")?.[0];
  if (!leaderUrl) throw new Error(`no etcd member leads, as ${host} sees the cluster`);
  return etcdctl(lab, host, `move-leader ${self}`, leaderUrl);
}

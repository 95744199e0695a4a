import type { Lab } from "../../tools/lab/lab";

/** etcdctl (v3 API) on a lab database host, as a client of its own member, with the host's etcd certificate. */
export function etcdctl(lab: Lab, host: string, args: string) {
  return lab.exec(host, `ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/tls/ca.crt --cert=/etc/etcd/tls/host.crt --key=/etc/etcd/tls/host.key --dial-timeout=2s --command-timeout=5s ${args}`);
}

/** The host whose etcd member leads, as `from`'s member sees the cluster; undefined without a leader. */
export async function etcdLeaderHost(lab: Lab, from: string): Promise<string | undefined> {
  // endpoint status: "url, member id, version, db size, is leader, ..."; member list: "member id, status, name, ..."
  const rows = (r: { stdout: string }) => r.stdout.trim().split("\n").map((l) => l.split(", "));
  const names = new Map(rows(await etcdctl(lab, from, "member list -w simple")).map((f) => [f[0], f[2]]));
  const leaderId = rows(await etcdctl(lab, from, "endpoint status --cluster -w simple")).find((f) => f[4] === "true")?.[1];
  return leaderId === undefined ? undefined : names.get(leaderId);
}

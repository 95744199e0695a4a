// Proves the lab harness (tools/lab/lab.ts): Debian 12 hosts booted with systemd-nspawn
// on a private bridge, reached over real SSH from the control namespace, and removed
// without a trace. Missing programs make it fail (never skip): run scripts/setup-tests.sh.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers/examples";
import { LAB_BASE_DIR, checkLabPrerequisites, cleanupStaleLabs, createLab, labResidue, type Lab } from "../tools/lab/lab";

const HOSTS = [
  { name: "h1", address: "10.77.0.11" },
  { name: "h2", address: "10.77.0.12" },
  { name: "h3", address: "10.77.0.13" },
];
const CONTROL = "10.77.0.2";

/** The root namespace's links and forwarding switch: the lab must not touch them. */
const rootNetwork = () => ({
  links: spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean)
    .map((l) => l.split(":")[1].trim())
    .sort(),
  ipForward: readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim(),
});

let lab: Lab | undefined;
let before: ReturnType<typeof rootNetwork>;
const theLab = (): Lab => {
  if (!lab) throw new Error("the lab was not created (see the first failure)");
  return lab;
};

beforeAll(async () => {
  checkLabPrerequisites();
  cleanupStaleLabs();
  before = rootNetwork();
  const started = Date.now();
  lab = await createLab({ name: "t3", subnet: "10.77.0.0/24", hosts: HOSTS, controlAddress: CONTROL });
  console.log(`lab ${lab.id}: 3 hosts: createLab ${Date.now() - started} ms (network ${lab.timings.networkMs} ms, boot until sshd accepts the key ${lab.timings.bootMs} ms)`);
});

afterAll(async () => {
  await lab?.destroy();
});

test("every host boots systemd fully: is-system-running says running, no unit failed", async () => {
  for (const h of HOSTS) {
    const r = await theLab().exec(h.name, "systemctl is-system-running --wait; systemctl list-units --failed --plain --no-legend");
    expect({ host: h.name, state: r.stdout.trim() }).toEqual({ host: h.name, state: "running" });
  }
  const memory = theLab().memory();
  console.log(`idle memory per host (PSS of its processes): ${memory.map((m) => `${m.host} ${(m.pssKiB / 1024).toFixed(1)} MiB / ${m.processes} processes`).join(", ")}`);
  for (const m of memory) expect(m.processes).toBeGreaterThan(3);
});

test("ssh from the control namespace: root, and debian with passwordless sudo, strict host keys", async () => {
  for (const h of HOSTS) {
    const root = await theLab().sshExec(h.name, "echo $(id -un)@$(hostname) $(cat /etc/machine-id)");
    expect(root.stderr).toBe("");
    expect(root.stdout).toMatch(new RegExp(`^root@${h.name} [0-9a-f]{32}\\n$`));
    const debian = await theLab().sshExec(h.name, "sudo -n true && echo $(id -un) $(sudo -n id -un)", "debian");
    expect(debian.output).toBe("debian root\n");
    // By address too (what tofu's connection blocks use), with the same known_hosts.
    const byAddress = await theLab().runInControl("ssh", ["-F", theLab().sshConfigPath, `root@${h.address}`, "hostname"]);
    expect(byAddress.output).toBe(`${h.name}\n`);
  }
  // Every host has its own host key and machine ID.
  expect(new Set(theLab().hosts.map((h) => h.hostPublicKey)).size).toBe(HOSTS.length);
  const ids = await Promise.all(HOSTS.map((h) => theLab().exec(h.name, "cat /etc/machine-id")));
  expect(new Set(ids.map((r) => r.stdout)).size).toBe(HOSTS.length);
  // Host keys are checked: without the lab's known_hosts the client refuses ...
  const unknownHost = await theLab().runInControl("ssh", ["-F", theLab().sshConfigPath, "-o", "UserKnownHostsFile=/dev/null", "root@h1", "true"]);
  expect(unknownHost.stderr).toMatch(/Host key verification failed/);
  // ... and a client key the hosts do not know is refused.
  const stranger = join(theLab().dir, "stranger");
  expect(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]).status).toBe(0);
  const strangerSsh = ["-F", "/dev/null", "-i", stranger, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${theLab().knownHostsPath}`, "-o", "BatchMode=yes"];
  for (const user of ["root", "debian"]) {
    const r = await theLab().runInControl("ssh", [...strangerSsh, `${user}@${HOSTS[0].address}`, "true"]);
    expect(r.stderr).toMatch(/Permission denied \(publickey/);
  }
});

test("hosts reach each other: ping between lab addresses, and TCP to each other's sshd from inside", async () => {
  const lab = theLab();
  for (const [from, to] of [
    ["h1", "h2"],
    ["h2", "h3"],
    ["h3", "h1"],
  ]) {
    const ping = spawnSync("ip", ["netns", "exec", lab.host(from).netns, "ping", "-c", "1", "-W", "2", lab.host(to).address], { encoding: "utf8" });
    expect({ from, to, status: ping.status, out: ping.stdout.match(/1 received/)?.[0] }).toEqual({ from, to, status: 0, out: "1 received" });
    const tcp = await lab.sshExec(from, `exec 3<>/dev/tcp/${to}/22 && head -c 8 <&3`);
    expect(tcp.stdout).toBe("SSH-2.0-");
  }
  // The control namespace reaches every host the same way.
  for (const h of HOSTS) expect((await lab.runInControl("ping", ["-c", "1", "-W", "2", h.address])).status).toBe(0);
});

// What Keepalived needs from the bridge: VRRP advertisements (IP protocol 112 to
// 224.0.0.18) and gratuitous ARP for a moving VIP reach the other hosts.
const RECEIVE = `
import socket, struct, sys, time
vip = socket.inet_aton(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind(("eth0", 0))
s.settimeout(0.2)
seen, end = set(), time.time() + 8
print("ready", flush=True)
while time.time() < end and len(seen) < 2:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    kind = struct.unpack("!H", f[12:14])[0]
    if kind == 0x0806 and f[28:32] == vip and f[38:42] == vip:
        seen.add("gratuitous-arp")
    if kind == 0x0800 and f[23] == 112 and f[30:34] == socket.inet_aton("224.0.0.18"):
        seen.add("vrrp")
print(" ".join(sorted(seen)))
`;
const SEND = `
import socket, struct, sys, time
vip, me = socket.inet_aton(sys.argv[1]), sys.argv[2]
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind(("eth0", 0))
mac = p.getsockname()[4]
garp = b"\\xff" * 6 + mac + struct.pack("!HHHBBH", 0x0806, 1, 0x0800, 6, 4, 1) + mac + vip + b"\\x00" * 6 + vip
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
r.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
r.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(me))
advert = struct.pack("!BBBBH", 0x31, 51, 100, 1, 100) + b"\\x00\\x00" + vip
for _ in range(25):
    p.send(garp)
    r.sendto(advert, ("224.0.0.18", 0))
    time.sleep(0.2)
`;

test("the bridge passes VRRP multicast and gratuitous ARP between hosts", async () => {
  const lab = theLab();
  const vip = "10.77.0.100";
  const receivers = ["h2", "h3"].map((h) => lab.sshExec(h, `python3 -c '${RECEIVE}' ${vip}`));
  await new Promise((r) => setTimeout(r, 1000));
  const sent = await lab.sshExec("h1", `python3 -c '${SEND}' ${vip} ${lab.host("h1").address}`);
  expect(sent.output).toBe("");
  for (const r of await Promise.all(receivers)) expect(r.output).toBe("ready\ngratuitous-arp vrrp\n");
});

test("no uplink: no default route, only lo and eth0 in a host, nothing changed in the root namespace", async () => {
  const lab = theLab();
  for (const h of HOSTS) {
    const r = await lab.sshExec(h.name, "ip -4 route show default; ip -6 route show default; echo --; ip -o link show | cut -d' ' -f2; ip route get 192.0.2.1 2>&1");
    const [defaults, rest] = r.stdout.split("--\n");
    expect(defaults).toBe("");
    const lines = rest.split("\n");
    expect(lines.slice(0, 2).map((l) => l.replace(/@.*/, "").replace(/:$/, ""))).toEqual(["lo", "eth0"]);
    expect(lines[2]).toBe("RTNETLINK answers: Network is unreachable"); // a route lookup only: nothing is sent
  }
  const bridgeLinks = spawnSync("ip", ["-n", lab.bridgeNs, "-o", "link", "show"], { encoding: "utf8" }).stdout;
  expect(bridgeLinks.split("\n").filter(Boolean).map((l) => l.split(":")[1].trim().split("@")[0]).sort()).toEqual(["br0", "lo", "p-control", "p0", "p1", "p2"]);
  expect(spawnSync("ip", ["-n", lab.bridgeNs, "-4", "addr", "show"], { encoding: "utf8" }).stdout).not.toMatch(/inet (?!127\.)/);
  expect(rootNetwork()).toEqual(before);
});

test("each host is an overlay over the shared base: its changes land in its own upper dir", async () => {
  const lab = theLab();
  expect((await lab.sshExec("h1", "echo changed > /etc/lab-marker && dpkg-query -W -f='${Status}' postgresql 2>&1; true")).stdout).toMatch(/no packages found|not-installed/);
  expect(readFileSync(join(lab.host("h1").upperDir, "etc", "lab-marker"), "utf8")).toBe("changed\n");
  expect(existsSync(join(LAB_BASE_DIR, "etc", "lab-marker"))).toBe(false);
  expect(existsSync(join(lab.host("h2").upperDir, "etc", "lab-marker"))).toBe(false);
  expect(readFileSync(`${LAB_BASE_DIR}.stamp`, "utf8")).toMatch(/packages=systemd systemd-sysv dbus openssh-server sudo iproute2 python3 ca-certificates curl procps less/);
});

test("a host that loses power is silent to its peers, and boots again from its own disk when the power is back", async () => {
  const lab = theLab();
  await lab.sshExec("h3", "echo kept > /var/lib/lab-disk && sync");
  lab.crash("h3");
  expect((await lab.runInControl("ping", ["-c", "1", "-W", "1", lab.host("h3").address])).status).not.toBe(0);
  const started = Date.now();
  await lab.powerOn("h3");
  console.log(`lab: h3 powered on, sshd up in ${Date.now() - started} ms`);
  expect((await lab.sshExec("h3", "cat /var/lib/lab-disk")).stdout).toBe("kept\n");
  expect((await lab.runInControl("ping", ["-c", "1", "-W", "2", lab.host("h3").address])).status).toBe(0);
  expect((await lab.exec("h3", "systemctl is-system-running --wait")).stdout.trim()).toBe("running");
});

test("a replaced machine: same name and address, empty disks, a new host key that the lab's ssh knows, and its peers reach it", async () => {
  const lab = theLab();
  const oldKey = lab.host("h3").hostPublicKey;
  await lab.sshExec("h3", "echo old > /var/lib/lab-disk && echo old > /srv/lab-data && sync");
  await lab.replaceMachine("h3");
  const h3 = lab.host("h3");
  expect(h3.hostPublicKey).not.toBe(oldKey);
  expect((await lab.sshExec("h3", "cat /etc/ssh/ssh_host_ed25519_key.pub")).stdout.split(" ").slice(0, 2).join(" ")).toBe(h3.hostPublicKey);
  expect(readFileSync(lab.knownHostsPath, "utf8")).toContain(`h3,${h3.address} ${h3.hostPublicKey}\n`);
  expect((await lab.sshExec("h3", "ls /var/lib/lab-disk /srv/lab-data 2>&1; hostname; ip -4 -o addr show eth0")).stdout).toMatch(new RegExp(`No such file.*\\n.*No such file.*\\nh3\\n.* inet ${h3.address.replaceAll(".", "\\.")}/`, "s"));
  expect(spawnSync("ip", ["netns", "exec", lab.host("h1").netns, "ping", "-c", "1", "-W", "2", h3.address]).status).toBe(0);
});

test("destroy() leaves no namespace, bridge, mount, cgroup, process or temp dir", async () => {
  const lab = theLab();
  expect(labResidue(lab.id).length).toBeGreaterThan(0);
  const started = Date.now();
  await lab.destroy();
  console.log(`destroy of 3 hosts: ${Date.now() - started} ms`);
  expect(labResidue(lab.id)).toEqual([]);
  expect(existsSync(lab.dir)).toBe(false);
  expect(rootNetwork()).toEqual(before);
  await lab.destroy(); // idempotent
});

test("5 hosts boot and accept SSH in well under a minute", async () => {
  const five = await createLab({
    name: "t5",
    hosts: [1, 2, 3, 4, 5].map((i) => ({ name: `n${i}`, address: `10.77.1.${10 + i}` })),
    controlAddress: "10.77.1.2",
  });
  try {
    console.log(`lab ${five.id}: 5 hosts: network ${five.timings.networkMs} ms, boot until every sshd accepts the key ${five.timings.bootMs} ms`);
    expect(five.timings.bootMs).toBeLessThan(30_000);
    const names = await Promise.all(five.hosts.map((h) => five.sshExec(h.name, "hostname", "debian")));
    expect(names.map((r) => r.stdout.trim())).toEqual(["n1", "n2", "n3", "n4", "n5"]);
  } finally {
    await five.destroy();
  }
  expect(labResidue(five.id)).toEqual([]);
});

/** A lab created by a child process that then dies by SIGKILL (no afterAll, no exit handler). */
function crashedChild(name: string, env: NodeJS.ProcessEnv): { id: string } {
  const script = `
    const { createLab } = require(${JSON.stringify(join(ROOT, "tools", "lab", "lab.ts"))});
    createLab({ name: ${JSON.stringify(name)}, hosts: [{ name: "c1", address: "10.77.2.11" }], controlAddress: "10.77.2.2" })
      .then((lab) => { console.log(lab.id); process.kill(process.pid, "SIGKILL"); });`;
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), ["-e", script], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 300_000 });
  // tsx runs the script in a child node process and exits 128 + 9 when that is killed.
  expect({ exit: r.status ?? r.signal, stderr: r.stderr }).toEqual({ exit: 137, stderr: "" });
  return { id: r.stdout.trim() };
}

test("a crashed run's lab is removed by cleanupStaleLabs()", () => {
  const { id } = crashedChild("crash", { LAB_NO_REAPER: "1" });
  expect(labResidue(id).length).toBeGreaterThan(0);
  const removed = cleanupStaleLabs();
  expect(removed.join("\n")).toContain(id);
  expect(labResidue(id)).toEqual([]);
});

test("... and by the lab's reaper, as soon as the owner dies", async () => {
  const { id } = crashedChild("reaped", {});
  const deadline = Date.now() + 30_000;
  while (labResidue(id).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  expect(labResidue(id)).toEqual([]);
});

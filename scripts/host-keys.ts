/**
 * Pins the SSH host keys of an on-prem deployment's hosts and bastion in its known_hosts
 * file (onprem.known_hosts, default <name>.known_hosts beside the deployment file), which
 * the provisioners' connections check before they send anything.
 *
 *   npm run host-keys -- <deployment.yaml> [--replaced <host>,...]
 *
 * Keys are read with ssh-keyscan: directly, or through the bastion (over an SSH connection
 * that checks the bastion's pinned key). Each host's fingerprint is printed as
 * `ssh-keygen -lf` prints it: compare it with the host's own, out of band (its console:
 * ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub). New keys are added; a pinned key is
 * never replaced: a host that now shows another key is reported as a possible impostor and
 * the command exits 1. --replaced names hosts that are new machines in the old ones' places
 * (a restore onto new hosts): their pinned keys give way to the keys they show now, printed
 * as for a new host, to compare with their consoles.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exitOnDeploymentError } from "../constructs/deployment/errors";
import { hostKeyText, knownHostsName, knownHostsText, negotiatedKey, readKnownHostsFile, type HostKey } from "../constructs/deployment/known-hosts";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment, SshAccess } from "../constructs/deployment/model";
import { run } from "../tools/programs";

const KEY_TYPES = "ecdsa,rsa,ed25519";

interface Target {
  /** What the operator reads: the host's name, or "bastion". */
  readonly label: string;
  /** The known_hosts name: address, or [address]:port. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** `host type key` lines of ssh-keyscan, by known_hosts name. */
function parseScan(stdout: string): Map<string, HostKey[]> {
  const found = new Map<string, HostKey[]>();
  for (const line of stdout.split("\n")) {
    const [name, type, blob] = line.trim().split(/\s+/);
    if (!name || name.startsWith("#") || !blob) continue;
    found.set(name, [...(found.get(name) ?? []), { type, blob }]);
  }
  return found;
}

/** ssh-keyscan's arguments for one target (its -p applies to every host of a call). */
const scanArgs = (t: Target) => ["-T", "10", "-t", KEY_TYPES, "-p", String(t.port), t.address];

/** ssh-keyscan from this machine. One call per target: each may have its own port. */
function scanDirect(targets: readonly Target[]): Map<string, HostKey[]> {
  const found = new Map<string, HostKey[]>();
  for (const t of targets) for (const [name, keys] of parseScan(run("ssh-keyscan", scanArgs(t)).stdout)) found.set(name, keys);
  return found;
}

/**
 * ssh-keyscan run on the bastion, over a connection that accepts only the bastion's pinned
 * key (any key when the deployment skips the bastion's check).
 */
function scanThroughBastion(targets: readonly Target[], bastion: Target, bastionKey: HostKey | undefined, access: SshAccess, tmp: string): Map<string, HostKey[]> {
  const knownHosts = join(tmp, "bastion_known_hosts");
  writeFileSync(knownHosts, bastionKey ? knownHostsText([{ name: bastion.name, key: bastionKey }]) : "");
  const check = bastionKey ? ["-o", "StrictHostKeyChecking=yes"] : ["-o", "StrictHostKeyChecking=no"];
  const found = new Map<string, HostKey[]>();
  for (const t of targets) {
    const r = run("ssh", [
      "-o", "BatchMode=yes", ...check, "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
      "-p", String(access.port), ...(access.privateKeyPath ? ["-i", access.privateKeyPath.replace(/^~(?=\/)/, process.env.HOME ?? "~"), "-o", "IdentitiesOnly=yes"] : []),
      `${access.user}@${bastion.address}`, "ssh-keyscan", ...scanArgs(t),
    ]);
    if (r.status === 255) throw new Error(`ssh to the bastion ${bastion.address} failed: ${r.stderr.trim()}`);
    for (const [name, keys] of parseScan(r.stdout)) found.set(name, keys);
  }
  return found;
}

/** The fingerprint line `ssh-keygen -lf` prints for one key. */
function fingerprint(name: string, key: HostKey, tmp: string): string {
  const file = join(tmp, "one");
  writeFileSync(file, knownHostsText([{ name, key }]));
  return run("ssh-keygen", ["-lf", file]).stdout.trim();
}

type Verdict = "new" | "unchanged" | "changed" | "unreachable";

/** Compares what a target offers with what is pinned, prints one line, and queues a new key. */
function judge(t: Target, offered: readonly HostKey[], pinned: readonly HostKey[], tmp: string, added: { name: string; key: HostKey; comment: string }[], file: string): Verdict {
  const key = negotiatedKey(offered);
  if (!key) {
    console.log(`${t.label} ${t.address}: UNREACHABLE: no SSH host key read (port ${t.port})`);
    return "unreachable";
  }
  const print = `${t.label} ${t.address}: ${fingerprint(t.name, key, tmp)}`;
  if (pinned.length === 0) {
    added.push({ name: t.name, key, comment: t.label });
    console.log(`${print} NEW (pinned now: compare it with the host's own)`);
    return "new";
  }
  if (pinned.some((k) => hostKeyText(k) === hostKeyText(key))) {
    console.log(`${print} unchanged`);
    return "unchanged";
  }
  const was = negotiatedKey(pinned) ?? pinned[0];
  console.log(
    `${print} CHANGED: pinned ${fingerprint(t.name, was, tmp).split(" ")[1]}: possibly an impostor; the pinned key is kept. If the host was reinstalled or replaced, check its new fingerprint on its console, then ${t.label === "bastion" ? `delete its line from ${file} and run this again` : `run this again with --replaced ${t.label}`}`,
  );
  return "changed";
}

function main(file: string, replacedList: string | undefined): number {
  const d = exitOnDeploymentError(() => loadDeploymentFile(file));
  if (d.target !== "onprem") {
    console.error(`error: ${file}: target is ${d.target}; host keys are pinned for on-prem deployments only`);
    return 2;
  }
  const deployment: OnPremDeployment = d;
  const { bastion } = deployment.onprem;
  // Hosts marked insecure_skip_host_key_check need no key (and may not exist yet).
  const skipped = deployment.onprem.hosts.filter((h) => h.ssh.hostKey.kind === "skipped");
  if (skipped.length > 0) console.log(`not checked (insecure_skip_host_key_check): ${skipped.map((h) => h.name).join(", ")}`);
  const hosts: Target[] = deployment.onprem.hosts
    .filter((h) => h.ssh.hostKey.kind !== "skipped")
    .map((h) => ({ label: h.name, name: knownHostsName(h.address, h.ssh.port), address: h.address, port: h.ssh.port }));
  const replaced = new Set(replacedList?.split(",").map((n) => n.trim()).filter(Boolean));
  const unknown = [...replaced].filter((n) => !hosts.some((t) => t.label === n));
  if (replacedList !== undefined && (replaced.size === 0 || unknown.length > 0)) {
    console.error(`error: --replaced ${JSON.stringify(replacedList)}: ${replaced.size === 0 ? "no host named" : `no host ${unknown.map((n) => `"${n}"`).join(", ")} with a pinned key in ${deployment.name}`}; its hosts: ${hosts.map((t) => t.label).join(", ")}`);
    return 2;
  }
  const knownHostsFile = deployment.onprem.knownHosts;
  const pinned = exitOnDeploymentError(() => readKnownHostsFile(knownHostsFile));
  const pinnedOf = (t: Target) => (replaced.has(t.label) ? [] : (pinned.keys.get(t.name) ?? []));
  const added: { name: string; key: HostKey; comment: string }[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "host-keys-"));
  try {
    let offered: Map<string, HostKey[]>;
    if (bastion) {
      const b: Target = { label: "bastion", name: knownHostsName(bastion.host, bastion.port), address: bastion.host, port: bastion.port };
      let bastionKey: HostKey | undefined;
      if (bastion.hostKey.kind !== "skipped") {
        const verdict = judge(b, scanDirect([b]).get(b.name) ?? [], pinnedOf(b), tmp, added, knownHostsFile);
        if (verdict === "changed" || verdict === "unreachable") {
          console.log("the hosts behind the bastion were not checked");
          return 1;
        }
        // Through the bastion, over a connection that accepts only the key just judged.
        bastionKey = negotiatedKey([...pinnedOf(b), ...added.map((a) => a.key)])!;
      } else {
        console.log(`not checked (insecure_skip_host_key_check): the bastion ${bastion.host}`);
      }
      try {
        offered = scanThroughBastion(hosts, b, bastionKey, bastion, tmp);
      } catch (e) {
        console.log(`${(e as Error).message}; the hosts behind it were not checked`);
        return 1;
      }
    } else {
      offered = scanDirect(hosts);
    }
    const verdicts = hosts.map((t) => judge(t, offered.get(t.name) ?? [], pinnedOf(t), tmp, added, knownHostsFile));
    if (added.length > 0) {
      // A replaced host's old line goes once its new key is read; unread, it stays.
      const gone = new Set(added.map((a) => a.name).filter((name) => hosts.some((t) => t.name === name && replaced.has(t.label))));
      const kept = pinned.text.split("\n").filter((line) => !line.trim().split(/\s+/)[0].split(",").some((name) => gone.has(name))).join("\n");
      const next = `${kept}${kept && !kept.endsWith("\n") ? "\n" : ""}${knownHostsText(added)}`;
      writeFileSync(`${knownHostsFile}.tmp`, next, { mode: 0o644 });
      renameSync(`${knownHostsFile}.tmp`, knownHostsFile);
      console.log(`wrote ${added.length} new key(s) to ${knownHostsFile}`);
    }
    return verdicts.some((v) => v === "changed" || v === "unreachable") ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const USAGE = "usage: npm run host-keys -- <deployment.yaml> [--replaced <host>,...]";
const cli = (() => {
  try {
    return parseArgs({ options: { replaced: { type: "string" }, help: { type: "boolean", short: "h" } }, allowPositionals: true });
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n${USAGE}`);
    return process.exit(2);
  }
})();
if (cli.values.help || cli.positionals.length !== 1) {
  console.log(USAGE);
  process.exit(cli.values.help ? 0 : 2);
}
process.exit(main(cli.positionals[0], cli.values.replaced));

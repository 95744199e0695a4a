import { readFileSync } from "node:fs";
import { DeploymentError } from "./errors";
import type { OnPremDeployment } from "./model";

/** One host's public key as a known_hosts line carries it. */
export interface HostKey {
  /** ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ... */
  readonly type: string;
  /** The base64 key blob. */
  readonly blob: string;
}

/** `type blob`: the form OpenTofu's `host_key` and `bastion_host_key` take. */
export const hostKeyText = (key: HostKey): string => `${key.type} ${key.blob}`;

/**
 * The order in which OpenTofu's SSH client (Go's x/crypto/ssh, as OpenTofu 1.10 builds it)
 * negotiates host key types: a host that offers several presents the first of these it
 * has, so that is the key to pin (OpenTofu checks exactly one key per host).
 */
export const OPENTOFU_HOST_KEY_ORDER = ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-ed25519"] as const;

/** The key OpenTofu will be shown, among the keys a host offers; undefined when it offers none of those types. */
export function negotiatedKey(keys: readonly HostKey[]): HostKey | undefined {
  for (const type of OPENTOFU_HOST_KEY_ORDER) {
    const key = keys.find((k) => k.type === type);
    if (key) return key;
  }
  return undefined;
}

/** The name a known_hosts line uses for a host: `address`, or `[address]:port` off port 22. */
export const knownHostsName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

/**
 * Parses an OpenSSH known_hosts file: `names type key [comment]` lines, names separated
 * by commas. Hashed names (`|1|...`) and markers (`@cert-authority`, `@revoked`) cannot
 * be matched to the inventory, so they are refused with the line number.
 */
export function parseKnownHosts(text: string, file: string): ReadonlyMap<string, readonly HostKey[]> {
  const keys = new Map<string, HostKey[]>();
  const problems: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const at = `${file}, line ${i + 1}`;
    const fields = line.split(/\s+/);
    if (fields[0].startsWith("@")) return problems.push(`${at}: ${fields[0]} entries are not supported; pin each host's own key (npm run host-keys writes them)`);
    if (fields.length < 3 || !/^[A-Za-z0-9+/]+={0,2}$/.test(fields[2])) return problems.push(`${at}: not a known_hosts line ("host type key")`);
    for (const name of fields[0].split(",")) {
      if (name.startsWith("|")) return problems.push(`${at}: hashed host names cannot be matched to the inventory; write plain entries (npm run host-keys writes them)`);
      keys.set(name, [...(keys.get(name) ?? []), { type: fields[1], blob: fields[2] }]);
    }
    return undefined;
  });
  if (problems.length > 0) throw new DeploymentError(problems);
  return keys;
}

/**
 * A known_hosts file's text and pinned keys; empty when the file does not exist yet
 * (`npm run host-keys` writes it).
 */
export function readKnownHostsFile(file: string): { readonly text: string; readonly keys: ReadonlyMap<string, readonly HostKey[]> } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { text: "", keys: new Map() };
    throw new DeploymentError([`onprem.known_hosts: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e})`]);
  }
  return { text, keys: parseKnownHosts(text, file) };
}

/** Renders known_hosts lines, one key per host, in the given order. */
export function knownHostsText(entries: ReadonlyArray<{ readonly name: string; readonly key: HostKey; readonly comment?: string }>): string {
  return entries.map((e) => `${e.name} ${hostKeyText(e.key)}${e.comment ? ` ${e.comment}` : ""}\n`).join("");
}

/** The command that pins the keys, for messages. */
export const hostKeysCommand = (d: OnPremDeployment) => `npm run host-keys -- ${d.source ?? "<deployment.yaml>"}`;

/** The hosts (and bastion) whose key is not checked, by name, for the plan's warning. */
export function unverifiedHosts(d: OnPremDeployment): string[] {
  return [...d.onprem.hosts.filter((h) => h.ssh.hostKey.kind === "skipped").map((h) => h.name), ...(d.onprem.bastion?.hostKey.kind === "skipped" ? [`bastion ${d.onprem.bastion.host}`] : [])];
}

/**
 * Refuses, in one line, a deployment with a host or bastion whose SSH host key is neither
 * pinned nor explicitly unchecked: provisioners would hand every secret, every private key
 * and root to whoever answers at its address.
 */
export function checkHostKeys(d: OnPremDeployment): void {
  const missing = [...d.onprem.hosts.filter((h) => h.ssh.hostKey.kind === "missing").map((h) => `${h.name} (${h.address})`), ...(d.onprem.bastion?.hostKey.kind === "missing" ? [`the bastion (${d.onprem.bastion.host})`] : [])];
  if (missing.length === 0) return;
  throw new DeploymentError(
    [`onprem.known_hosts: no SSH host key pinned for ${missing.join(", ")} in ${d.onprem.knownHosts}; run \`${hostKeysCommand(d)}\` and compare the fingerprints it prints with each host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on its console), or set onprem.ssh.insecure_skip_host_key_check: true`],
    d.source,
  );
}

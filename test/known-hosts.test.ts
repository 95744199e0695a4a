// Pinned SSH host keys: the known_hosts file beside the deployment, the key OpenTofu will be
// shown, and the deployment file's explicit opt-out.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { negotiatedKey, parseKnownHosts } from "../constructs/deployment/known-hosts";
import { parseDeployment } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { copyOnPremExample } from "./helpers/example-copy";
import { editedExample, runProjectScript } from "./helpers/examples";

const ED25519 = { type: "ssh-ed25519", blob: "AAAAC3NzaC1lZDI1NTE5AAAAIA" };
const ECDSA = { type: "ecdsa-sha2-nistp256", blob: "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI" };
const RSA = { type: "ssh-rsa", blob: "AAAAB3NzaC1yc2EAAAADAQABAAABgQ" };

test("the pinned key is the one OpenTofu's SSH client negotiates first: ECDSA, then RSA, then Ed25519", () => {
  expect(negotiatedKey([ED25519, RSA, ECDSA])).toEqual(ECDSA);
  expect(negotiatedKey([ED25519, RSA])).toEqual(RSA);
  expect(negotiatedKey([ED25519])).toEqual(ED25519);
  expect(negotiatedKey([{ type: "ssh-dss", blob: "AAAA" }])).toBeUndefined();
});

test("known_hosts lines are read by name, with a non-standard port as [address]:port", () => {
  const keys = parseKnownHosts(`# comment\n10.0.0.1,db1 ${ED25519.type} ${ED25519.blob} db1\n[10.0.0.2]:2222 ${RSA.type} ${RSA.blob}\n\n`, "f");
  expect(keys.get("10.0.0.1")).toEqual([ED25519]);
  expect(keys.get("db1")).toEqual([ED25519]);
  expect(keys.get("[10.0.0.2]:2222")).toEqual([RSA]);
  expect(() => parseKnownHosts("@cert-authority *.example ssh-ed25519 AAAA\n", "f")).toThrow("f, line 1: @cert-authority entries are not supported");
  expect(() => parseKnownHosts("10.0.0.1 ssh-ed25519\n", "f")).toThrow('f, line 1: not a known_hosts line ("host type key")');
});

describe("a deployment's hosts get the key pinned for their address and SSH port", () => {
  const dir = mkdtempSync(join(tmpdir(), "known-hosts-"));
  const load = (text: string) => parseDeployment(text, join(dir, "chat.yaml")) as OnPremDeployment;
  writeFileSync(join(dir, "z3r0d3v-small.known_hosts"), `10.10.2.11 ${ED25519.type} ${ED25519.blob}\n10.10.2.12 ${ED25519.type} ${ED25519.blob}\n10.10.2.12 ${ECDSA.type} ${ECDSA.blob}\n`);

  test("pinned where the file has it, missing elsewhere", () => {
    const d = load(editedExample("onprem-small", () => undefined));
    const check = (name: string) => d.onprem.hosts.find((h) => h.name === name)!.ssh.hostKey;
    expect(check("db1")).toEqual({ kind: "pinned", key: `${ED25519.type} ${ED25519.blob}` });
    expect(check("db2")).toEqual({ kind: "pinned", key: `${ECDSA.type} ${ECDSA.blob}` });
    expect(check("db3")).toEqual({ kind: "missing" });
  });

  test("insecure_skip_host_key_check, for every host or for one, is an explicit opt-out", () => {
    const all = load(editedExample("onprem-small", (doc) => doc.setIn(["onprem", "ssh", "insecure_skip_host_key_check"], true)));
    expect(new Set(all.onprem.hosts.map((h) => h.ssh.hostKey.kind))).toEqual(new Set(["skipped"]));
    const one = load(editedExample("onprem-small", (doc) => doc.setIn(["onprem", "hosts", 3, "insecure_skip_host_key_check"], true)));
    expect(one.onprem.hosts[3].ssh.hostKey).toEqual({ kind: "skipped" });
    expect(one.onprem.hosts[1].ssh.hostKey.kind).toBe("pinned");
  });
});

describe("npm run host-keys --replaced", () => {
  test.each([
    ["a name that is no host", "db1,dbx", 'error: --replaced "db1,dbx": no host "dbx" with a pinned key in hostkeys-small; its hosts: synapse1, db1, db2, db3, lb1, lb2, obj1, obj2, obj3, obj4, turn1, turn2, rtc1, rtc2, mon1, backup1'],
    ["an empty list", ",", 'error: --replaced ",": no host named; its hosts: synapse1, db1, db2, db3, lb1, lb2, obj1, obj2, obj3, obj4, turn1, turn2, rtc1, rtc2, mon1, backup1'],
  ])("refuses %s in one line, before reading any key, and leaves the pinned keys as they were", (_what, list, message) => {
    const dir = mkdtempSync(join(tmpdir(), "host-keys-"));
    const file = copyOnPremExample("onprem-small", dir, "hostkeys-small");
    const pinned = readFileSync(join(dir, "z3r0d3v-small.known_hosts"), "utf8");
    const r = runProjectScript("host-keys.ts", [file, "--replaced", list], dir);
    expect({ status: r.status, stderr: r.stderr.trim(), stdout: r.stdout }).toEqual({ status: 2, stderr: message, stdout: "" });
    expect(readFileSync(join(dir, "z3r0d3v-small.known_hosts"), "utf8")).toBe(pinned);
  });
});

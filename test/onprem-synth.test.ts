import type { OnPremDeployment } from "../constructs/deployment/model";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadExample, ROOT } from "./helpers/examples";
import { provisionerResources, synth } from "./helpers/synth";

describe("on-prem HA stack", () => {
  const deployment = loadExample("onprem-small") as OnPremDeployment;
  const { json, config } = synth(deployment);
  const nulls = provisionerResources(config);

  test("one terraform_data provisioner per (host, role), plus each host's base layer and preflight", () => {
    const expected = deployment.target === "onprem" ? deployment.onprem.hosts.flatMap((h) => ["preflight", "base", ...h.roles].map((r) => `${h.name}_${r}`)) : [];
    expect(Object.keys(nulls).sort()).toEqual(expected.sort());
  });

  test("each has an SSH connection, file and remote-exec provisioners, and a content-hash trigger", () => {
    const r = nulls.db1_pgbouncer;
    expect(r.connection).toMatchObject({ type: "ssh", host: "10.10.2.11", user: "debian", agent: "true" });
    const kinds = r.provisioner.map((p: object) => Object.keys(p)[0]);
    expect(kinds[0]).toBe("remote-exec");
    expect(kinds.at(-1)).toBe("remote-exec");
    // every rendered file of the role, plus its activation script and the install script
    const rendered = Object.keys(config.resource.terraform_data).filter((k) => k.startsWith("db1_pgbouncer_")).length;
    expect(rendered).toBe(2);
    expect(kinds.filter((k: string) => k === "file").length).toBe(rendered + 2);
    expect(r.triggers_replace).toEqual({ host: "db1", role: "pgbouncer", content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  describe("SSH host keys", () => {
    const pinnedKey = (address: string) => readFileSync(join(ROOT, "examples", "z3r0d3v-small.known_hosts"), "utf8").split("\n").find((l) => l.startsWith(`${address} `))!.split(" ").slice(1, 3).join(" ");

    test("every connection checks the key pinned for its host in the deployment's known_hosts", () => {
      expect(nulls.db1_pgbouncer.connection.host_key).toBe(pinnedKey("10.10.2.11"));
      expect(nulls.lb2_haproxy.connection.host_key).toBe(pinnedKey("10.10.3.12"));
      for (const r of Object.values(nulls) as { connection: { host: string; host_key: string } }[]) expect(r.connection.host_key).toBe(pinnedKey(r.connection.host));
      expect(config).not.toHaveProperty("check");
    });

    test("through a bastion, the bastion's own key is checked too", () => {
      const bastionKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBastionKeyForTheSynthTestOnly000000000000000";
      const viaBastion: OnPremDeployment = { ...deployment, onprem: { ...deployment.onprem, bastion: { host: "10.10.99.5", user: "jump", port: 22, useAgent: true, hostKey: { kind: "pinned", key: bastionKey } } } };
      const connection = provisionerResources(synth(viaBastion).config).db1_etcd.connection;
      expect(connection).toMatchObject({ host_key: pinnedKey("10.10.2.11"), bastion_host: "10.10.99.5", bastion_host_key: bastionKey });
    });

    test("insecure_skip_host_key_check drops the check for those hosts only, and every plan warns about them", () => {
      const skipped: OnPremDeployment = { ...deployment, onprem: { ...deployment.onprem, hosts: deployment.onprem.hosts.map((h) => (h.name === "db1" || h.name === "mon1" ? { ...h, ssh: { ...h.ssh, hostKey: { kind: "skipped" } } } : h)) } };
      const c = synth(skipped).config as typeof config & { locals: Record<string, unknown>; check: Record<string, { assert: { condition: string; error_message: string }[] }> };
      expect(provisionerResources(c).db1_etcd.connection.host_key).toBeUndefined();
      expect(provisionerResources(c).db2_etcd.connection.host_key).toBe(pinnedKey("10.10.2.12"));
      expect(c.locals.unverified_host_keys).toEqual(["db1", "mon1"]);
      expect(c.check.host_keys.assert[0].condition).toBe("${length(local.unverified_host_keys) == 0}");
    });
  });

  describe("TLS from the cluster PKI", () => {
    const pki = deployment.onprem.pki;
    const uploads = (name: string) => nulls[name].provisioner.flatMap((p: { file?: { source?: string; destination: string } }) => (p.file?.source ? [p.file.source] : []));

    test("certificates and keys are uploaded by path from the PKI folder, never as content", () => {
      expect(uploads("db1_etcd")).toEqual([`${pki}/ca.crt`, `${pki}/hosts/db1.crt`, `${pki}/hosts/db1.key`]);
      expect(uploads("lb2_haproxy")).toEqual([`${pki}/ca.crt`, `${pki}/hosts/lb2.crt`, `${pki}/hosts/lb2.key`]);
      // The monitoring host's own certificate: the blackbox probes pass etcd's client-certificate check.
      expect(uploads("mon1_monitoring")).toEqual([`${pki}/ca.crt`, `${pki}/hosts/mon1.crt`, `${pki}/hosts/mon1.key`]);
      expect(uploads("db1_pgbouncer")).toEqual([]);
      expect(json).not.toMatch(/BEGIN|PRIVATE KEY/);
    });

    test("a re-issued certificate re-runs the units that install it (hash read by tofu at plan time)", () => {
      expect(nulls.db2_patroni.triggers_replace.certificates_sha256).toBe(`\${sha256(join(",", [filesha256("${pki}/ca.crt"), filesha256("${pki}/hosts/db2.crt")]))}`);
      expect(nulls.mon1_monitoring.triggers_replace.certificates_sha256).toBe(`\${sha256(join(",", [filesha256("${pki}/ca.crt"), filesha256("${pki}/hosts/mon1.crt")]))}`);
    });

    test("keys are installed readable only by the service that uses them", () => {
      const install = (name: string) => nulls[name].provisioner.find((p: { file?: { destination: string } }) => p.file?.destination.endsWith("install.sh")).file.content as string;
      expect(install("db1_etcd")).toMatch(/install -D -m 0600 '[^']+' '\/etc\/etcd\/tls\/host.key'/);
      expect(install("db1_etcd")).toContain("chown etcd:etcd '/etc/etcd/tls/host.key'");
      expect(install("db1_patroni")).toContain("chown postgres:postgres '/etc/patroni/tls/host.key'");
      expect(install("lb1_haproxy")).toMatch(/install -D -m 0600 '[^']+' '\/etc\/haproxy\/tls\/public.pem.key'/);
    });
  });

  test("dependencies follow the role order across hosts", () => {
    expect(nulls.db2_patroni.depends_on).toEqual(expect.arrayContaining(["terraform_data.db1_etcd", "terraform_data.db2_etcd", "terraform_data.db3_etcd", "terraform_data.db2_base"]));
    expect(nulls.lb1_haproxy.depends_on).toEqual(expect.arrayContaining(["terraform_data.db1_pgbouncer", "terraform_data.db3_patroni"]));
    expect(nulls.db1_etcd.depends_on).toEqual(["terraform_data.db1_base"]);
  });

  test("each rendered file has a review copy in the state (plan shows its diff, secrets by name), nothing on the planning machine's disk", () => {
    expect(config.resource.terraform_data.db1_pgbouncer_etc_pgbouncer_userlist_txt.input).toEqual({
      host: "db1",
      path: "/etc/pgbouncer/userlist.txt",
      content: '"synapse" "<secret:synapse_db>"\n"pgbouncer_admin" "<secret:pgbouncer_auth>"\n',
    });
    expect(config.resource.local_file).toBeUndefined();
    // Existing deployments' local_file copies leave the state without being deleted.
    expect(config.removed).toContainEqual({ from: "local_file.db1_pgbouncer_etc_pgbouncer_userlist_txt", lifecycle: { destroy: false } });
  });

  test("secrets are random_password references, resolved only at apply time", () => {
    const upload = nulls.db1_pgbouncer.provisioner.find((p: any) => p.file?.destination.endsWith("/file-1")).file;
    expect(upload.content).toBe('"synapse" "${random_password.secret_synapse_db.result}"\n"pgbouncer_admin" "${random_password.secret_pgbouncer_auth.result}"\n');
    expect(Object.keys(config.resource.random_password)).toContain("secret_synapse_db");
    expect(json).not.toMatch(/@@secret:/);
  });

  test("shell text keeps its own ${...}: escaped for Terraform", () => {
    const install = nulls.db1_base.provisioner.find((p: any) => p.file?.destination.endsWith("/install.sh")).file;
    expect(install.content).toContain("set -eu");
    const keepalived = nulls.lb1_keepalived.provisioner.find((p: any) => p.file?.destination.endsWith("/activate.sh")).file;
    expect(keepalived.content).not.toMatch(/(^|[^$])\$\{(?!random_password)/);
  });

  test("packages are installed after the rendered files (config kept) and before activation", () => {
    const install = nulls.db1_patroni.provisioner.find((p: any) => p.file?.destination.endsWith("/install.sh")).file.content as string;
    const lines = install.split("\n");
    const apt = lines.findIndex((l) => l.startsWith("/usr/local/sbin/matrix-apt-install "));
    expect(lines[apt]).toBe("/usr/local/sbin/matrix-apt-install patroni postgresql-15 postgresql-client-15 prometheus-postgres-exporter pgbackrest");
    expect(lines.findIndex((l) => l.includes("/etc/postgresql-common/createcluster.conf"))).toBeLessThan(apt);
    expect(lines.findIndex((l) => l.includes("activate.sh"))).toBeGreaterThan(apt);
    // Owners that packages create (postgres) are applied after the packages.
    expect(lines.findIndex((l) => l === "chown root:postgres '/etc/patroni/config.yml'")).toBeGreaterThan(apt);
  });

  test("with an offline bundle, every host gets it before anything else, re-sent only when its content changes", () => {
    const bundled = provisionerResources(synth({ ...deployment, onprem: { ...deployment.onprem, bundle: "/srv/bundles/matrix-bundle-small-0123abcd.tar" } }).config);
    expect(bundled.db1_bundle.triggers_replace).toEqual({ host: "db1", bundle_sha256: '${filesha256("/srv/bundles/matrix-bundle-small-0123abcd.tar")}' });
    expect(bundled.db1_bundle.provisioner[0].file).toEqual({ source: "/srv/bundles/matrix-bundle-small-0123abcd.tar", destination: "/var/tmp/matrix-platform-bundle.tar" });
    // The host installs it only with the SHA-256 the plan recorded in the trigger (not the file's at apply time).
    expect(bundled.db1_bundle.provisioner[1].file.content).toContain("expected=${self.triggers_replace.bundle_sha256}\n");
    expect(bundled.db1_base.depends_on).toEqual(["terraform_data.db1_bundle"]);
    expect(nulls.db1_bundle).toBeUndefined();
    // The Synapse unit runs the playbook the bundle carries: a new bundle re-runs it, and no other unit.
    expect(bundled.synapse1_synapse.triggers_replace.bundle_sha256).toBe('${filesha256("/srv/bundles/matrix-bundle-small-0123abcd.tar")}');
    expect(Object.keys(bundled).filter((r) => bundled[r].triggers_replace.bundle_sha256 !== undefined && !r.endsWith("_bundle"))).toEqual(["synapse1_synapse"]);
  });

  test("a way in: the DNS names to create, the first admin (its password a sensitive output) and the token command", () => {
    expect(config.output.dns_records.value).toEqual({ "chat.z3r0d3v.com": "10.10.3.100", "element.chat.z3r0d3v.com": "10.10.3.100" });
    expect(config.output.first_admin.value).toBe("@admin:chat.z3r0d3v.com");
    expect(config.output.first_admin_password).toEqual({ description: expect.any(String), sensitive: true, value: "${random_password.secret_admin_password.result}" });
    expect(config.output.registration_token_command.value).toMatch(/^curl -fsS --cacert \S+\/ca\.crt -X POST .* https:\/\/chat\.z3r0d3v\.com\/_synapse\/admin\/v1\/registration_tokens\/new$/);
    // The playbook creates the account with that password.
    const vars = nulls.synapse1_synapse.provisioner.map((p: { file?: { content?: string } }) => p.file?.content ?? "").find((c: string) => c.includes("matrix_user_creator_users_additional"));
    expect(vars).toContain('  - username: admin\n    initial_password: "${random_password.secret_admin_password.result}"\n    initial_type: admin\n');
  });

  test("an unchanged deployment synthesizes identical JSON", () => {
    expect(synth(loadExample("onprem-small")).json).toBe(json);
  });

  test("state goes to the backend the deployment names", () => {
    // Local state beside the deployment file, named after the deployment: never inside cdktf.out.
    expect(config.terraform.backend).toEqual({ local: { path: join(ROOT, "examples", "z3r0d3v-small.tfstate") } });
    // Terraform Cloud: OpenTofu has no default host name, so it is always written.
    const cloud = synth({ ...deployment, backend: { type: "cloud", organization: "z3r0d3v", workspace: { name: "chat-small" }, hostname: "app.terraform.io" } }).config;
    expect(cloud.terraform.cloud).toEqual({ organization: "z3r0d3v", hostname: "app.terraform.io", workspaces: { name: "chat-small" } });
    const tagged = synth({ ...deployment, backend: { type: "cloud", organization: "z3r0d3v", workspace: { tags: ["matrix", "small"] }, hostname: "tfe.z3r0d3v.com" } }).config;
    expect(tagged.terraform.cloud).toEqual({ organization: "z3r0d3v", hostname: "tfe.z3r0d3v.com", workspaces: { tags: ["matrix", "small"] } });
    // S3 with OpenTofu's own lock file, encrypted at rest.
    const s3 = synth({ ...deployment, backend: { type: "s3", bucket: "z3r0d3v-state", key: "z3r0d3v-small.tfstate", region: "eu-central-1" } }).config;
    expect(s3.terraform.backend).toEqual({ s3: { bucket: "z3r0d3v-state", key: "z3r0d3v-small.tfstate", region: "eu-central-1", encrypt: true, use_lockfile: true } });
    expect(config.terraform.encryption).toBeUndefined();
  });

  test("state and plans are encrypted by OpenTofu when the backend asks for it: a passphrase variable, or AWS KMS", () => {
    const encrypted = synth({ ...deployment, backend: { ...deployment.backend, encryption: { key: "passphrase", migrateFromUnencrypted: false } } }).config as typeof config & { variable: Record<string, { sensitive: boolean }> };
    expect(encrypted.terraform.encryption).toEqual({
      key_provider: { pbkdf2: { state: { passphrase: "${var.state_passphrase}" } } },
      method: { aes_gcm: { state: { keys: "${key_provider.pbkdf2.state}" } } },
      state: { method: "method.aes_gcm.state", enforced: true },
      plan: { method: "method.aes_gcm.state", enforced: true },
    });
    expect(encrypted.variable.state_passphrase.sensitive).toBe(true);
    const kms = synth({ ...deployment, backend: { ...deployment.backend, encryption: { key: "aws_kms", kmsKeyId: "alias/matrix-state", region: "eu-central-1", migrateFromUnencrypted: true } } }).config;
    expect(kms.terraform.encryption.key_provider).toEqual({ aws_kms: { state: { kms_key_id: "alias/matrix-state", region: "eu-central-1", key_spec: "AES_256" } } });
    // Migrating: the unencrypted state is read once, then written encrypted.
    expect(kms.terraform.encryption.state).toEqual({ method: "method.aes_gcm.state", enforced: false, fallback: { method: "method.unencrypted.migrate" } });
  });
});

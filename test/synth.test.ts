import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { File as LocalFile } from "@cdktf/provider-local/lib/file";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { USER_DATA_LIMIT_BYTES } from "../targets/aws/cloud-init";
import { loadExample } from "./helpers/examples";
import { synth } from "./helpers/synth";

describe("AWS proof-of-concept stack", () => {
  const { json, config } = synth(loadExample("aws-poc"));
  const instance = Object.values(config.resource.aws_instance)[0];
  const ingress = Object.values(config.resource.aws_vpc_security_group_ingress_rule);

  test("has the provider, an instance, a security group and an Elastic IP", () => {
    expect(json).toHaveProvider(AwsProvider);
    expect(json).toHaveResourceWithProperties(Instance, { instance_type: "t3.large" });
    expect(json).toHaveResource(SecurityGroup);
    expect(json).toHaveResourceWithProperties(Eip, { domain: "vpc" });
    expect(config.provider.aws[0].region).toBe("eu-central-1");
  });

  test("only 80 from anywhere and 22 from the operator CIDR come in", () => {
    expect(ingress.map((r) => [r.from_port, r.to_port, r.ip_protocol, r.cidr_ipv4]).sort()).toEqual([
      [22, 22, "tcp", "203.0.113.10/32"],
      [80, 80, "tcp", "0.0.0.0/0"],
    ]);
  });

  test("IMDSv2 with hop limit 2, encrypted gp3 root volume, AMI from SSM without perpetual diff", () => {
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_put_response_hop_limit: 2, http_tokens: "required" });
    expect(instance.root_block_device).toMatchObject({ encrypted: true, volume_type: "gp3", volume_size: 30 });
    expect(instance.ami).toMatch(/^\$\{data\.aws_ssm_parameter\.[\w-]+\.value\}$/);
    expect(instance.lifecycle.ignore_changes).toEqual(["ami"]);
    expect(Object.values(config.data!.aws_ssm_parameter)[0].name).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
  });

  test("user-data is gzip-compressed cloud-config under the 16 KB limit", () => {
    const raw = Buffer.from(instance.user_data_base64, "base64");
    expect(raw.length).toBeLessThan(USER_DATA_LIMIT_BYTES);
    const text = gunzipSync(raw).toString("utf8");
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const cloud = parseYaml(text);
    expect(cloud.write_files.map((f: { path: string }) => f.path)).toContain("/opt/matrix/docker-compose.yml");
    expect(cloud.runcmd).toContain("sed -i 's/\\$releasever/9/g' /etc/yum.repos.d/docker-ce.repo");
  });

  test("tags every resource with the deployment name", () => {
    expect(config.provider.aws[0].default_tags).toEqual([{ tags: { Deployment: "z3r0d3v-poc", ManagedBy: "matrix-platform-provisioner" } }]);
  });
});

describe("on-prem HA stack", () => {
  const deployment = loadExample("onprem-small");
  const { json, config } = synth(deployment);
  const nulls = config.resource.null_resource;

  test("one null_resource per (host, role), plus each host's base layer", () => {
    const expected = deployment.target === "onprem" ? deployment.onprem.hosts.flatMap((h) => ["base", ...h.roles].map((r) => `${h.name}_${r}`)) : [];
    expect(Object.keys(nulls).sort()).toEqual(expected.sort());
    expect(json).toHaveResource(NullResource);
  });

  test("each has an SSH connection, file and remote-exec provisioners, and a content-hash trigger", () => {
    const r = nulls.db1_patroni;
    expect(r.connection).toMatchObject({ type: "ssh", host: "10.10.2.11", user: "debian", agent: "true" });
    const kinds = r.provisioner.map((p: object) => Object.keys(p)[0]);
    expect(kinds[0]).toBe("remote-exec");
    expect(kinds.at(-1)).toBe("remote-exec");
    expect(kinds.filter((k: string) => k === "file").length).toBe(4);
    expect(r.triggers).toEqual({ host: "db1", role: "patroni", content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("dependencies follow the role order across hosts", () => {
    expect(nulls.db2_patroni.depends_on).toEqual(expect.arrayContaining(["null_resource.db1_etcd", "null_resource.db2_etcd", "null_resource.db3_etcd", "null_resource.db2_base"]));
    expect(nulls.lb1_haproxy.depends_on).toEqual(expect.arrayContaining(["null_resource.db1_pgbouncer", "null_resource.db3_patroni"]));
    expect(nulls.db1_etcd.depends_on).toEqual(["null_resource.db1_base"]);
  });

  test("rendered files are also local files, for review in the plan", () => {
    expect(json).toHaveResourceWithProperties(LocalFile, { filename: "rendered/db1/etc/pgbouncer/pgbouncer.ini" });
    expect(config.resource.local_file.db1_pgbouncer_etc_pgbouncer_userlist_txt.content).toBe('"synapse" "<secret:synapse_db>"\n"pgbouncer_admin" "<secret:pgbouncer_auth>"\n');
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

  test("an unchanged deployment synthesizes identical JSON", () => {
    expect(synth(loadExample("onprem-small")).json).toBe(json);
  });

  test("state goes to the backend the deployment names", () => {
    expect(config.terraform.backend).toEqual({ local: { path: "terraform.z3r0d3v-small.tfstate" } });
    const cloud = synth({ ...deployment, backend: { type: "cloud", organization: "z3r0d3v", workspace: "chat-small" } }).config;
    expect(cloud.terraform.cloud).toEqual({ organization: "z3r0d3v", workspaces: { name: "chat-small" } });
  });
});

// The Synapse host's matrix-docker-ansible-deploy inventory as Ansible reads it: the
// generated hosts file and host_vars/<domain>/vars.yml through `ansible-inventory --list`
// (ansible-core from PyPI, scripts/deps/validators.sh). The playbook itself cannot run
// here: it drives Docker containers, and this machine has no Docker engine.
import { join } from "node:path";
import { buildTopology } from "../constructs/model/topology";
import { loadExample, ROOT } from "./helpers/examples";
import { materializeHost } from "./helpers/host-files";
import { run, tempDir } from "./helpers/programs";

const tmp = tempDir("synapse-host");
afterAll(() => tmp.remove());

function inventoryOf(example: "onprem-small" | "onprem-large"): { hosts: Record<string, unknown>; groups: Record<string, { hosts?: string[] }> } {
  const t = buildTopology(loadExample(example));
  const host = t.hosts.find((h) => h.roles.includes("synapse"))!;
  const root = materializeHost(t, host.name, join(tmp.dir, example));
  const r = run(join(ROOT, ".cache/venv-ansible/bin/ansible-inventory"), ["-i", join(root, "opt/matrix-platform/inventory/hosts"), "--list"], { env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(tmp.dir, "ansible") } });
  if (r.status !== 0) throw new Error(r.output);
  const json = JSON.parse(r.stdout);
  return { hosts: json._meta.hostvars, groups: json };
}

test("Ansible reads one host in matrix_servers, with every generated variable", () => {
  const inv = inventoryOf("onprem-small");
  expect(inv.groups.matrix_servers.hosts).toEqual(["chat.z3r0d3v.com"]);
  const vars = inv.hosts["chat.z3r0d3v.com"] as Record<string, unknown>;
  expect(vars).toMatchObject({
    ansible_host: "10.10.1.10",
    matrix_domain: "chat.z3r0d3v.com",
    matrix_synapse_database_host: "10.10.3.100",
    matrix_synapse_database_port: 5000,
    matrix_synapse_workers_preset: "specialized-workers",
    matrix_synapse_workers_sync_workers_count: 4,
    matrix_synapse_ext_synapse_s3_storage_provider_enabled: true,
    matrix_synapse_ext_synapse_s3_storage_provider_config_endpoint_url: "http://10.10.3.100:9000",
    matrix_synapse_ext_synapse_s3_storage_provider_config_bucket: "synapse-media",
    matrix_synapse_matrix_rtc_transports_livekit_url: "https://chat.z3r0d3v.com/livekit/jwt",
    matrix_static_files_file_matrix_client_property_org_matrix_msc4143_rtc_foci_custom: [{ type: "livekit", livekit_service_url: "https://chat.z3r0d3v.com/livekit/jwt" }],
    matrix_server_fqn_element: "element.chat.z3r0d3v.com",
    matrix_metrics_exposure_enabled: true,
    matrix_homeserver_federation_enabled: true,
  });
  expect(vars.matrix_synapse_turn_uris).toContain("turns:10.10.5.11:5349?transport=tcp");
});

test("large differs from small only in worker counts (same variable names)", () => {
  const small = inventoryOf("onprem-small").hosts["chat.z3r0d3v.com"] as Record<string, unknown>;
  const large = Object.values(inventoryOf("onprem-large").hosts)[0] as Record<string, unknown>;
  expect(Object.keys(large).sort()).toEqual(Object.keys(small).sort());
  expect(large.matrix_synapse_workers_sync_workers_count).toBe(8);
});

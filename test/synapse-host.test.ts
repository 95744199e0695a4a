// The Synapse host's matrix-docker-ansible-deploy inventory as Ansible reads it: the
// generated hosts file and host_vars/<domain>/vars.yml through `ansible-inventory --list`
// (ansible-core from PyPI, scripts/deps/validators.sh). The playbook itself cannot run
// here: it drives Docker containers, and this machine has no Docker engine.
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { hostPlan, planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { hostUnits } from "../constructs/roles";
import { MDAD_CHECKED_AT, MDAD_VARIABLES } from "../constructs/roles/synapse/mdad-variables";
import { ANSIBLE_REQUIREMENTS, INVENTORY_DIR } from "../constructs/roles/synapse/playbook";
import { loadExample, ROOT } from "./helpers/examples";
import { materializeHost } from "./helpers/host-files";
import { run, tempDir } from "./helpers/programs";

const tmp = tempDir("synapse-host");
afterAll(() => tmp.remove());

function inventoryOf(example: "onprem-small" | "onprem-large"): { hosts: Record<string, unknown>; groups: Record<string, { hosts?: string[] }> } {
  const d = loadExample(example) as OnPremDeployment;
  const host = buildTopology(d).hosts.find((h) => h.roles.includes("synapse"))!;
  const root = materializeHost(d, host.name, join(tmp.dir, example));
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
    // Registration by token only; the first admin is created by the playbook.
    matrix_synapse_enable_registration: true,
    matrix_synapse_registration_requires_token: true,
    matrix_user_creator_users_additional: [{ username: "admin", initial_password: "test-admin_password", initial_type: "admin" }],
  });
  expect(vars.matrix_synapse_turn_uris).toContain("turns:10.10.5.11:5349?transport=tcp");
});

test("the deployment's branding reaches Element through the playbook's variables, whatever characters it holds", () => {
  const vars = inventoryOf("onprem-small").hosts["chat.z3r0d3v.com"] as Record<string, unknown>;
  expect(vars).toMatchObject({
    matrix_client_element_brand: "Z3r0d3v Chat",
    matrix_client_element_branding_auth_header_logo_url: "themes/element/img/logos/element-logo.svg",
    matrix_client_element_setting_defaults_custom_themes: [{ name: "Z3r0d3v Chat", is_dark: false, colors: { "accent-color": "#0dbd8b", "primary-color": "#0dbd8b" } }],
    matrix_client_element_default_theme: "custom-Z3r0d3v Chat",
  });
  const d = loadExample("onprem-small") as OnPremDeployment;
  const odd = { ...d, branding: { brand: 'Acme: "Chat" #1', logoUrl: "https://intranet.acme.example/logo.svg?size=big&x=1", themeColor: "#123abc" } };
  const file = hostPlan(planCluster(buildTopology(odd)), "synapse1").units.flatMap((u) => u.files).find((f) => f.path.endsWith("/vars.yml"))!;
  const parsed = parseYaml(file.content.replace(/@@secret:[a-z_]+@@/g, "x")) as Record<string, unknown>;
  expect(parsed.matrix_client_element_brand).toBe('Acme: "Chat" #1');
  expect(parsed.matrix_client_element_branding_auth_header_logo_url).toBe("https://intranet.acme.example/logo.svg?size=big&x=1");
  expect(parsed.matrix_client_element_default_theme).toBe('custom-Acme: "Chat" #1');
});

test("large differs from small only in worker counts (same variable names)", () => {
  const small = inventoryOf("onprem-small").hosts["chat.z3r0d3v.com"] as Record<string, unknown>;
  const large = Object.values(inventoryOf("onprem-large").hosts)[0] as Record<string, unknown>;
  expect(Object.keys(large).sort()).toEqual(Object.keys(small).sort());
  expect(large.matrix_synapse_workers_sync_workers_count).toBe(8);
});

describe("the playbook run at apply", () => {
  const small = loadExample("onprem-small") as OnPremDeployment;
  const synapseUnit = (d: OnPremDeployment) => {
    const t = buildTopology(d);
    return hostUnits(t, t.hosts.find((h) => h.roles.includes("synapse"))!).find((u) => u.name === "synapse")!;
  };
  const command = `/bin/ansible-playbook" -i ${INVENTORY_DIR}/hosts setup.yml --connection=local --tags=setup-all,ensure-matrix-users-created,start`;

  test("from the offline bundle: Ansible from its wheelhouse, the checkout it carries, run on the host itself with the tags", () => {
    const unit = synapseUnit({ ...small, onprem: { ...small.onprem, bundle: "/srv/bundle.tar" } });
    expect(unit.playbook).toBe(true);
    expect(unit.activate).toContain(`pip" install --quiet --no-index --find-links "$bundle/ansible" ${ANSIBLE_REQUIREMENTS.join(" ")}`);
    expect(unit.activate).toContain('cp -a "$bundle/playbook" "$playbook.new"');
    expect(unit.activate).toContain(command);
    expect(unit.activate).not.toMatch(/git clone|ansible-galaxy/);
  });

  test("without a bundle: the pinned commit from upstream and its Galaxy roles, Ansible from the package index", () => {
    const unit = synapseUnit(small);
    expect(unit.activate).toContain(`git -C "$playbook" checkout --quiet --force ${MDAD_CHECKED_AT.commit}`);
    expect(unit.activate).toContain("ansible-galaxy\" install -r requirements.yml -p roles/galaxy/ --force");
    expect(unit.activate).toContain(`pip" install --quiet ${ANSIBLE_REQUIREMENTS.join(" ")}`);
    expect(unit.activate).toContain(command);
  });

  test("onprem.playbook.run: false renders the inventory and leaves the run to the operator", () => {
    const unit = synapseUnit({ ...small, onprem: { ...small.onprem, playbook: { run: false } } });
    expect(unit.playbook).toBeUndefined();
    expect(unit.activate).not.toContain("--connection=local");
    expect(unit.activate).toContain(`echo "synapse1: inventory ready; run matrix-docker-ansible-deploy with: ansible-playbook -i ${INVENTORY_DIR}/hosts setup.yml`);
  });

  test("a registry mirror replaces every image's registry through the playbook's own override", () => {
    const unit = synapseUnit({ ...small, onprem: { ...small.onprem, playbook: { run: true, registryMirror: "registry.example.internal:5000/" } } });
    const vars = parseYaml(unit.files.find((f) => f.path.endsWith("/vars.yml"))!.content);
    expect(vars.matrix_container_global_registry_prefix_override).toBe("registry.example.internal:5000/");
    expect(Object.keys(vars).filter((k) => !(k in MDAD_VARIABLES))).toEqual([]);
    expect(parseYaml(synapseUnit(small).files.find((f) => f.path.endsWith("/vars.yml"))!.content)).not.toHaveProperty("matrix_container_global_registry_prefix_override");
  });
});

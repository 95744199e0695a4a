import { renderTemplate } from "../../template";
import { LIVEKIT_JWT_PATH } from "../livekit";
import { mediaStore } from "../minio";
import { port } from "../../topology/ports";
import { elementBranding, elementHostName } from "./element";
import { MDAD_CHECKED_AT } from "./mdad-variables";
import { ANSIBLE_CORE_VERSION, ANSIBLE_REQUIREMENTS, ANSIBLE_VENV, IMAGE_BUILD_CONTEXT, INVENTORY_DIR, MDAD_REPOSITORY, PLAYBOOK_DIR, PLAYBOOK_TAGS } from "./playbook";
import { S3_STORAGE_PROVIDER_VERSION, SYNAPSE_VERSION } from "./wheelhouse";
import { APT_INSTALL } from "../base";
import type { RoleRenderer } from "../unit";
import { NATIVE_PATHS, renderNativeSynapse } from "./native";
import { commonView, members } from "../view";

/** The first admin's user name (localpart): created at apply (by the playbook, or the native activation) with a generated password. */
export const FIRST_ADMIN = "admin";

/**
 * The Synapse host, installed one of two ways (onprem.synapse.install): playbook,
 * matrix-docker-ansible-deploy's inventory and vars.yml from the topology and (unless
 * onprem.playbook.run is false) the playbook run on the host itself, from the offline
 * bundle when the deployment has one, else from upstream at the pinned commit; or native
 * (./native.ts). Both run the model's worker plan and the rsync daemon the backup server
 * pulls from.
 */
export const renderSynapse: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const domain = topology.domain ?? topology.serverName;
  const loadBalancers = members(topology, "haproxy").map((m, i, all) => ({ ...m, last: i === all.length - 1 }));
  // turn: over UDP and TCP, turns: over TLS (the certificate names the address).
  const turnUris = members(topology, "coturn").flatMap((m) => [`turn:${m.address}:${port("coturn.turn_udp")}?transport=udp`, `turn:${m.address}:${port("coturn.turn_tcp")}?transport=tcp`, `turns:${m.address}:${port("coturn.tls")}?transport=tcp`]);
  const rtc = members(topology, "livekit").length > 0 ? { jwtUrl: `https://${domain}${LIVEKIT_JWT_PATH}` } : undefined;
  const { playbook } = topology;
  const store = mediaStore(topology);
  // The playbook builds Synapse's image with the S3 storage provider: a bundle built for the
  // deployment carries the provider's wheels, and with a bundle the build installs them.
  const needsImageWheels = store !== undefined && playbook.run;
  const imageWheels = needsImageWheels && playbook.bundled ? { version: S3_STORAGE_PROVIDER_VERSION, dir: "s3-storage-provider-wheels", bundleDir: "synapse-image-wheels", context: IMAGE_BUILD_CONTEXT } : undefined;
  const vars = { ...view, imageWheels, registryMirror: playbook.registryMirror, scale: topology.scale, federation: topology.federation, workers: topology.workers, sshUser: host.sshUser, loadBalancers, turnUris, mdad: MDAD_CHECKED_AT, synapseVersion: SYNAPSE_VERSION, elementFqn: elementHostName(domain), admin: { localpart: FIRST_ADMIN }, element: jsonValues(elementBranding(topology.branding)), mediaStore: store, mediaCacheDays: topology.mediaCacheDays, rtc };
  const inventory = INVENTORY_DIR;
  const activation = {
    ...view,
    inventory,
    playbook: { run: playbook.run, bundled: playbook.bundled },
    venv: ANSIBLE_VENV,
    playbookDir: PLAYBOOK_DIR,
    ansibleCore: ANSIBLE_CORE_VERSION,
    requirements: ANSIBLE_REQUIREMENTS.join(" "),
    tags: PLAYBOOK_TAGS.join(","),
    aptInstall: APT_INSTALL,
    mdadRepository: MDAD_REPOSITORY,
    mdad: MDAD_CHECKED_AT,
  };
  const backupHosts = members(topology, "backup");
  // What the backup server pulls: the same paths on both install paths.
  const backupFiles = backupHosts.length > 0
    ? [
        { path: "/etc/rsyncd.conf", content: renderTemplate("synapse/rsyncd.conf.mustache", { ...view, backupHosts, ...NATIVE_PATHS }), mode: "0644" },
        { path: "/etc/rsyncd.secrets", content: renderTemplate("synapse/rsyncd.secrets.mustache", {}), mode: "0600" },
      ]
    : [];
  const backupSource = renderTemplate("synapse/backup-source.sh.mustache", { backupHosts, ...NATIVE_PATHS }).trimEnd();
  const backupPackages = backupHosts.length > 0 ? ["rsync"] : [];
  if (topology.synapseInstall === "native") {
    const native = renderNativeSynapse({ topology, host }, { adminLocalpart: FIRST_ADMIN, turnUris, ...(rtc ? { rtc } : {}), backupSource });
    return { name: "synapse", files: [...native.files, ...backupFiles], activate: native.activate, packages: [...native.packages, ...backupPackages], synapseWheels: "native" };
  }
  return {
    name: "synapse",
    files: [
      { path: `${inventory}/hosts`, content: renderTemplate("synapse/hosts.mustache", vars), mode: "0644" },
      { path: `${inventory}/host_vars/${domain}/vars.yml`, content: renderTemplate("synapse/vars.yml.mustache", vars), mode: "0600" },
      ...backupFiles,
    ],
    activate: renderTemplate("synapse/activate.sh.mustache", { ...activation, imageWheels, backupSource }),
    // python3-docker: the playbook's Docker modules need the SDK; the playbook's own role
    // for it is turned off (it would reach for a package mirror).
    packages: ["docker.io", "python3", "python3-docker", ...(playbook.run ? ["python3-venv"] : []), ...backupPackages],
    ...(playbook.run ? { playbook: true } : {}),
    ...(needsImageWheels ? { synapseWheels: "image" as const } : {}),
  };
};

/** Values as JSON strings: valid YAML scalars whatever they hold (quotes, colons, #). */
function jsonValues<T extends Record<string, string>>(values: T): Record<keyof T, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)])) as Record<keyof T, string>;
}

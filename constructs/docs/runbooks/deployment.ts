import type { ClusterPlan } from "../../plan";
import { MDAD_CHECKED_AT } from "../../roles/synapse/mdad-variables";
import { elementHostName } from "../../roles/synapse/element";
import { FIRST_ADMIN } from "../../roles/synapse";
import { POC_ROOT } from "../../roles/poc";
import { planFolder } from "./markdown";

/**
 * What the cluster lab measured for a whole 16-host apply on this project's 2-core machine
 * (test/lab-cluster.test.ts prints it each run; README, "Proven in the lab").
 */
export const LAB_APPLY_SECONDS = { hosts: 16, min: 494, max: 769, measured: "2026-12-01" } as const;

/**
 * Runbook 4, the deployment procedure: the commands in order, with this deployment's file,
 * folders and hosts, from the PKI to the first login.
 */
export function deploymentRunbook(plan: ClusterPlan, file: string): string {
  const t = plan.topology;
  const units = plan.hosts.flatMap((h) => h.units);
  const roles = new Set(t.roles);
  const bundleArgs = [
    ...(units.some((u) => u.playbook) ? ["--playbook mdad"] : []),
    ...(roles.has("livekit") ? ["--lk-jwt-service lk-jwt-service"] : []),
    ...(roles.has("monitoring") ? ["--grafana-deb grafana.deb"] : []),
    ...(t.synapseInstall === "native" && roles.has("synapse") ? ["--element-web element-web.tar.gz"] : []),
  ];
  const planDir = planFolder(file, t.name);
  const stack = `cdktf.out/stacks/${t.name}`;
  // The HA cluster serves Element on its own name over TLS; the proof of concept on the host's.
  const url = roles.has("poc") ? `${t.web.scheme}://${t.domain ?? t.hosts[0].address}/` : `https://${elementHostName(t.domain ?? "")}/`;
  const minutes = (s: number) => Math.round(s / 60);
  const steps = [
    ...(plan.pki.any
      ? [`**PKI** (once): \`npm run pki -- ${file}\` creates the internal CA and a certificate for each of the ${plan.pki.certificates.length} hosts that serve TLS. Hand \`ca.crt\` of the PKI folder to your users' device management: clients must trust it.`]
      : []),
    `**Host keys**: \`npm run host-keys -- ${file}\` pins each host's SSH key. Compare every fingerprint it prints with the host's own (\`ssh-keygen -lf /etc/ssh/ssh_host_ecdsa_key.pub\` on its console) before you go on.`,
    `**Bundle** (on a connected machine, then carried in): \`${["npm run bundle --", file, ...bundleArgs].join(" ")}\`${bundleArgs.includes("--playbook mdad") ? `, where \`mdad\` is matrix-docker-ansible-deploy at ${MDAD_CHECKED_AT.commit.slice(0, 9)} with \`just roles\` done` : ""}; set \`onprem.bundle:\` in the deployment file to the tarball it prints.`,
    `**Plan**: \`npm run plan -- ${file}\` writes \`${planDir}/\`: the saved plan, its JSON, OpenTofu's full output and \`summary.md\`.`,
    "**Approval**: the approver reads `summary.md` (replacements and deletions first, then each host's roles with the diff of every configuration that changes; secrets masked) and accepts that exact plan.",
    `**Apply**: \`npm run apply -- ${planDir}\` applies exactly the approved plan and refuses it if anything changed since.${
      t.hosts.length > 1 ? ` A first apply of the ${LAB_APPLY_SECONDS.hosts}-host cluster took ${minutes(LAB_APPLY_SECONDS.min)} to ${minutes(LAB_APPLY_SECONDS.max)} minutes in the lab (containers on 2 cores, measured ${LAB_APPLY_SECONDS.measured}); real hosts spend most of it installing packages.` : ""
    }`,
    `**DNS and first login**: ${t.domain ? "create the records listed in [01-architecture.md](01-architecture.md#dns-and-etchosts). " : ""}${
      plan.secrets.includes("admin_password")
        ? `Read the first administrator's generated password, \`cd ${stack} && tofu output -raw first_admin_password\`, log in at ${url} as \`@${FIRST_ADMIN}:${t.serverName}\` and change it. Registration is by token only: \`tofu output -raw registration_token_command\` prints the command that creates one.`
        : `Create the first administrator on ${t.hosts[0].name} (it asks for a password): \`sudo docker compose -f ${POC_ROOT}/docker-compose.yml exec synapse register_new_matrix_user -c /data/homeserver.yaml --admin -u ${FIRST_ADMIN} http://localhost:8008\`, then log in at ${url}.`
    }`,
  ];
  // Numbered as they fall: the PKI step exists only where a role serves TLS.
  const [planStep, applyStep] = [steps.length - 3, steps.length - 1];
  return [
    `# ${t.name}: deployment procedure`,
    "",
    "Generated from the deployment by `npm run docs`; do not edit by hand. Run every command from the project folder on the operator's machine (in the admin subnets: the firewall admits SSH only from there), in this order.",
    "",
    ...steps.map((step, i) => `${i + 1}. ${step}`),
    "",
    `A later change follows steps ${planStep} to ${applyStep} only (and ${planStep - 1} when packages or pinned programs change); the plan replaces exactly the units whose files, packages or certificates changed.`,
    "",
  ].join("\n");
}

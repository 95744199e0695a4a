import { DataResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { pkiItemPath, type PkiPaths } from "../../constructs/pki/layout";
import { SECRET_MARKER } from "../../constructs/markers";
import { APT_INSTALL } from "../../constructs/roles/base";
import { unitHash, type RoleUnit } from "../../constructs/roles/unit";
import { toTerraformString } from "../shared/terraform-text";
import { movedFromNullResource } from "./layout-upgrade";
import { rootShell, type HostAccess } from "./ssh";

export interface RoleProvisionerProps {
  readonly hostName: string;
  readonly unit: RoleUnit;
  readonly access: HostAccess;
  /** This host's files in the PKI folder, for units that install certificates. */
  readonly pki: PkiPaths;
  /** The offline bundle's path, if the deployment has one. */
  readonly bundle?: string;
  readonly dependsOn: readonly ITerraformDependable[];
}

/** The review copy of one rendered file: terraform_data.<host>_<role>_<path, as a name>. */
export const reviewCopyName = (host: string, role: string, path: string) => `${host}_${role}${path.replace(/[^A-Za-z0-9]+/g, "_")}`;

/** Shell-quotes a path for the generated install script. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One role on one host: a terraform_data resource (built into OpenTofu and Terraform, the
 * successor of null_resource) that uploads the role's files to a private
 * staging folder, installs them in place and runs the role's idempotent activation.
 * Its trigger is the hash of exactly those files and that script, so an unchanged role
 * plans to no change and a changed one re-runs alone.
 */
export class RoleProvisioner extends Construct {
  readonly resource: DataResource;
  /** SHA-256 of the role's files, script and packages: the re-provisioning key. */
  readonly contentHash: string;
  /** Resource names of the review copies of the role's files (reviewCopyName). */
  readonly reviewCopies: readonly string[];

  constructor(scope: Construct, id: string, props: RoleProvisionerProps) {
    super(scope, id);
    const { unit, hostName } = props;
    const stage = `/var/tmp/matrix-platform/${unit.name}`;
    this.contentHash = unitHash(unit);

    // Review copies for plan approval: the real text, with each secret shown by name
    // only, so `plan` prints the full config diff and never a secret value. They live in
    // the state (terraform_data's input), so whoever plans, from whichever clone, sees
    // the same: no file on the planning machine's disk is compared.
    this.reviewCopies = unit.files.map((f, i) => {
      const copy = new DataResource(this, `rendered-${i}`, { input: { host: hostName, path: f.path, content: toTerraformString(f.content.replace(SECRET_MARKER, "<secret:$1>")) } });
      copy.overrideLogicalId(reviewCopyName(hostName, unit.name, f.path));
      return copy.friendlyUniqueId;
    });

    // Rendered files go up as text; certificates and keys by path, so no key ever enters
    // the synthesized configuration.
    const uploads = [
      ...unit.files.map((f) => ({ ...f, upload: { content: toTerraformString(f.content) } })),
      ...(unit.pki ?? []).map((f) => ({ ...f, upload: { source: pkiItemPath(props.pki, f.item) } })),
    ];
    const certificates = [...new Set((unit.pki ?? []).filter((f) => f.item !== "host-key").map((f) => pkiItemPath(props.pki, f.item)))];

    const install = [
      "#!/bin/sh",
      `# Installs the files of ${unit.name} on ${hostName}, then activates it.`,
      "set -eu",
      ...uploads.map((f, i) => `install -D -m ${f.mode} ${q(`${stage}/file-${i}`)} ${q(f.path)}`),
      // After the files, so packages keep the rendered config (--force-confold).
      ...(unit.packages.length > 0 ? [`${APT_INSTALL} ${unit.packages.join(" ")}`] : []),
      ...uploads.filter((f) => f.owner).map((f) => `chown ${f.owner} ${q(f.path)}`),
      `sh ${q(`${stage}/activate.sh`)}`,
      `rm -rf ${q(stage)}`,
      "",
    ].join("\n");

    this.resource = new DataResource(this, "provision", {
      triggersReplace: {
        host: hostName,
        role: unit.name,
        content_sha256: this.contentHash,
        // Read by tofu at plan time: a re-issued certificate (and so its key) re-runs the unit.
        // The playbook comes from the bundle: a new bundle may carry a new one.
        ...(unit.playbook && props.bundle ? { bundle_sha256: `\${filesha256(${JSON.stringify(props.bundle)})}` } : {}),
        ...(certificates.length > 0 ? { certificates_sha256: `\${sha256(join(",", [${certificates.map((c) => `filesha256(${JSON.stringify(c)})`).join(", ")}]))}` } : {}),
      },
      connection: props.access.connection,
      dependsOn: [...props.dependsOn],
      provisioners: [
        { type: "remote-exec", inline: [`rm -rf ${stage} && mkdir -p -m 0700 ${stage}`] },
        ...uploads.map((f, i) => ({ type: "file" as const, ...f.upload, destination: `${stage}/file-${i}` })),
        { type: "file", content: toTerraformString(unit.activate), destination: `${stage}/activate.sh` },
        { type: "file", content: toTerraformString(install), destination: `${stage}/install.sh` },
        { type: "remote-exec", inline: [`${rootShell(props.access)} ${stage}/install.sh`] },
      ],
    });
    // Readable addresses in plans: terraform_data.db1_patroni, not a hashed construct path.
    this.resource.overrideLogicalId(`${hostName}_${unit.name}`);
    movedFromNullResource(this.resource);
  }
}

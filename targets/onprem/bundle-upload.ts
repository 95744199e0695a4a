import { DataResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { renderTemplate } from "../../constructs/template";
import { toTerraformString } from "../shared/terraform-text";
import { movedFromNullResource } from "./layout-upgrade";
import { rootShell, type HostAccess } from "./ssh";

const EXPECTED_MARKER = "@@bundle_sha256@@";

export interface BundleUploadProps {
  readonly hostName: string;
  /** Path of the bundle tarball on the machine running tofu. */
  readonly bundle: string;
  readonly access: HostAccess;
  /** What must succeed first (every host's preflight). */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * Carries the offline package bundle to one host and makes it the host's package source.
 * Re-runs only when the bundle's content changes (its SHA-256, read by tofu at plan time);
 * the host installs it only if it still has that SHA-256.
 */
export class BundleUpload extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: BundleUploadProps) {
    super(scope, id);
    const upload = "/var/tmp/matrix-platform-bundle.tar";
    const script = "/var/tmp/matrix-platform-bundle-install.sh";
    // The hash the plan recorded in the trigger (`self`), not the file's at apply time.
    const installScript = toTerraformString(renderTemplate("base/bundle-install.sh.mustache", { upload, expectedSha256: EXPECTED_MARKER })).replace(EXPECTED_MARKER, "${self.triggers_replace.bundle_sha256}");
    this.resource = new DataResource(this, "upload", {
      triggersReplace: { host: props.hostName, bundle_sha256: `\${filesha256(${JSON.stringify(props.bundle)})}` },
      connection: props.access.connection,
      dependsOn: [...(props.dependsOn ?? [])],
      provisioners: [
        { type: "file", source: props.bundle, destination: upload },
        { type: "file", content: installScript, destination: script },
        { type: "remote-exec", inline: [`${rootShell(props.access)} ${script} && rm -f ${script}`] },
      ],
    });
    this.resource.overrideLogicalId(`${props.hostName}_bundle`);
    movedFromNullResource(this.resource);
  }
}

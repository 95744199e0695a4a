import { DataResource } from "cdktf";
import { Construct } from "constructs";
import { sha256 } from "../../constructs/hash";
import { toTerraformString } from "../shared/terraform-text";
import { rootShell, type HostAccess } from "./ssh";

export interface PreflightProps {
  readonly hostName: string;
  /** The host's preflight script (constructs/preflight.ts). */
  readonly script: string;
  readonly access: HostAccess;
}

/**
 * Checks one host before anything is installed on any host: every host's first unit
 * waits for every host's preflight, so one failed check stops the apply with nothing
 * changed. It runs when created, and again whenever the checks change.
 */
export class Preflight extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: PreflightProps) {
    super(scope, id);
    const path = "/var/tmp/matrix-platform-preflight.sh";
    this.resource = new DataResource(this, "check", {
      triggersReplace: { host: props.hostName, check_sha256: sha256(props.script) },
      connection: props.access.connection,
      provisioners: [
        { type: "file", content: toTerraformString(props.script), destination: path },
        { type: "remote-exec", inline: [`${rootShell(props.access)} ${path}; status=$?; rm -f ${path}; exit $status`] },
      ],
    });
    this.resource.overrideLogicalId(`${props.hostName}_preflight`);
  }
}

import { DataResource } from "cdktf";
import { Construct } from "constructs";

export interface ServerNameGuardProps {
  readonly serverName: string;
  /** The deployment's explicit permission to change server_name (it orphans every user ID). */
  readonly allowChange: boolean;
}

/** Address of the guard in plans and error messages. */
export const SERVER_NAME_GUARD = "terraform_data.server_name_guard";

/**
 * server_name is permanent: it is part of every user and room ID. The guard is replaced
 * when it changes, and it is protected from destruction, so `plan` stops with an error on
 * an existing deployment unless the deployment sets allow_server_name_change: true.
 */
export class ServerNameGuard extends Construct {
  constructor(scope: Construct, id: string, props: ServerNameGuardProps) {
    super(scope, id);
    const guard = new DataResource(this, "guard", {
      input: { server_name: props.serverName },
      triggersReplace: { server_name: props.serverName },
      lifecycle: { preventDestroy: !props.allowChange },
    });
    guard.overrideLogicalId("server_name_guard");
  }
}

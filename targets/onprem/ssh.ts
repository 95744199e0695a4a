import type { SSHProvisionerConnection } from "cdktf";
import { DeploymentError } from "../../constructs/deployment/errors";
import type { Bastion, HostKeyCheck, SshAccess } from "../../constructs/deployment/model";

/** Terraform reads the key at plan time; the synthesized JSON holds only the path. */
const keyFile = (path: string) => `\${file(pathexpand(${JSON.stringify(path)}))}`;

/** How the provisioners reach one host, worked out once per host. */
export interface HostAccess {
  readonly connection: SSHProvisionerConnection;
  /** Commands go through sudo: the SSH user is not root. */
  readonly sudo: boolean;
}

export function hostAccess(address: string, ssh: SshAccess, bastion?: Bastion): HostAccess {
  return { connection: sshConnection(address, ssh, bastion), sudo: ssh.user !== "root" };
}

/** The command that runs a script as root on the host. */
export const rootShell = (access: HostAccess): string => (access.sudo ? "sudo -n sh" : "sh");

/** The pinned key, which OpenTofu checks before it sends anything; nothing when the check is skipped. */
function pinned(check: HostKeyCheck, address: string): string | undefined {
  // planDeployment refuses a deployment with a missing key (checkHostKeys); a plan made
  // another way must not turn "missing" into "unchecked" silently.
  if (check.kind === "missing") throw new DeploymentError([`no SSH host key pinned for ${address}: plan the deployment with planDeployment, which says how to pin it`]);
  return check.kind === "pinned" ? check.key : undefined;
}

function sshConnection(address: string, ssh: SshAccess, bastion?: Bastion): SSHProvisionerConnection {
  const hostKey = pinned(ssh.hostKey, address);
  const bastionHostKey = bastion && pinned(bastion.hostKey, bastion.host);
  return {
    type: "ssh",
    host: address,
    user: ssh.user,
    port: ssh.port,
    timeout: "3m",
    agent: ssh.useAgent ? "true" : "false",
    ...(hostKey ? { hostKey } : {}),
    ...(ssh.privateKeyPath ? { privateKey: keyFile(ssh.privateKeyPath) } : {}),
    ...(bastion
      ? {
          bastionHost: bastion.host,
          bastionUser: bastion.user,
          bastionPort: bastion.port,
          ...(bastionHostKey ? { bastionHostKey } : {}),
          ...(bastion.privateKeyPath ? { bastionPrivateKey: keyFile(bastion.privateKeyPath) } : {}),
        }
      : {}),
  };
}

import type { SSHProvisionerConnection } from "cdktf";
import type { Bastion, SshAccess } from "../../constructs/deployment/model";

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

function sshConnection(address: string, ssh: SshAccess, bastion?: Bastion): SSHProvisionerConnection {
  return {
    type: "ssh",
    host: address,
    user: ssh.user,
    port: ssh.port,
    timeout: "3m",
    agent: ssh.useAgent ? "true" : "false",
    ...(ssh.privateKeyPath ? { privateKey: keyFile(ssh.privateKeyPath) } : {}),
    ...(bastion
      ? {
          bastionHost: bastion.host,
          bastionUser: bastion.user,
          bastionPort: bastion.port,
          ...(bastion.privateKeyPath ? { bastionPrivateKey: keyFile(bastion.privateKeyPath) } : {}),
        }
      : {}),
  };
}

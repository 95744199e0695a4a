import type { SSHProvisionerConnection } from "cdktf";
import type { Bastion, SshAccess } from "../../constructs/deployment/model";

/** Terraform reads the key at plan time; the synthesized JSON holds only the path. */
const keyFile = (path: string) => `\${file(pathexpand(${JSON.stringify(path)}))}`;

export function sshConnection(address: string, ssh: SshAccess, bastion?: Bastion): SSHProvisionerConnection {
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

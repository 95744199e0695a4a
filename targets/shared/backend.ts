import { CloudBackend, LocalBackend, NamedCloudWorkspace, type TerraformStack } from "cdktf";
import type { Backend } from "../../constructs/deployment/model";
import { configureStateEncryption } from "./state-encryption";

/**
 * State goes to Terraform Cloud (HCP Terraform) or a local file beside the deployment file,
 * encrypted by OpenTofu when the deployment asks for it.
 */
export function configureBackend(stack: TerraformStack, backend: Backend): void {
  if (backend.encryption) configureStateEncryption(stack, backend.encryption);
  if (backend.type === "cloud") {
    new CloudBackend(stack, {
      organization: backend.organization,
      workspaces: new NamedCloudWorkspace(backend.workspace),
      ...(backend.hostname ? { hostname: backend.hostname } : {}),
    });
  } else {
    new LocalBackend(stack, { path: backend.path });
  }
}

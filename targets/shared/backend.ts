import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TaggedCloudWorkspaces, type TerraformStack } from "cdktf";
import type { Backend } from "../../constructs/deployment/model";
import { configureStateEncryption } from "./state-encryption";

/**
 * State goes to Terraform Cloud (HCP Terraform), an S3 bucket or a local file beside the
 * deployment file, encrypted by OpenTofu when the deployment asks for it.
 */
export function configureBackend(stack: TerraformStack, backend: Backend): void {
  if (backend.encryption) configureStateEncryption(stack, backend.encryption);
  switch (backend.type) {
    case "cloud":
      new CloudBackend(stack, {
        organization: backend.organization,
        hostname: backend.hostname,
        workspaces: "name" in backend.workspace ? new NamedCloudWorkspace(backend.workspace.name) : new TaggedCloudWorkspaces(backend.workspace.tags as string[]),
      });
      break;
    case "s3":
      new S3Backend(stack, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true, ...(backend.kmsKeyId ? { kmsKeyId: backend.kmsKeyId } : {}) });
      // OpenTofu's (and Terraform 1.10's) own locking: a lock file beside the state; cdktf's
      // S3Backend does not know the setting yet.
      stack.addOverride("terraform.backend.s3.use_lockfile", true);
      break;
    case "local":
      new LocalBackend(stack, { path: backend.path });
  }
}

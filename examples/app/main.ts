/**
 * A cdktf app of your own that composes the Matrix platform with a resource of its own:
 * the on-prem platform of a deployment file, plus an inventory export (a `local_file` a
 * CMDB or an Ansible run can read). The app owns its stack, providers and backend; the
 * library adds only the platform's resources.
 *
 *   npx tsx examples/app/main.ts [deployment.yaml]     (default: examples/onprem-small.yaml)
 *
 * In your own project, import from the package instead of "../../index".
 */
import { join } from "node:path";
import { File } from "@cdktf/provider-local/lib/file";
import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { App, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { loadDeploymentFile, MatrixOnPrem, relaxProviderVersions } from "../../index";

class ChatStack extends TerraformStack {
  constructor(scope: Construct, id: string, deploymentFile: string) {
    super(scope, id);
    // The platform needs these two providers (its provisioners are built-in terraform_data).
    new LocalProvider(this, "local");
    new RandomProvider(this, "random");
    relaxProviderVersions(this, ["local", "random"]);
    new LocalBackend(this, { path: join(__dirname, `${id}.tfstate`) });

    const deployment = loadDeploymentFile(deploymentFile);
    if (deployment.target !== "onprem") throw new Error(`${deploymentFile}: this app deploys on-prem platforms`);
    const chat = new MatrixOnPrem(this, "chat", { deployment });

    new File(this, "inventory", {
      filename: "inventory.json",
      content: JSON.stringify({ url: chat.url, entry: chat.entryAddress, hosts: chat.hosts }, null, 2),
    });
    new TerraformOutput(this, "chat_url", { value: chat.url });
  }
}

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out" });
new ChatStack(app, "acme-chat", process.argv[2] ?? join(__dirname, "..", "onprem-small.yaml"));
app.synth();

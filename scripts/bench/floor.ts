/**
 * The floor of a synth: a process that loads cdktf and one deep-imported AWS class and
 * synthesizes a one-instance stack. scripts/bench/synth.ts measures the app against it.
 */
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out" });
const stack = new TerraformStack(app, "floor");
new AwsProvider(stack, "aws", { region: "eu-central-1" });
new Instance(stack, "server", { ami: "ami-00000000000000000", instanceType: "t3.large" });
app.synth();

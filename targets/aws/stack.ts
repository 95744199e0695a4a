import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { AwsDeployment } from "../../constructs/deployment/model";
import type { Topology } from "../../constructs/model/topology";
import { hostUnits } from "../../constructs/roles";
import { configureBackend } from "../shared/backend";
import { cloudConfig, userDataBase64 } from "./cloud-init";

export interface AwsPocStackProps {
  readonly topology: Topology & { readonly deployment: AwsDeployment };
}

/** Public SSM parameter that always names the newest Amazon Linux 2023 AMI. */
export const AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** The proof of concept on one EC2 instance. */
export class AwsPocStack extends TerraformStack {
  readonly instance: Instance;
  readonly eip: Eip;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: AwsPocStackProps) {
    super(scope, id);
    const { topology } = props;
    const d = topology.deployment;
    const tags = { Deployment: d.name, ManagedBy: "matrix-platform-provisioner" };
    new AwsProvider(this, "aws", { region: d.aws.region, defaultTags: [{ tags }] });
    configureBackend(this, d.name, d.backend);

    const ami = new DataAwsSsmParameter(this, "al2023-ami", { name: AL2023_AMI_PARAMETER });

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${d.name}-matrix`,
      description: `Matrix proof of concept ${d.name}: HTTP from anywhere, SSH from the operator`,
    });
    new VpcSecurityGroupIngressRule(this, "http-in", {
      securityGroupId: this.securityGroup.id,
      description: "HTTP: Element and the Matrix client API through nginx",
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrIpv4: "0.0.0.0/0",
    });
    new VpcSecurityGroupIngressRule(this, "ssh-in", {
      securityGroupId: this.securityGroup.id,
      description: "SSH from the operator's address range",
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: d.aws.sshCidr,
    });
    new VpcSecurityGroupEgressRule(this, "all-out", {
      securityGroupId: this.securityGroup.id,
      description: "Outbound: packages, container images, AWS APIs",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
    });

    const units = hostUnits(topology, topology.hosts[0]).filter((u) => u.name !== "base");
    this.instance = new Instance(this, "server", {
      ami: ami.value,
      instanceType: d.aws.instanceType,
      vpcSecurityGroupIds: [this.securityGroup.id],
      userDataBase64: userDataBase64(cloudConfig(units)),
      userDataReplaceOnChange: false,
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" },
      rootBlockDevice: { volumeType: "gp3", volumeSize: d.aws.rootVolumeGb, encrypted: true, deleteOnTermination: true },
      tags: { Name: `${d.name}-matrix` },
      // A newer AMI in the SSM parameter must not replace a running server.
      lifecycle: { ignoreChanges: ["ami"] },
    });

    this.eip = new Eip(this, "eip", { instance: this.instance.id, domain: "vpc", tags: { Name: `${d.name}-matrix` } });

    new TerraformOutput(this, "public_ip", { value: this.eip.publicIp, description: "Elastic IP of the server: point the domain's A record here" });
    new TerraformOutput(this, "url", { value: `http://${d.domain}/`, description: "Element Web (HTTP only: proof of concept)" });
    new TerraformOutput(this, "ssh_command", { value: `ssh ec2-user@${this.eip.publicIp}`, description: "SSH to the server (from the operator CIDR)" });
  }
}

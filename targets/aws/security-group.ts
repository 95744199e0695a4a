import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import type { AwsSettings } from "../../constructs/deployment/model";

export interface PocSecurityGroupProps {
  readonly deploymentName: string;
  readonly ssh: AwsSettings["ssh"];
}

/** Inbound: 80 from anywhere, 22 from the operator's range only (or not at all). */
export class PocSecurityGroup extends Construct {
  readonly group: SecurityGroup;

  constructor(scope: Construct, id: string, props: PocSecurityGroupProps) {
    super(scope, id);
    this.group = new SecurityGroup(this, "group", {
      name: `${props.deploymentName}-matrix`,
      description: `Matrix proof of concept ${props.deploymentName}: HTTP in, SSH from the operator`,
    });
    const securityGroupId = this.group.id;
    new VpcSecurityGroupIngressRule(this, "http", {
      securityGroupId,
      description: "HTTP: Element and the Matrix client API through nginx",
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrIpv4: "0.0.0.0/0",
    });
    if (props.ssh.kind === "cidr") {
      new VpcSecurityGroupIngressRule(this, "ssh", {
        securityGroupId,
        description: "SSH from the operator's address range",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: props.ssh.cidr,
      });
    }
    new VpcSecurityGroupEgressRule(this, "egress", {
      securityGroupId,
      description: "Outbound: packages, container images, AWS APIs",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
    });
  }
}

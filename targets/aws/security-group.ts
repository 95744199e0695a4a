import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { hostPortRules, type Topology, type TopologyHost } from "../../constructs/topology/topology";

export interface PocSecurityGroupProps {
  readonly deploymentName: string;
  readonly topology: Topology;
  /** The instance's host in the topology: its rules of the port matrix become the group's. */
  readonly host: TopologyHost;
}

/**
 * Inbound: exactly the port matrix's rules for the instance, resolved to CIDRs (80 from
 * anywhere, 22 from the operator's range only, or not at all); outbound: anywhere.
 */
export class PocSecurityGroup extends Construct {
  readonly group: SecurityGroup;

  constructor(scope: Construct, id: string, props: PocSecurityGroupProps) {
    super(scope, id);
    this.group = new SecurityGroup(this, "group", {
      name: `${props.deploymentName}-matrix`,
      description: `Matrix proof of concept ${props.deploymentName}: HTTP in, SSH from the operator`,
    });
    const securityGroupId = this.group.id;
    for (const { rule, sources } of hostPortRules(props.topology, props.host)) {
      if (rule.port === undefined) continue;
      const [fromPort, toPort] = typeof rule.port === "number" ? [rule.port, rule.port] : rule.port;
      const use = rule.name.split(".")[1];
      sources.forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, sources.length > 1 ? `${use}-${i}` : use, {
          securityGroupId,
          description: rule.purpose,
          ipProtocol: rule.protocol,
          fromPort,
          toPort,
          cidrIpv4: cidr.includes("/") ? cidr : `${cidr}/32`,
        });
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

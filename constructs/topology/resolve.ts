import { SHARED_SETTINGS_DEFAULTS } from "../deployment/load";
import type { Deployment, PublicWeb } from "../deployment/model";
import { port, portMatrix } from "./ports";
import { ROLE_ORDER } from "./roles";
import { defaultMediaCacheDays, SCALE_PRESETS, type WorkerCounts } from "./scale";
import type { Topology, TopologyHost } from "./topology";
import { synapseWorkerPlan, type SynapseWorker } from "./workers";

/** The one EC2 instance of the AWS proof of concept (Amazon Linux's login user). */
const AWS_HOST: TopologyHost = { name: "server", address: "127.0.0.1", roles: ["poc"], sshUser: "ec2-user", sshPort: port("host.ssh") };

/** Connections Synapse opens: cp_max (10) for the main process and for every worker. */
export const synapseConnections = (workers: readonly SynapseWorker[]): number => (1 + workers.length) * 10;

const maxCounts = (a: WorkerCounts, b: WorkerCounts): WorkerCounts => ({
  sync: Math.max(a.sync, b.sync),
  generic: Math.max(a.generic, b.generic),
  federationSender: Math.max(a.federationSender, b.federationSender),
  eventPersister: Math.max(a.eventPersister, b.eventPersister),
});

/**
 * Deployment -> Topology: the only place that reads the deployment for the renderers.
 * Settings a target's file does not have take the schema's defaults; nothing here
 * restates a default.
 */
export function buildTopology(deployment: Deployment): Topology {
  const onprem = deployment.target === "onprem" ? deployment.onprem : undefined;
  const hosts: readonly TopologyHost[] = onprem ? onprem.hosts.map(({ name, address, roles, ssh }) => ({ name, address, roles, sshUser: ssh.user, sshPort: ssh.port })) : [AWS_HOST];
  const present = new Set(hosts.flatMap((h) => h.roles));
  // On-prem the proof of concept stays on HTTP: an air-gapped host cannot reach an ACME server.
  const web: PublicWeb = deployment.target === "aws" ? deployment.aws.web : { scheme: "http" };
  const shared = onprem ?? SHARED_SETTINGS_DEFAULTS;
  const preset = deployment.scale === "poc" ? undefined : SCALE_PRESETS[deployment.scale].workers;
  const workers = preset ? { ...preset, ...shared.synapse.workers } : undefined;
  const synapseWorkers = workers ? synapseWorkerPlan(workers) : [];
  // The database is sized for the preset's workers, or the deployment's where it has more:
  // fewer workers (a lab) leave it as it is, so a worker count changes only the Synapse host.
  const sizedFor = preset && workers ? synapseWorkerPlan(maxCounts(preset, workers)) : synapseWorkers;
  return {
    name: deployment.name,
    scale: deployment.scale,
    ...(deployment.domain ? { domain: deployment.domain } : {}),
    serverName: deployment.serverName,
    federation: deployment.federation,
    branding: deployment.branding,
    ...(onprem?.vip ? { vip: onprem.vip } : {}),
    clientSubnets: onprem ? onprem.clientSubnets : ["0.0.0.0/0"],
    adminSubnets: onprem ? onprem.adminSubnets : deployment.target === "aws" && deployment.aws.ssh.kind === "cidr" ? [deployment.aws.ssh.cidr] : [],
    turnRelayPorts: shared.turnRelayPorts,
    database: { synchronousMode: shared.database.synchronousMode, synapseConnections: synapseConnections(sizedFor), poolSize: shared.database.poolSize ?? synapseConnections(sizedFor) },
    backup: shared.backup,
    ...(onprem?.alerts ? { alerts: onprem.alerts } : {}),
    playbook: { ...shared.playbook, bundled: onprem?.bundle !== undefined },
    synapseInstall: shared.synapse.install,
    ...(deployment.scale === "poc" ? {} : { mediaCacheDays: shared.synapse.mediaCacheDays ?? defaultMediaCacheDays(deployment.scale) }),
    hosts,
    roles: ROLE_ORDER.filter((r) => present.has(r)),
    web,
    ports: portMatrix({ turnRelayPorts: shared.turnRelayPorts }).filter((p) => (p.role === undefined || present.has(p.role)) && (p.name !== "poc.https" || web.scheme === "https")),
    ...(workers ? { workers } : {}),
    synapseWorkers,
  };
}

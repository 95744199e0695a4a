import { HA_ROLES, type Role } from "../topology/roles";
import { SCALE_PRESETS } from "../topology/scale";
import { DeploymentError, problem } from "./errors";
import type { InventoryHost, OnPremDeployment } from "./model";

/** Roles that vote: an even count buys no extra failure tolerance and risks split decisions. */
const QUORUM_ROLES: readonly Role[] = ["etcd", "patroni"];

/** Roles that must sit on exactly the same hosts as another role. */
const CO_LOCATED: ReadonlyArray<readonly [Role, Role, string]> = [
  ["pgbouncer", "patroni", "PgBouncer pools the connections of the PostgreSQL next to it"],
  ["keepalived", "haproxy", "Keepalived moves the VIP between the HAProxy hosts and tracks HAProxy"],
];

const hostsWith = (hosts: readonly InventoryHost[], role: Role) => hosts.filter((h) => h.roles.includes(role));
const names = (hosts: readonly InventoryHost[]) => hosts.map((h) => h.name).join(", ") || "none";

/**
 * The rules of the on-prem inventory a user can break: unique hosts, the VIP, the counts
 * of the scale preset, quorum sizes and co-location. Throws one DeploymentError listing
 * every problem found.
 */
export function checkPlacement(d: OnPremDeployment): void {
  const problems: string[] = [];
  const { hosts, vip } = d.onprem;
  const hostsPath = ["onprem", "hosts"];

  const seenName = new Map<string, number>();
  const seenAddress = new Map<string, number>();
  hosts.forEach((h, i) => {
    const nameAt = seenName.get(h.name);
    if (nameAt !== undefined) problems.push(problem([...hostsPath, i, "name"], h.name, `is already the name of onprem.hosts[${nameAt}]; host names must be unique`));
    else seenName.set(h.name, i);
    const addressAt = seenAddress.get(h.address);
    if (addressAt !== undefined) problems.push(problem([...hostsPath, i, "address"], h.address, `is already the address of onprem.hosts[${addressAt}]; each host needs its own address`));
    else seenAddress.set(h.address, i);
    if (vip && h.address === vip) problems.push(problem([...hostsPath, i, "address"], h.address, "is the VIP; the VIP must be a free address that Keepalived moves between the load balancers"));
  });

  if (d.scale === "poc") {
    if (hosts.length !== 1 || hosts[0].roles.join() !== "poc") {
      problems.push(problem(hostsPath, undefined, `scale poc runs on exactly one host with group: poc; found ${hosts.length} host(s) (${hosts.map((h) => `${h.name}: ${h.roles.join("+")}`).join("; ")}); use scale small or larger for the HA cluster`));
    }
    throwIfAny(problems);
    return;
  }

  if (!vip) problems.push(problem(["onprem", "vip"], undefined, `is required at scale ${d.scale}: a free address in the load balancers' subnet, held by Keepalived`));
  hosts.forEach((h, i) => {
    if (h.roles.includes("poc")) problems.push(problem([...hostsPath, i], undefined, `carries poc, the all-in-one stack of scale poc; at scale ${d.scale} use the HA roles or groups`));
  });

  const preset = SCALE_PRESETS[d.scale];
  for (const role of HA_ROLES) {
    const carriers = hostsWith(hosts, role);
    const needed = preset.counts[role];
    if (carriers.length < needed) {
      problems.push(problem(hostsPath, undefined, `${role} is on ${carriers.length} host(s) (${names(carriers)}); scale ${d.scale} needs at least ${needed}: add hosts with this role`));
    } else if (QUORUM_ROLES.includes(role) && carriers.length % 2 === 0) {
      problems.push(problem(hostsPath, undefined, `${role} is on ${carriers.length} hosts (${names(carriers)}); it needs an odd number (3, 5, ...) for quorum: add or remove one`));
    }
  }
  for (const [role, partner, why] of CO_LOCATED) {
    const a = names(hostsWith(hosts, role));
    const b = names(hostsWith(hosts, partner));
    if (a !== b) problems.push(problem(hostsPath, undefined, `${role} is on ${a} but ${partner} is on ${b}; they must be on the same hosts (${why}): use group: ${role === "pgbouncer" ? "database" : "load_balancer"}`));
  }
  throwIfAny(problems);
}

function throwIfAny(problems: string[]): void {
  if (problems.length > 0) throw new DeploymentError(problems);
}

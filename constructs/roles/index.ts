import type { Role } from "../topology/roles";
import type { Topology, TopologyHost } from "../topology/topology";
import { renderBackup } from "./backup";
import { renderBase } from "./base";
import { renderCoturn } from "./coturn";
import { renderEtcd } from "./etcd";
import { renderHaproxy } from "./haproxy";
import { renderKeepalived } from "./keepalived";
import { renderLivekit } from "./livekit";
import { renderMinio } from "./minio";
import { renderMonitoring } from "./monitoring";
import { renderPatroni } from "./patroni";
import { renderPgbouncer } from "./pgbouncer";
import { renderPoc } from "./poc";
import { renderRedis } from "./redis";
import { renderSentinel } from "./sentinel";
import { renderSynapse } from "./synapse";
import type { RoleRenderer, RoleUnit } from "./unit";

/** Each role's renderer: constructs/roles/<role>.ts, with its templates in templates/<role>/. */
export const ROLE_RENDERERS: Readonly<Record<Role, RoleRenderer>> = {
  etcd: renderEtcd,
  patroni: renderPatroni,
  pgbouncer: renderPgbouncer,
  haproxy: renderHaproxy,
  keepalived: renderKeepalived,
  minio: renderMinio,
  coturn: renderCoturn,
  redis: renderRedis,
  sentinel: renderSentinel,
  livekit: renderLivekit,
  monitoring: renderMonitoring,
  backup: renderBackup,
  synapse: renderSynapse,
  poc: renderPoc,
};

/** Everything a host gets: its base layer, then each of its roles in activation order. */
export function hostUnits(topology: Topology, host: TopologyHost): RoleUnit[] {
  const ctx = { topology, host };
  return [renderBase(ctx), ...host.roles.map((r) => ROLE_RENDERERS[r](ctx))];
}

export type { RenderedFile, RoleUnit } from "./unit";

import type { Role } from "../topology/roles";
import type { Topology, TopologyHost } from "../topology/topology";
import { renderBase } from "./base";
import { renderEtcd, renderPatroni, renderPgbouncer } from "./database";
import { renderHaproxy, renderKeepalived } from "./edge";
import { renderCoturn, renderLivekit, renderMinio } from "./media";
import { renderRedis, renderSentinel } from "./redis";
import { renderMonitoring } from "./monitoring";
import { renderBackup } from "./backup";
import { renderSynapse } from "./synapse-host/render";
import { renderPoc } from "./poc";
import type { RoleRenderer, RoleUnit } from "./unit";

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

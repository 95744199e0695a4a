import { renderTemplate } from "../template";
import type { RoleRenderer } from "./unit";
import { commonView } from "./view";

/** PgBouncer 1.18 beside each PostgreSQL, in transaction mode, sized from the Synapse pool. */
export const renderPgbouncer: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const { poolSize } = topology.database;
  const pgbView = { ...view, poolSize, minPoolSize: Math.ceil(poolSize / 4), reservePoolSize: Math.ceil(poolSize / 10), maxClientConn: poolSize * 10 };
  return {
    name: "pgbouncer",
    files: [
      { path: "/etc/pgbouncer/pgbouncer.ini", content: renderTemplate("pgbouncer/pgbouncer.ini.mustache", pgbView), mode: "0640", owner: "root:postgres" },
      { path: "/etc/pgbouncer/userlist.txt", content: renderTemplate("pgbouncer/userlist.txt.mustache", view), mode: "0640", owner: "root:postgres" },
    ],
    activate: renderTemplate("pgbouncer/activate.sh.mustache", view),
    packages: ["pgbouncer"],
  };
};

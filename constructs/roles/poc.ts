import { PUBLIC_HOST_MARKER } from "../markers";
import { renderTemplate } from "../template";
import type { RoleRenderer } from "./unit";
import { elementBranding, elementConfig } from "./synapse/element";
import { commonView } from "./view";

/** Container images of the proof of concept, pinned. */
export const POC_IMAGES = {
  postgres: "postgres:15.10-bookworm",
  // The Synapse release matrix-docker-ansible-deploy pins (SYNAPSE_VERSION), like every install path.
  synapse: "matrixdotorg/synapse:v1.159.0",
  element: "vectorim/element-web:v1.11.100",
  nginx: "nginx:1.28.0-bookworm",
} as const;

/** Where the stack lives on the host. */
export const POC_ROOT = "/opt/matrix";

/**
 * The values that differ between the containers and a plain loopback run of the same
 * config (the end-to-end test renders with its own; production uses these).
 */
export interface PocRuntime {
  readonly dataDir: string;
  readonly mediaDir: string;
  readonly secretsDir: string;
  readonly bindAddresses: string;
  /** Synapse's HTTP listener (client + federation resources). */
  readonly synapsePort: number;
  readonly dbHost: string;
  readonly dbPort: number;
  readonly listen: string;
  readonly synapseUpstream: string;
  readonly elementUpstream: string;
  readonly wellKnownRoot: string;
}

export const CONTAINER_RUNTIME: PocRuntime = {
  dataDir: "/data",
  mediaDir: "/media",
  secretsDir: "/secrets",
  bindAddresses: "'0.0.0.0'",
  synapsePort: 8008,
  dbHost: "postgres",
  dbPort: 5432,
  listen: "80",
  synapseUpstream: "synapse:8008",
  elementUpstream: "element:80",
  wellKnownRoot: "/usr/share/nginx/well-known",
};

export function pocView(ctx: Parameters<RoleRenderer>[0], runtime: PocRuntime = CONTAINER_RUNTIME) {
  const t = ctx.topology;
  return {
    ...commonView(ctx.topology, ctx.host),
    ...runtime,
    root: POC_ROOT,
    images: POC_IMAGES,
    federation: t.federation,
    publicBaseUrl: `http://${t.domain ?? PUBLIC_HOST_MARKER}/`,
    ...elementBranding(t.branding),
  };
}

export const renderPoc: RoleRenderer = (ctx) => {
  const view = pocView(ctx);
  const r = POC_ROOT;
  return {
    name: "poc",
    files: [
      { path: `${r}/docker-compose.yml`, content: renderTemplate("poc/docker-compose.yml.mustache", view), mode: "0644" },
      { path: `${r}/synapse/homeserver.yaml`, content: renderTemplate("poc/homeserver.yaml.mustache", view), mode: "0644" },
      { path: `${r}/synapse/log.config`, content: renderTemplate("poc/log.config.mustache", view), mode: "0644" },
      { path: `${r}/nginx/matrix.conf`, content: renderTemplate("poc/nginx.conf.mustache", view), mode: "0644" },
      { path: `${r}/nginx/well-known/client`, content: renderTemplate("poc/well-known-client.mustache", view), mode: "0644" },
      { path: `${r}/element/config.json`, content: elementConfig(ctx.topology.branding, view.publicBaseUrl, ctx.topology.serverName), mode: "0644" },
      { path: "/etc/systemd/system/matrix-stack.service", content: renderTemplate("poc/matrix-stack.service.mustache", view), mode: "0644" },
    ],
    activate: renderTemplate("poc/activate.sh.mustache", view),
    packages: ["docker.io", "docker-compose", "openssl"],
  };
};

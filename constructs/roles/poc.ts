import { PUBLIC_HOST_MARKER } from "../markers";
import { renderTemplate } from "../template";
import type { RoleRenderer } from "./unit";
import { elementBranding, elementConfig } from "./synapse/element";
import { SYNAPSE_VERSION } from "./synapse/wheelhouse";
import { commonView } from "./view";

/** Container images of the proof of concept, pinned. */
export const POC_IMAGES = {
  postgres: "postgres:15.10-bookworm",
  // The product's Synapse release, like every install path.
  synapse: `matrixdotorg/synapse:v${SYNAPSE_VERSION}`,
  element: "vectorim/element-web:v1.11.100",
  nginx: "nginx:1.28.0-bookworm",
  // ACME client for the HTTPS certificate (5.x: IP address identifiers and profiles).
  certbot: "certbot/certbot:v5.8.0",
} as const;

/** The host's command that obtains and renews the certificate (templates/poc/certificate.sh.mustache). */
export const CERTIFICATE_COMMAND = "/usr/local/sbin/matrix-certificate";

/** certbot's name for the certificate: its files are under live/<name>/. */
export const CERTIFICATE_NAME = "matrix";

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
  /** nginx's HTTPS listener (used with a certificate only). */
  readonly listenTls: string;
  /** Where nginx serves the ACME HTTP-01 challenge from: certbot's webroot. */
  readonly acmeWebroot: string;
  /** certbot's configuration folder as nginx sees it (the certificate is in live/<name>/). */
  readonly letsencryptDir: string;
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
  listenTls: "443",
  acmeWebroot: "/var/www/acme",
  letsencryptDir: "/etc/letsencrypt",
  synapseUpstream: "synapse:8008",
  elementUpstream: "element:80",
  wellKnownRoot: "/usr/share/nginx/well-known",
};

/**
 * How the host's certificate script reaches certbot and nginx: in the containers in
 * production; the HTTPS test runs the same script with local programs.
 */
export interface CertbotRuntime {
  /** A command that runs certbot with the arguments appended. */
  readonly certbot: string;
  /** certbot's webroot, as certbot sees it. */
  readonly webroot: string;
  /** The certificate's live folder, as the script sees it. */
  readonly liveDir: string;
  /** The folder nginx includes its server blocks from, and the two it chooses between. */
  readonly nginxDir: string;
  /** A command that makes nginx reload its configuration and certificate. */
  readonly reloadNginx: string;
}

const compose = `docker compose -f ${POC_ROOT}/docker-compose.yml`;

export const CONTAINER_CERTBOT: CertbotRuntime = {
  certbot: `${compose} run --rm --no-deps certbot`,
  webroot: CONTAINER_RUNTIME.acmeWebroot,
  liveDir: `${POC_ROOT}/letsencrypt/live/${CERTIFICATE_NAME}`,
  nginxDir: `${POC_ROOT}/nginx`,
  reloadNginx: `${compose} exec -T nginx nginx -s reload`,
};

/** The public host: the domain, or the Elastic IP's marker the target fills at apply. */
const publicHost = (t: Parameters<RoleRenderer>[0]["topology"]) => t.domain ?? PUBLIC_HOST_MARKER;

export function pocView(ctx: Parameters<RoleRenderer>[0], runtime: PocRuntime = CONTAINER_RUNTIME) {
  const t = ctx.topology;
  const https = t.web.scheme === "https";
  return {
    ...commonView(ctx.topology, ctx.host),
    ...runtime,
    root: POC_ROOT,
    images: POC_IMAGES,
    federation: t.federation,
    https,
    certificateName: CERTIFICATE_NAME,
    publicBaseUrl: `${t.web.scheme}://${publicHost(t)}/`,
    ...elementBranding(t.branding),
  };
}

/** The view of the certificate script (templates/poc/certificate.sh.mustache); https only. */
export function certificateView(ctx: Parameters<RoleRenderer>[0], runtime: CertbotRuntime = CONTAINER_CERTBOT) {
  const t = ctx.topology;
  if (t.web.scheme !== "https") throw new Error("certificateView: the deployment serves plain HTTP");
  const host = publicHost(t);
  const { directory, email } = t.web.acme;
  return {
    ...runtime,
    publicHost: host,
    directory,
    certificateName: CERTIFICATE_NAME,
    account: email ? `--email ${email}` : "--register-unsafely-without-email",
    // An address needs an IP certificate: Let's Encrypt issues those only in its short-lived
    // profile (6 days), which the twice-daily timer renews in time.
    identifier: t.domain ? `--domain ${host}` : `--ip-address ${host} --required-profile shortlived`,
  };
}

export const renderPoc: RoleRenderer = (ctx) => {
  const view = pocView(ctx);
  const r = POC_ROOT;
  const certificate = view.https ? { ...certificateView(ctx), command: CERTIFICATE_COMMAND } : undefined;
  const https = certificate
    ? [
        { path: `${r}/nginx/https.conf`, content: renderTemplate("poc/nginx-https.conf.mustache", view), mode: "0644" },
        { path: CERTIFICATE_COMMAND, content: renderTemplate("poc/certificate.sh.mustache", certificate), mode: "0755" },
        { path: "/etc/systemd/system/matrix-certificate.service", content: renderTemplate("poc/matrix-certificate.service.mustache", certificate), mode: "0644" },
        { path: "/etc/systemd/system/matrix-certificate.timer", content: renderTemplate("poc/matrix-certificate.timer.mustache", certificate), mode: "0644" },
      ]
    : [];
  return {
    name: "poc",
    files: [
      { path: `${r}/docker-compose.yml`, content: renderTemplate("poc/docker-compose.yml.mustache", view), mode: "0644" },
      { path: `${r}/synapse/homeserver.yaml`, content: renderTemplate("poc/homeserver.yaml.mustache", view), mode: "0644" },
      { path: `${r}/synapse/log.config`, content: renderTemplate("poc/log.config.mustache", view), mode: "0644" },
      { path: `${r}/nginx/http.conf`, content: renderTemplate("poc/nginx-http.conf.mustache", view), mode: "0644" },
      ...https,
      { path: `${r}/nginx/well-known/client`, content: renderTemplate("poc/well-known-client.mustache", view), mode: "0644" },
      { path: `${r}/element/config.json`, content: elementConfig(ctx.topology.branding, view.publicBaseUrl, ctx.topology.serverName), mode: "0644" },
      { path: "/etc/systemd/system/matrix-stack.service", content: renderTemplate("poc/matrix-stack.service.mustache", view), mode: "0644" },
    ],
    activate: renderTemplate("poc/activate.sh.mustache", view),
    packages: ["docker.io", "docker-compose", "openssl"],
  };
};

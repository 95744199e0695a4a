// The proof-of-concept stack's own rendered configs, run for real on loopback:
// PostgreSQL 15 and nginx from Debian, Synapse from PyPI (scripts/deps/poc-e2e.sh).
// Only what differs between the containers and this machine changes (PocRuntime: listen
// addresses, ports, paths); the templates, and so every other setting, are production's.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { buildTopology } from "../../constructs/topology/resolve";
import { renderTemplate } from "../../constructs/template";
import { pocView, POC_IMAGES, type PocRuntime } from "../../constructs/roles/poc";
import { loadExample, ROOT } from "./examples";
import { Daemon, freePorts, run, unprivilegedUser, waitFor, type RunAs } from "./loopback-procs";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const NGINX = "/usr/sbin/nginx";
const VENV = join(ROOT, ".cache", "venv-synapse");
const PYTHON = join(VENV, "bin", "python");

export const SYNAPSE_VERSION = POC_IMAGES.synapse.replace(/^.*:v/, "");

/** Programs the loopback stack needs that are not on this machine (scripts/setup-tests.sh installs them). */
export function missingPrograms(): string[] {
  const programs = [
    ...["initdb", "postgres", "psql", "pg_isready"].map((p) => join(PG_BIN, p)),
    NGINX,
    PYTHON,
    join(VENV, "bin", "register_new_matrix_user"),
  ];
  const missing = programs.filter((p) => !existsSync(p));
  const stamp = join(VENV, ".stamp");
  if (existsSync(PYTHON) && !(existsSync(stamp) && readFileSync(stamp, "utf8").includes(`==${SYNAPSE_VERSION} `))) {
    missing.push(`matrix-synapse==${SYNAPSE_VERSION} in ${VENV}`);
  }
  return missing;
}

export interface LoopbackPorts {
  readonly nginx: number;
  readonly synapse: number;
  readonly postgres: number;
  /** Nothing listens here: Element Web is not part of this test. */
  readonly element: number;
}

/** The rendered files the test runs, by their production names. */
export interface RenderedPoc {
  readonly homeserverYaml: string;
  readonly logConfig: string;
  readonly nginxServer: string;
  readonly wellKnownClient: string;
  readonly compose: string;
}

/**
 * The nginx top level for a test (the container uses the nginx image's own): it includes
 * the rendered server block from conf.d/, as the image does; temp files, pid and logs stay
 * in `dir`. `user`: the workers' user when nginx starts as root.
 */
export function nginxMainConfig(dir: string, opts: { readonly user?: string } = {}): string {
  const n = (...p: string[]) => join(dir, ...p);
  return [
    "# Top level for a test (the container uses the nginx image's own); the server",
    "# block in conf.d/ is a rendered templates/poc/nginx-*.conf.mustache.",
    "daemon off;",
    ...(opts.user ? [`user ${opts.user};`] : []),
    "worker_processes 1;",
    `pid ${n("nginx.pid")};`,
    `error_log ${n("error.log")} notice;`,
    "events { worker_connections 256; }",
    "http {",
    "    include /etc/nginx/mime.types;",
    "    default_type application/octet-stream;",
    `    access_log ${n("access.log")};`,
    "    sendfile on;",
    "    keepalive_timeout 65;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${n("tmp", t)};`),
    `    include ${n("conf.d")}/*.conf;`,
    "}",
    "",
  ].join("\n");
}

export class PocLoopback {
  readonly dir: string;
  /** Who PostgreSQL and nginx run as (nobody when the test runs as root). */
  readonly runAs: RunAs | undefined;
  /** Synapse runs unprivileged too (uid 991 in its image) unless that user cannot reach the venv (a checkout in a private folder). */
  readonly synapseRunAs: RunAs | undefined;
  private readonly daemons: Daemon[] = [];
  private synapse: Daemon | undefined;
  private synapseStarts = 0;
  ports!: LoopbackPorts;
  runtime!: PocRuntime;
  rendered!: RenderedPoc;
  secrets!: Record<"db_password" | "registration_shared_secret" | "macaroon_secret" | "form_secret", string>;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "poc-e2e-"));
    this.runAs = unprivilegedUser();
    const probe = this.runAs && spawnSync(PYTHON, ["-c", "import synapse"], { uid: this.runAs.uid, gid: this.runAs.gid, cwd: "/", env: { PATH: "/usr/bin:/bin" } });
    this.synapseRunAs = probe && probe.status === 0 ? this.runAs : undefined;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  get nginxUrl(): string {
    return `http://127.0.0.1:${this.ports.nginx}`;
  }

  /** Synapse's own listener, for the admin API (not proxied by nginx, as in production). */
  get synapseUrl(): string {
    return `http://127.0.0.1:${this.ports.synapse}`;
  }

  private get env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, LANG: "C.UTF-8", TZ: "UTC", PYTHONDONTWRITEBYTECODE: "1" };
  }

  /** Renders the configs with the loopback runtime and lays out data, secrets and logs. */
  async prepare(): Promise<void> {
    const [nginx, synapse, postgres, element] = await freePorts(4);
    this.ports = { nginx, synapse, postgres, element };
    this.runtime = {
      dataDir: this.path("synapse"),
      mediaDir: this.path("media"),
      secretsDir: this.path("secrets"),
      bindAddresses: "'127.0.0.1'",
      synapsePort: synapse,
      dbHost: "127.0.0.1",
      dbPort: postgres,
      listen: `127.0.0.1:${nginx}`,
      // The example is on-prem: plain HTTP, these are not rendered.
      listenTls: "",
      acmeWebroot: "",
      letsencryptDir: "",
      synapseUpstream: `127.0.0.1:${synapse}`,
      elementUpstream: `127.0.0.1:${element}`,
      wellKnownRoot: this.path("well-known"),
    };
    const topology = buildTopology(loadExample("onprem-poc"));
    const host = topology.hosts.find((h) => h.roles.includes("poc"));
    if (!host) throw new Error("onprem-poc has no poc host");
    const view = pocView({ topology, host }, this.runtime);
    this.rendered = {
      homeserverYaml: renderTemplate("poc/homeserver.yaml.mustache", view),
      logConfig: renderTemplate("poc/log.config.mustache", view),
      nginxServer: renderTemplate("poc/nginx-http.conf.mustache", view),
      wellKnownClient: renderTemplate("poc/well-known-client.mustache", view),
      compose: renderTemplate("poc/docker-compose.yml.mustache", view),
    };

    for (const d of ["synapse", "media", "secrets", "well-known", "postgres/run", "nginx/tmp", "logs"]) mkdirSync(this.path(d), { recursive: true });
    chmodSync(this.path("secrets"), 0o700);
    writeFileSync(this.path("synapse", "homeserver.yaml"), this.rendered.homeserverYaml);
    writeFileSync(this.path("synapse", "log.config"), this.rendered.logConfig);
    // As the activation installs it: conf.d/default.conf.
    mkdirSync(this.path("nginx", "conf.d"), { recursive: true });
    writeFileSync(this.path("nginx", "conf.d", "default.conf"), this.rendered.nginxServer);
    writeFileSync(this.path("well-known", "client"), this.rendered.wellKnownClient);

    // As templates/poc/activate.sh.mustache does on the host: 32 random bytes in hex, no
    // newline; pgpass for Synapse (there with host "postgres", here 127.0.0.1).
    const secret = () => randomBytes(32).toString("hex");
    this.secrets = { db_password: secret(), registration_shared_secret: secret(), macaroon_secret: secret(), form_secret: secret() };
    for (const [name, value] of Object.entries(this.secrets)) writeFileSync(this.path("secrets", name), value, { mode: 0o600 });
    writeFileSync(this.path("secrets", "pgpass"), `127.0.0.1:${postgres}:synapse:synapse:${this.secrets.db_password}\n`, { mode: 0o600 });
    this.chownAll();
  }

  /** Everything under the temp dir belongs to the user the daemons run as. */
  private chownAll(): void {
    if (!this.runAs) return;
    const { uid, gid } = this.runAs;
    const walk = (p: string) => {
      chownSync(p, uid, gid);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    };
    walk(this.dir);
  }

  private daemon(name: string, cmd: string, args: string[], runAs: RunAs | undefined): Daemon {
    const d = new Daemon(name, cmd, args, this.path("logs", `${name}.log`), { env: this.env, runAs, cwd: this.dir });
    this.daemons.push(d);
    return d;
  }

  private run(cmd: string, args: string[], runAs: RunAs | undefined) {
    return run(cmd, args, { env: this.env, runAs, cwd: this.dir });
  }

  /** The POSTGRES_* settings of the rendered docker-compose.yml. */
  composePostgres(): { user: string; db: string; initdbArgs: string[] } {
    const env = parseYaml(this.rendered.compose).services.postgres.environment;
    return { user: env.POSTGRES_USER, db: env.POSTGRES_DB, initdbArgs: String(env.POSTGRES_INITDB_ARGS).split(/\s+/).filter(Boolean) };
  }

  /**
   * PostgreSQL as the postgres image's entrypoint makes it: initdb with POSTGRES_USER as
   * the superuser, its password from the secret file, POSTGRES_INITDB_ARGS, password
   * (scram-sha-256) auth over TCP; then CREATE DATABASE POSTGRES_DB.
   */
  async startPostgres(): Promise<void> {
    const { user, db, initdbArgs } = this.composePostgres();
    const data = this.path("postgres", "data");
    this.run(join(PG_BIN, "initdb"), ["-D", data, `--username=${user}`, `--pwfile=${this.path("secrets", "db_password")}`, "--auth-local=trust", "--auth-host=scram-sha-256", ...initdbArgs], this.runAs);
    const pg = this.daemon("postgres", join(PG_BIN, "postgres"), ["-D", data, "-c", "listen_addresses=127.0.0.1", "-p", String(this.ports.postgres), "-k", this.path("postgres", "run")], this.runAs);
    await waitFor("PostgreSQL to accept connections", 30_000, async () => {
      const r = spawnSync(join(PG_BIN, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(this.ports.postgres)], { env: this.env });
      return r.status === 0 ? true : undefined;
    }, pg);
    this.run(join(PG_BIN, "psql"), ["-h", this.path("postgres", "run"), "-p", String(this.ports.postgres), "-U", user, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE "${db}"`], this.runAs);
  }

  /** A query as Synapse connects: TCP to 127.0.0.1, password from the pgpass secret. */
  psql(sql: string): string {
    const env = { ...this.env, PGPASSFILE: this.path("secrets", "pgpass") };
    return run(join(PG_BIN, "psql"), ["-h", "127.0.0.1", "-p", String(this.ports.postgres), "-U", "synapse", "-d", "synapse", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], { env, runAs: this.runAs, cwd: this.dir }).stdout.trim();
  }

  /** `--generate-keys`, as templates/poc/activate.sh.mustache runs it before the first start. */
  generateKeys(): void {
    this.run(PYTHON, ["-m", "synapse.app.homeserver", "--config-path", this.path("synapse", "homeserver.yaml"), "--generate-keys"], this.synapseRunAs);
  }

  async startSynapse(): Promise<void> {
    this.synapseStarts += 1;
    const d = this.daemon(`synapse-${this.synapseStarts}`, PYTHON, ["-m", "synapse.app.homeserver", "--config-path", this.path("synapse", "homeserver.yaml")], this.synapseRunAs);
    this.synapse = d;
    await waitFor("Synapse /health", 120_000, async () => {
      const r = await fetch(`${this.synapseUrl}/health`);
      return r.status === 200 && (await r.text()) === "OK" ? true : undefined;
    }, d);
  }

  async stopSynapse(): Promise<void> {
    await this.synapse?.stop("SIGTERM");
  }

  /** `nginx -t` on the config; returns its output. */
  nginxTest(): string {
    const r = this.run(NGINX, this.nginxArgs("-t"), this.runAs);
    return r.stderr + r.stdout;
  }

  private nginxArgs(...extra: string[]): string[] {
    return [...extra, "-p", `${this.path("nginx")}/`, "-c", this.path("nginx", "nginx.conf"), "-e", this.path("nginx", "error.log")];
  }

  writeNginxMain(): void {
    writeFileSync(this.path("nginx", "nginx.conf"), nginxMainConfig(this.path("nginx")));
    this.chownAll();
  }

  async startNginx(): Promise<void> {
    const d = this.daemon("nginx", NGINX, this.nginxArgs(), this.runAs);
    await waitFor("nginx to serve /.well-known/matrix/client", 20_000, async () => ((await fetch(`${this.nginxUrl}/.well-known/matrix/client`)).status === 200 ? true : undefined), d);
  }

  /** `register_new_matrix_user -c homeserver.yaml`: the shared secret and URL come from the config. */
  registerUser(user: string, password: string, admin: boolean): string {
    const pwFile = this.path("secrets", `password-${user}`);
    writeFileSync(pwFile, password, { mode: 0o600 });
    this.chownAll();
    return this.run(join(VENV, "bin", "register_new_matrix_user"), ["-c", this.path("synapse", "homeserver.yaml"), "-u", user, "--password-file", pwFile, admin ? "--admin" : "--no-admin"], this.synapseRunAs).stdout;
  }

  /** Logs of every daemon, for a failure message. */
  logs(): string {
    return this.daemons.map((d) => d.tail(30)).join("\n");
  }

  /** Stops every daemon (also after failures) and removes the temp dir. */
  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    for (const d of [...this.daemons].reverse()) {
      try {
        await d.stop(d.name === "postgres" ? "SIGINT" : "SIGTERM");
      } catch (e) {
        errors.push(e);
      }
    }
    // POC_E2E_KEEP=1 keeps the configs and logs for a look after a failure.
    if (process.env.POC_E2E_KEEP === "1") console.log(`POC e2e: kept ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, "cleanup of the loopback stack");
  }
}

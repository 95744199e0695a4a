// The AWS proof of concept's HTTPS, end to end, on this machine: Pebble (Let's Encrypt's
// ACME test server, built from the Go module proxy) issues the certificates; the host's
// REAL rendered matrix-certificate command runs certbot (the POC image's version, from PyPI) with the
// HTTP-01 challenge answered by nginx (Debian) serving the REAL rendered http.conf and
// https.conf; headless Chromium (Debian) loads the site with Pebble's root trusted. The
// CA, the server and the browser are three network namespaces on a bridge without an
// uplink. What differs from the instance: certbot and nginx run here instead of in their
// containers (CertbotRuntime, PocRuntime: paths and commands), and Element Web is a page
// that reports what the browser allows (the release is not reachable here).
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Deployment } from "../constructs/deployment/model";
import { PUBLIC_HOST_MARKER } from "../constructs/markers";
import { CERTIFICATE_NAME, certificateView, pocView, POC_IMAGES, type CertbotRuntime, type PocRuntime } from "../constructs/roles/poc";
import { renderTemplate } from "../constructs/template";
import { buildTopology } from "../constructs/topology/resolve";
import { loadExample, ROOT } from "./helpers/examples";
import { Daemon, waitFor } from "./helpers/loopback-procs";
import { bridgedHosts, type BridgedHosts } from "./helpers/netns-bridge";
import { nginxMainConfig } from "./helpers/poc-loopback";
import { program, run, tempDir } from "./helpers/programs";

const PEBBLE_BIN = join(ROOT, ".cache/go-bin/pebble-v2.10.3");
const CERTBOT = join(ROOT, ".cache/venv-certbot/bin/certbot");
const CERTBOT_VERSION = POC_IMAGES.certbot.replace(/^.*:v/, "");
const NET = "10.89.0";
const CA = { name: "ca", address: `${NET}.2` };
const SERVER = { name: "server", address: `${NET}.10` };
const BROWSER = { name: "browser", address: `${NET}.20` };
const DOMAIN = "chat.z3r0d3v.com";
/** Lifetime of Pebble's short-lived profile here: the IP certificate is due for renewal at once. */
const SHORT_LIFETIME_S = 45;

const tmp = tempDir("poc-https-");
let network: BridgedHosts | undefined;
const daemons: Daemon[] = [];
const path = (...p: string[]) => join(tmp.dir, ...p);
const ns = (host: { name: string }) => network!.nsOf(host.name);
const inNs = (host: { name: string }, file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  run("ip", ["netns", "exec", ns(host), program(file), ...args], { env: { ...process.env, ...env } });
function daemon(host: { name: string }, name: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Daemon {
  const d = new Daemon(name, program("ip"), ["netns", "exec", ns(host), file, ...args], path(`${name}.log`), { env: { PATH: process.env.PATH, ...env }, cwd: tmp.dir });
  daemons.push(d);
  return d;
}

/** The ACME server's own TLS certificate (certbot checks it), for its address. */
function acmeServerCertificate(): string {
  run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=pebble", "-addext", `subjectAltName=IP:${CA.address}`, "-keyout", path("pebble-key.pem"), "-out", path("pebble-cert.pem")]);
  return path("pebble-cert.pem");
}

async function startAcmeServer(): Promise<string> {
  const config = {
    pebble: {
      listenAddress: `${CA.address}:14000`,
      managementListenAddress: `${CA.address}:15000`,
      certificate: acmeServerCertificate(),
      privateKey: path("pebble-key.pem"),
      // The challenge ports are the real ones: the server's nginx answers on 80.
      httpPort: 80,
      tlsPort: 443,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
      keyAlgorithm: "ecdsa",
      profiles: {
        default: { description: "like Let's Encrypt's classic profile", validityPeriod: 7776000 },
        shortlived: { description: "like Let's Encrypt's, shortened so renewal is due in the test", validityPeriod: SHORT_LIFETIME_S },
      },
    },
  };
  writeFileSync(path("pebble.json"), JSON.stringify(config));
  // Pebble's DNS: every name points at the server unless the test says otherwise.
  const dns = daemon(CA, "challtestsrv", join(PEBBLE_BIN, "pebble-challtestsrv"), ["-dnsserver", `${CA.address}:8053`, "-management", `${CA.address}:8055`, "-defaultIPv4", SERVER.address, "-defaultIPv6", "", "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", ""]);
  await waitFor("Pebble's DNS server", 20_000, async () => (inNs(CA, "curl", ["-fsS", "-o", "/dev/null", `http://${CA.address}:8055/`]).status !== 7 ? true : undefined), dns);
  const pebble = daemon(CA, "pebble", join(PEBBLE_BIN, "pebble"), ["-config", path("pebble.json"), "-dnsserver", `${CA.address}:8053`, "-strict"], { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" });
  await waitFor("Pebble's directory", 20_000, async () => (inNs(CA, "curl", ["-fsS", "--cacert", path("pebble-cert.pem"), `https://${CA.address}:14000/dir`]).status === 0 ? true : undefined), pebble);
  // The root Pebble signs with is made at its start: the browser trusts it, as browsers trust Let's Encrypt's.
  const root = inNs(CA, "curl", ["-fsS", "--cacert", path("pebble-cert.pem"), `https://${CA.address}:15000/roots/0`]);
  writeFileSync(path("acme-root.pem"), root.stdout);
  return `https://${CA.address}:14000/dir`;
}

const dnsManagement = (endpoint: string, body: object) => expect(inNs(CA, "curl", ["-fsS", "-d", JSON.stringify(body), `http://${CA.address}:8055/${endpoint}`]).status).toBe(0);

/** One deployment's site on the server namespace: its rendered nginx files and certificate script. */
class Site {
  readonly dir: string;
  readonly url: string;
  private nginx: Daemon | undefined;

  constructor(
    readonly name: string,
    readonly deployment: Deployment,
    readonly publicHost: string,
    directory: string,
  ) {
    this.dir = path(name);
    this.url = `https://${publicHost}/`;
    const topology = buildTopology({ ...deployment, ...(deployment.target === "aws" ? { aws: { ...deployment.aws, web: { scheme: "https", acme: { directory } } } } : {}) } as Deployment);
    const host = topology.hosts[0];
    const d = (...p: string[]) => join(this.dir, ...p);
    const runtime: PocRuntime = {
      dataDir: d("synapse"),
      mediaDir: d("media"),
      secretsDir: d("secrets"),
      bindAddresses: "'127.0.0.1'",
      synapsePort: 8008,
      dbHost: "127.0.0.1",
      dbPort: 5432,
      listen: "80",
      listenTls: "443",
      acmeWebroot: d("acme"),
      letsencryptDir: d("letsencrypt"),
      synapseUpstream: "127.0.0.1:8008",
      elementUpstream: "127.0.0.1:8080",
      wellKnownRoot: d("well-known"),
    };
    const certbot: CertbotRuntime = {
      certbot: `${CERTBOT} --config-dir ${d("letsencrypt")} --work-dir ${d("certbot-work")} --logs-dir ${d("certbot-logs")}`,
      webroot: d("acme"),
      liveDir: d("letsencrypt", "live", CERTIFICATE_NAME),
      nginxDir: d("nginx"),
      reloadNginx: `kill -HUP "$(cat ${d("nginx", "nginx.pid")})"`,
    };
    // As Terraform fills the Elastic IP into the user-data.
    const fill = (text: string) => text.replaceAll(PUBLIC_HOST_MARKER, publicHost);
    const view = pocView({ topology, host }, runtime);
    for (const dir of ["acme", "letsencrypt", "nginx/conf.d", "nginx/tmp", "well-known"]) mkdirSync(d(dir), { recursive: true });
    writeFileSync(d("nginx", "http.conf"), fill(renderTemplate("poc/nginx-http.conf.mustache", view)));
    writeFileSync(d("nginx", "https.conf"), fill(renderTemplate("poc/nginx-https.conf.mustache", view)));
    writeFileSync(d("well-known", "client"), fill(renderTemplate("poc/well-known-client.mustache", view)));
    writeFileSync(d("matrix-certificate"), fill(renderTemplate("poc/certificate.sh.mustache", certificateView({ topology, host }, certbot))));
    writeFileSync(d("nginx", "nginx.conf"), nginxMainConfig(d("nginx"), { user: "nobody nogroup" }));
    // As the activation does before the stack starts: no certificate yet, so http.conf.
    cpSync(d("nginx", "http.conf"), d("nginx", "conf.d", "default.conf"));
  }

  file(...p: string[]): string {
    return readFileSync(join(this.dir, ...p), "utf8");
  }

  async start(): Promise<void> {
    this.nginx = daemon(SERVER, `nginx-${this.name}`, program("nginx"), ["-p", `${join(this.dir, "nginx")}/`, "-c", join(this.dir, "nginx", "nginx.conf"), "-e", join(this.dir, "nginx", "error.log")]);
    await waitFor("nginx on port 80", 20_000, async () => (this.curl(["-o", "/dev/null", `http://${this.publicHost}/.well-known/matrix/client`]).status === 0 ? true : undefined), this.nginx);
  }

  async stop(): Promise<void> {
    await this.nginx?.stop("SIGQUIT");
  }

  /** The rendered matrix-certificate command, run as matrix-certificate.service runs it (certbot trusts the ACME server's TLS). */
  certificateScript(): { status: number | null; output: string } {
    const r = inNs(SERVER, "sh", [join(this.dir, "matrix-certificate")], { REQUESTS_CA_BUNDLE: path("pebble-cert.pem") });
    return { status: r.status, output: r.output };
  }

  /** curl from the browser's namespace, the name resolved to the server (as DNS would). */
  curl(args: readonly string[]) {
    return inNs(BROWSER, "curl", ["-sS", "--resolve", `${DOMAIN}:80:${SERVER.address}`, "--resolve", `${DOMAIN}:443:${SERVER.address}`, "--cacert", path("acme-root.pem"), ...args]);
  }

  /** The certificate nginx serves on 443, as a client receives it (verified against the ACME root unless told not to). */
  servedCertificate(verify = true): X509Certificate {
    // No SNI for an address (TLS allows host names only there), as browsers do.
    const sni = this.publicHost === SERVER.address ? ["-noservername"] : ["-servername", this.publicHost];
    const r = inNs(BROWSER, "openssl", ["s_client", "-connect", `${SERVER.address}:443`, ...sni, "-CAfile", path("acme-root.pem"), "-verify_return_error"]);
    if (verify) expect(r.output).toContain("Verify return code: 0 (ok)");
    return new X509Certificate(r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]);
  }

  /**
   * The served certificate once nginx's reload took effect: a reload is asynchronous (the
   * master starts new workers, then the old ones finish), so until the old worker is gone a
   * connection may still reach it.
   */
  async reloaded(): Promise<X509Certificate> {
    const live = this.liveCertificate().fingerprint256;
    const served = () => {
      try {
        return this.servedCertificate(false).fingerprint256;
      } catch {
        return undefined; // nothing on 443 yet
      }
    };
    const master = this.file("nginx", "nginx.pid").trim();
    const workers = () => run("pgrep", ["-P", master]).stdout.split("\n").filter(Boolean).length;
    await waitFor("nginx to serve the certificate certbot made, from its new worker only", 10_000, async () => (served() === live && workers() === 1 ? true : undefined));
    return this.servedCertificate();
  }

  liveCertificate(): X509Certificate {
    return new X509Certificate(this.file("letsencrypt", "live", CERTIFICATE_NAME, "fullchain.pem"));
  }
}

/** What the browser allows the page: Element needs a secure context for all three. */
interface BrowserProbe {
  readonly origin: string;
  readonly secure: boolean;
  readonly subtle: boolean;
  readonly serviceWorker: boolean;
}

/** Headless Chromium in the browser's namespace, Pebble's root in its NSS store. */
function loadInChromium(url: string): BrowserProbe {
  const home = path("chromium-home");
  const nssdb = join(home, ".pki", "nssdb");
  if (!existsSync(join(nssdb, "cert9.db"))) {
    mkdirSync(nssdb, { recursive: true });
    run("certutil", ["-d", `sql:${nssdb}`, "-N", "--empty-password"]);
    run("certutil", ["-d", `sql:${nssdb}`, "-A", "-t", "C,,", "-n", "acme-test-root", "-i", path("acme-root.pem")]);
  }
  const profile = path(`chromium-profile-${Date.now()}`);
  const r = inNs(BROWSER, "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profile}`, `--host-resolver-rules=MAP ${DOMAIN} ${SERVER.address}`, "--virtual-time-budget=5000", "--dump-dom", url], { HOME: home });
  const probe = r.stdout.match(/<pre id="probe">(.*?)<\/pre>/s);
  if (!probe) throw new Error(`Chromium did not render the page at ${url} (exit ${r.status}):\n${r.output.slice(-3000)}`);
  return JSON.parse(probe[1].replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as BrowserProbe;
}

/** Stands in for Element Web: a page that reports what the browser allows it. */
function startElementStandIn(): Promise<true> {
  const dir = path("element");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "index.html"),
    [
      "<!doctype html><html><head><meta charset=utf-8><title>Element Web stand-in</title></head><body>",
      '<pre id="probe"></pre><script>',
      'document.getElementById("probe").textContent = JSON.stringify({ origin: location.origin, secure: window.isSecureContext, subtle: !!(window.crypto && window.crypto.subtle), serviceWorker: "serviceWorker" in navigator });',
      "</script></body></html>",
    ].join("\n"),
  );
  const d = daemon(SERVER, "element", program("python3"), ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "8080"]);
  return waitFor("the Element stand-in", 20_000, async () => (inNs(SERVER, "curl", ["-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/"]).status === 0 ? true : undefined), d);
}

let directory = "";
let byDomain: Site;
let byAddress: Site;

beforeAll(async () => {
  for (const p of [CERTBOT, join(PEBBLE_BIN, "pebble"), join(PEBBLE_BIN, "pebble-challtestsrv")]) program(p);
  expect(execFileSync(CERTBOT, ["--version"], { encoding: "utf8" }).trim()).toBe(`certbot ${CERTBOT_VERSION}`);
  // nginx's workers (nobody) read the webroot and the well-known files under here.
  chmodSync(tmp.dir, 0o755);
  network = bridgedHosts("pochttps", [CA, SERVER, BROWSER]);
  directory = await startAcmeServer();
  await startElementStandIn();
  const aws = loadExample("aws-poc");
  byDomain = new Site("domain", aws, DOMAIN, directory);
  const { domain: _none, ...withoutDomain } = aws;
  byAddress = new Site("address", withoutDomain as Deployment, SERVER.address, directory);
  await byDomain.start();
}, 120_000);

afterAll(async () => {
  for (const d of [...daemons].reverse()) await d.stop("SIGTERM", 5_000).catch(() => undefined);
  network?.remove();
  if (process.env.POC_HTTPS_KEEP === "1") console.log(`POC HTTPS: kept ${tmp.dir}`);
  else tmp.remove();
});

describe(`POC HTTPS with a domain: the rendered matrix-certificate runs certbot ${CERTBOT_VERSION} against Pebble (ACME, HTTP-01 through the rendered nginx); Chromium loads the site`, () => {
  test("before a certificate exists: the site over HTTP, no redirect; the browser gives Element no secure context", () => {
    const page = byDomain.curl(["-o", "/dev/null", "-w", "%{http_code}", `http://${DOMAIN}/`]);
    expect(page.stdout).toBe("200");
    const probe = loadInChromium(`http://${DOMAIN}/`);
    expect(probe).toEqual({ origin: `http://${DOMAIN}`, secure: false, subtle: false, serviceWorker: false });
  });

  test("while DNS does not point at the server, the script fails and nginx stays on HTTP", () => {
    dnsManagement("add-a", { host: DOMAIN, addresses: [`${NET}.99`] });
    try {
      const r = byDomain.certificateScript();
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/Some challenges have failed|Connection refused|no route|timeout/i);
    } finally {
      dnsManagement("clear-a", { host: DOMAIN });
    }
    expect(byDomain.file("nginx", "conf.d", "default.conf")).toBe(byDomain.file("nginx", "http.conf"));
    expect(byDomain.curl(["-o", "/dev/null", "-w", "%{http_code}", `http://${DOMAIN}/`]).stdout).toBe("200");
  });

  test("the certificate is issued for the domain; nginx switches to HTTPS and HTTP redirects, except the ACME challenge", async () => {
    const r = byDomain.certificateScript();
    expect({ status: r.status, output: r.output }).toMatchObject({ status: 0 });
    expect(r.output).toContain("matrix-certificate: nginx now serves HTTPS; new certificate");
    expect(byDomain.file("nginx", "conf.d", "default.conf")).toBe(byDomain.file("nginx", "https.conf"));
    const served = await byDomain.reloaded();
    expect(served.subjectAltName).toBe(`DNS:${DOMAIN}`);
    const redirect = byDomain.curl(["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", `http://${DOMAIN}/#/login`]);
    expect(redirect.stdout).toBe(`301 https://${DOMAIN}/`);
    const challenge = byDomain.curl(["-o", "/dev/null", "-w", "%{http_code}", `http://${DOMAIN}/.well-known/acme-challenge/unknown-token`]);
    expect(challenge.stdout).toBe("404");
    const wellKnown = byDomain.curl(["-fsS", `https://${DOMAIN}/.well-known/matrix/client`]);
    expect(JSON.parse(wellKnown.stdout)).toEqual({ "m.homeserver": { base_url: `https://${DOMAIN}/` } });
  });

  test("Chromium, trusting the ACME root as browsers trust Let's Encrypt's, gives the page a secure context: Web Crypto and service workers", () => {
    expect(loadInChromium(`https://${DOMAIN}/`)).toEqual({ origin: `https://${DOMAIN}`, secure: true, subtle: true, serviceWorker: true });
  });

  test("run again (the timer's twice-daily run), a certificate not yet due is kept and nginx is not reloaded", () => {
    const before = byDomain.liveCertificate().fingerprint256;
    const r = byDomain.certificateScript();
    expect(r.status).toBe(0);
    expect(r.output).not.toContain("matrix-certificate:");
    expect(r.output).toMatch(/not yet due for renewal/i);
    expect(byDomain.liveCertificate().fingerprint256).toBe(before);
  });
});

describe("POC HTTPS without a domain: an IP address certificate for the Elastic IP in the short-lived profile, renewed when due", () => {
  let first: X509Certificate;

  beforeAll(async () => {
    await byDomain.stop();
    await byAddress.start();
  }, 60_000);

  test("the certificate names the address, comes from the short-lived profile, and the browser gets a secure context", async () => {
    const r = byAddress.certificateScript();
    expect(r.status).toBe(0);
    expect(r.output).toContain("matrix-certificate: nginx now serves HTTPS; new certificate");
    first = await byAddress.reloaded();
    expect(first.subjectAltName).toBe(`IP Address:${SERVER.address}`);
    const lifetime = (Date.parse(first.validTo) - Date.parse(first.validFrom)) / 1000;
    expect(lifetime).toBeLessThanOrEqual(SHORT_LIFETIME_S);
    expect(loadInChromium(`https://${SERVER.address}/`)).toEqual({ origin: `https://${SERVER.address}`, secure: true, subtle: true, serviceWorker: true });
  });

  test("once due, the next run renews it and nginx serves the new certificate without a restart", async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(first.validTo) - Date.now()) + 2_000));
    const r = byAddress.certificateScript();
    expect(r.status).toBe(0);
    expect(r.output).toContain("matrix-certificate: new certificate");
    expect(r.output).not.toContain("nginx now serves HTTPS");
    const renewed = await byAddress.reloaded();
    expect(renewed.serialNumber).not.toBe(first.serialNumber);
    expect(Date.parse(renewed.validTo)).toBeGreaterThan(Date.now());
  }, 120_000);
});

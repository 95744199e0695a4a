import Ajv, { type ValidateFunction } from "ajv";
import draft07 from "ajv/dist/refs/json-schema-draft-07.json";
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./examples";
import type { HostFile, Script } from "./instance-files";
import { program, run, runAsync, tempDir, TOOLS_VENV } from "./programs";

// ---------------------------------------------------------------------------- checkov

export interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
}

export interface CheckovReport {
  readonly passed: readonly CheckovCheck[];
  readonly failed: readonly CheckovCheck[];
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly parsing_errors: number; readonly checkov_version: string };
}

/** checkov (from .cache/venv-tools) on one synthesized stack, offline, as JSON. */
export async function checkov(stackJson: string, skip: readonly string[] = []): Promise<CheckovReport> {
  const bin = program(join(TOOLS_VENV, "bin", "checkov"));
  const tmp = tempDir("checkov");
  try {
    const file = join(tmp.dir, "cdk.tf.json");
    writeFileSync(file, stackJson);
    const args = ["-f", file, "--framework", "terraform_json", "--output", "json", "--compact", "--skip-download"];
    if (skip.length > 0) args.push("--skip-check", skip.join(","));
    // No calls home: no guideline download (--skip-download), no PyPI version check.
    const r = await runAsync(bin, args, { env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: "true", BC_SKIP_MAPPING: "TRUE" } });
    // Exit 1 means "some check failed"; anything else that is not 0 is checkov failing.
    if (r.status !== 0 && r.status !== 1) throw new Error(`checkov exited ${r.status}:\n${r.output}`);
    const parsed = JSON.parse(r.stdout) as unknown;
    const report = (Array.isArray(parsed) ? parsed : [parsed]) as { check_type: string; results: { passed_checks: CheckovCheck[]; failed_checks: CheckovCheck[] }; summary: CheckovReport["summary"] }[];
    if (report.length !== 1 || report[0].check_type !== "terraform_json") throw new Error(`checkov: unexpected report:\n${r.stdout.slice(0, 2000)}`);
    const [{ results, summary }] = report;
    return { passed: results.passed_checks, failed: results.failed_checks, summary };
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------- cloud-init

/** `cloud-init schema --config-file`: exit status and what it printed. */
export function cloudInitSchema(cloudConfig: string) {
  const tmp = tempDir("cloud-init");
  try {
    const file = join(tmp.dir, "user-data");
    writeFileSync(file, cloudConfig);
    return run("cloud-init", ["schema", "--config-file", file]);
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------- shellcheck

/**
 * shellcheck on many scripts in one run per shell (all severities, style included).
 * Returns one line per finding, prefixed with the script's label.
 */
export function shellcheck(scripts: readonly Script[]): string[] {
  const tmp = tempDir("shellcheck");
  try {
    const findings: string[] = [];
    for (const shell of ["sh", "bash"] as const) {
      const mine = scripts.filter((s) => s.shell === shell);
      if (mine.length === 0) continue;
      const names = mine.map((s, i) => {
        const name = `${shell}-${i}`;
        writeFileSync(join(tmp.dir, name), s.content);
        return name;
      });
      const r = run("shellcheck", ["--shell", shell, "--format", "gcc", "--external-sources", ...names], { cwd: tmp.dir });
      if (r.status !== 0 && r.status !== 1) throw new Error(`shellcheck exited ${r.status}:\n${r.output}`);
      for (const line of r.stdout.split("\n").filter(Boolean)) {
        const m = /^(sh|bash)-(\d+):(.*)$/.exec(line);
        findings.push(m ? `${mine[Number(m[2])].label}:${m[3]}` : line);
      }
      if (r.status === 1 && findings.length === 0) throw new Error(`shellcheck failed without findings:\n${r.output}`);
    }
    return findings;
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------- systemd

/** Units and executables that packages bring on the instance (docker-ce on Amazon Linux 2023). */
export const PACKAGE_PROVIDED = {
  units: { "docker.service": "[Unit]\nDescription=Stand-in for docker-ce's unit\n[Service]\nExecStart=/usr/bin/dockerd\n" },
  executables: ["/usr/bin/docker", "/usr/bin/dockerd"],
} as const;

/**
 * `systemd-analyze verify --root` on units laid out in a scratch root: the host's own
 * systemd unit library (targets and the like), the instance's files (scripts with their
 * modes), stand-ins for what packages provide. A unit passes only when verify exits 0
 * AND prints nothing: systemd only warns about unknown keys and sections or unparsable
 * values, and those are mistakes here.
 */
export function verifyUnits(instanceFiles: readonly HostFile[], unitPaths: readonly string[]) {
  const tmp = tempDir("systemd-root");
  try {
    const root = tmp.dir;
    const put = (path: string, content: string, mode: string) => {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
      chmodSync(target, parseInt(mode, 8));
    };
    cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    for (const [name, content] of Object.entries(PACKAGE_PROVIDED.units)) put(`/usr/lib/systemd/system/${name}`, content, "0644");
    for (const path of PACKAGE_PROVIDED.executables) put(path, "#!/bin/sh\nexit 0\n", "0755");
    for (const f of instanceFiles) put(f.path, f.content, f.mode);
    return run("systemd-analyze", ["verify", `--root=${root}`, "--man=no", "--generators=no", ...unitPaths]);
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------- nginx

/**
 * `nginx -t` on a server block as the nginx image includes it (inside `http {}`), in a
 * top-level config of its own (pid, logs and temp paths in a scratch folder). `resolve`
 * names are mapped to 127.0.0.1 in a private mount namespace (a bind-mounted
 * /etc/hosts), since nginx resolves proxy_pass hosts while loading, and a network
 * namespace of its own (nginx -t binds the listen ports); both belong to a user namespace
 * of its own, so no root is needed.
 */
export function nginxTest(serverBlock: string, resolve: readonly string[]) {
  const tmp = tempDir("nginx");
  try {
    const d = tmp.dir;
    mkdirSync(join(d, "conf.d"));
    writeFileSync(join(d, "conf.d", "default.conf"), serverBlock);
    writeFileSync(
      join(d, "nginx.conf"),
      [
        // Root of the user namespace: the scratch folders stay ours (nginx's default "nobody" is unmapped there).
        "user root root;",
        `pid ${d}/nginx.pid;`,
        `error_log ${d}/error.log;`,
        "events {}",
        "http {",
        `    access_log ${d}/access.log;`,
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${d}/${t}_temp;`),
        `    include ${d}/conf.d/*.conf;`,
        "}",
        "",
      ].join("\n"),
    );
    const hosts = `${readFileSync("/etc/hosts", "utf8").replace(/\n?$/, "\n")}${resolve.map((n) => `127.0.0.1 ${n}\n`).join("")}`;
    writeFileSync(join(d, "hosts"), hosts);
    const nginx = program("nginx");
    return run("unshare", [
      "--user", "--map-root-user", "--net", "--mount", "--propagation", "private", "--",
      "/bin/sh", "-c", 'mount --bind "$1" /etc/hosts && exec "$2" -t -c "$3" -p "$4"', "sh",
      join(d, "hosts"), nginx, join(d, "nginx.conf"), `${d}/`,
    ]);
  } finally {
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------- Compose

/** The Compose Specification schema vendored in test/fixtures/compose-spec (draft-07). */
export function composeSchemaValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "compose-spec", "compose-spec.json"), "utf8")) as { $schema: string };
  // The schema is not written for ajv's strict mode (union types, patternProperties without
  // "type"); unknown keywords still fail. Its $schema is the https spelling of draft-07.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
  return ajv.compile(schema);
}

/**
 * An on-prem deployment's synthesized stack as a Terraform module that a plain HCL project
 * calls (`module "matrix" { source = "./matrix" ... }`): no provider, backend or state
 * encryption block (the caller's), only `required_providers`; the SSH credentials, and the
 * folders of the PKI and the bundle, become variables; the outputs stay. The topology (hosts,
 * addresses, pinned host keys, rendered files) is the deployment's.
 */

type Json = Record<string, unknown>;

export interface ModuleVariable {
  readonly name: string;
  readonly type: string;
  readonly description: string;
  /** Absent: the caller must set it. */
  readonly default?: unknown;
  readonly sensitive?: boolean;
}

export interface HclModule {
  /** main.tf.json of the module. */
  readonly main: Json;
  readonly variables: readonly ModuleVariable[];
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly description: string }>;
}

export interface ModuleInputs {
  /** The deployment's PKI folder as the synthesis saw it (absolute). */
  readonly pkiDir?: string;
  /** The deployment's bundle file as the synthesis saw it (absolute). */
  readonly bundle?: string;
}

/** Every string in a JSON tree, rewritten. */
function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

export function hclModule(stack: Json, inputs: ModuleInputs): HclModule {
  const terraform = (stack.terraform ?? {}) as Json;
  const resources = (stack.resource ?? {}) as Record<string, Record<string, Json>>;
  const connections = Object.values(resources.terraform_data ?? {})
    .map((r) => r.connection as Json | undefined)
    .filter((c): c is Json => c !== undefined);
  const first = connections[0] ?? {};
  const bastion = typeof first.bastion_host === "string";

  const variables: ModuleVariable[] = [
    { name: "ssh_user", type: "string", description: "SSH user on every host (root, or a user with passwordless sudo, as the deployment file says).", default: first.user },
    { name: "ssh_private_key", type: "string", description: "The SSH private key's text (such as file(\"~/.ssh/id_ed25519\")); null: the keys of the running ssh-agent.", default: null, sensitive: true },
    ...(bastion
      ? [
          { name: "bastion_user", type: "string", description: "SSH user on the bastion.", default: first.bastion_user },
          { name: "bastion_private_key", type: "string", description: "The bastion's SSH private key's text; null: the ssh-agent's keys.", default: null, sensitive: true },
        ]
      : []),
    ...(inputs.pkiDir ? [{ name: "pki_dir", type: "string", description: "The deployment's PKI folder (npm run pki): the CA and each host's certificate and key are uploaded from it." }] : []),
    ...(inputs.bundle ? [{ name: "bundle", type: "string", description: "The offline bundle file (npm run bundle) uploaded to every host." }] : []),
  ];

  // The caller's credentials and folders, in place of the deployment file's.
  const credentials = (c: Json): Json => {
    const { private_key: _key, bastion_private_key: _bastionKey, agent: _agent, ...rest } = c;
    return {
      ...rest,
      user: "${var.ssh_user}",
      agent: "${var.ssh_private_key == null}",
      private_key: "${var.ssh_private_key}",
      ...(bastion ? { bastion_user: "${var.bastion_user}", bastion_private_key: "${var.bastion_private_key}" } : {}),
    };
  };
  const withCredentials = Object.fromEntries(
    Object.entries(resources).map(([type, byName]) => [
      type,
      type !== "terraform_data" ? byName : Object.fromEntries(Object.entries(byName).map(([name, r]) => [name, r.connection ? { ...r, connection: credentials(r.connection as Json) } : r])),
    ]),
  );
  const paths = (s: string) => {
    let out = s;
    if (inputs.pkiDir) out = out.split(`${inputs.pkiDir}/`).join("${var.pki_dir}/");
    if (inputs.bundle) out = out.split(inputs.bundle).join("${var.bundle}");
    return out;
  };

  // Providers the module's resources need (the local provider served only the removed
  // blocks that carry an older state of this project's own stack: not a module's concern).
  const requiredProviders = (terraform.required_providers ?? {}) as Record<string, unknown>;
  const used = new Set(Object.keys(resources).map((type) => type.split("_")[0]));
  const main: Json = {
    "//": { generated: "npm run module: edit the deployment file and regenerate, not this file" },
    terraform: {
      required_version: ">= 1.10",
      required_providers: Object.fromEntries(Object.entries(requiredProviders).filter(([name]) => used.has(name))),
    },
    variable: Object.fromEntries(
      variables.map((v) => [v.name, { type: v.type, description: v.description, ...("default" in v ? { default: v.default } : {}), ...(v.sensitive ? { sensitive: true } : {}) }]),
    ),
    resource: mapStrings(withCredentials, paths),
    output: mapStrings(stack.output ?? {}, paths),
  };
  const outputs = Object.entries((stack.output ?? {}) as Record<string, { description?: string }>).map(([name, o]) => ({ name, description: o.description ?? "" }));
  return { main, variables, outputs };
}

/** The module's README: its inputs and outputs as terraform-docs writes them (markdown table). */
export function moduleReadme(name: string, m: HclModule): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const value = (v: unknown) => (v === null ? "`null`" : `\`${JSON.stringify(v)}\``);
  return [
    `# ${name}: Matrix platform (on-prem)`,
    "",
    "Generated by `npm run module` from the deployment file; regenerate it after a change there.",
    "It configures no provider and no backend: the calling project does. Use it as:",
    "",
    "```hcl",
    "module \"matrix\" {",
    "  source          = \"./matrix\"",
    ...m.variables.filter((v) => !("default" in v)).map((v) => `  ${v.name.padEnd(15)} = \"...\"`),
    "  ssh_private_key = file(\"~/.ssh/id_ed25519\")   # or leave it out: the ssh-agent's keys",
    "}",
    "```",
    "",
    "## Inputs",
    "",
    "| Name | Description | Type | Default | Required |",
    "|------|-------------|------|---------|:--------:|",
    ...m.variables.map((v) => `| <a name="input_${v.name}"></a> [${v.name}](#input_${v.name}) | ${cell(v.description)} | \`${v.type}\` | ${"default" in v ? value(v.default) : "n/a"} | ${"default" in v ? "no" : "yes"} |`),
    "",
    "## Outputs",
    "",
    "| Name | Description |",
    "|------|-------------|",
    ...m.outputs.map((o) => `| <a name="output_${o.name}"></a> [${o.name}](#output_${o.name}) | ${cell(o.description)} |`),
    "",
  ].join("\n");
}

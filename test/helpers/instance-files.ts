import { Testing } from "cdktf";
import { parse as parseYaml } from "yaml";
import type { AwsDeployment, Deployment } from "../../constructs/deployment/model";
import { buildTopology } from "../../constructs/topology/resolve";
import { hostUnits } from "../../constructs/roles";
import { addDeploymentStack } from "../../targets";
import { AwsPocStack } from "../../targets/aws/stack";
import type { TerraformJson } from "./synth";

/** A file as the host gets it: path, mode, content. */
export interface HostFile {
  readonly path: string;
  readonly mode: string;
  readonly content: string;
}

export interface AwsSynth {
  readonly json: string;
  readonly config: TerraformJson;
  /** The exact cloud-config text the stack gzips into the user-data. */
  readonly cloudConfig: string;
}

/** Synthesizes an AWS deployment and keeps the stack's cloud-config text. */
export function synthAws(deployment: AwsDeployment): AwsSynth {
  const app = Testing.app();
  const stack = addDeploymentStack(app, deployment);
  if (!(stack instanceof AwsPocStack)) throw new Error(`${deployment.name} did not build an AwsPocStack`);
  const json = Testing.synth(stack);
  return { json, config: JSON.parse(json), cloudConfig: stack.platform.cloudConfig };
}

/** The cloud-config's write_files, parsed as cloud-init parses them, and its runcmd. */
export function cloudConfigParts(cloudConfig: string): { readonly files: HostFile[]; readonly runcmd: unknown[] } {
  const doc = parseYaml(cloudConfig) as { write_files?: { path: string; permissions: string; content: string }[]; runcmd?: unknown[] };
  return {
    files: (doc.write_files ?? []).map((f) => ({ path: f.path, mode: f.permissions, content: f.content })),
    runcmd: doc.runcmd ?? [],
  };
}

/** A shell script and the shell that runs it. */
export interface Script {
  /** Where it comes from, for messages: a host path or host/unit/... */
  readonly label: string;
  readonly content: string;
  readonly shell: "sh" | "bash";
}

/** `#!/bin/sh`, `#!/usr/bin/env bash`, ...: the shell, or undefined for any other interpreter. */
export function shebangShell(content: string): "sh" | "bash" | undefined {
  const m = /^#!\s*(?:\/usr)?\/bin\/(?:env\s+)?(sh|bash|dash)\b/.exec(content);
  if (!m) return undefined;
  return m[1] === "bash" ? "bash" : "sh";
}

/**
 * The files among these that start with `#!` naming a shell (`nft -f` rule sets and the
 * like are not scripts for shellcheck).
 */
export const withShellShebang = (files: readonly HostFile[]) => files.filter((f) => /^#!\s*\S*\/(?:env\s+)?[a-z]*sh\b/.test(f.content));

/**
 * Every shell script the hosts of an on-prem deployment get: each unit's activation
 * script, the shell scripts among its files, the preflight checks, and the generated
 * install script that runs them (read back from the synthesized terraform_data provisioners, Terraform
 * escaping undone).
 */
export function onpremScripts(deployment: Deployment, config: TerraformJson): { readonly scripts: Script[]; readonly unknownInterpreters: string[] } {
  const topology = buildTopology(deployment);
  const scripts: Script[] = [];
  const unknownInterpreters: string[] = [];
  for (const host of topology.hosts) {
    for (const unit of hostUnits(topology, host)) {
      // The install script runs every activation script with `sh`, whatever its first line.
      scripts.push({ label: `${host.name}/${unit.name}/activate.sh`, content: unit.activate, shell: "sh" });
      for (const f of withShellShebang(unit.files)) {
        const shell = shebangShell(f.content);
        if (shell) scripts.push({ label: `${host.name}${f.path}`, content: f.content, shell });
        else unknownInterpreters.push(`${host.name}${f.path}`);
      }
    }
  }
  for (const [name, resource] of Object.entries(config.resource.terraform_data ?? {})) {
    for (const provisioner of (resource as { provisioner?: Record<string, { destination?: string; content?: string }>[] }).provisioner ?? []) {
      const file = provisioner.file;
      if (!/(install|preflight)\.sh$/.test(file?.destination ?? "") || file?.content === undefined) continue;
      // The bundle's SHA-256 as the plan recorded it: the one interpolation a script may hold.
      const content = file.content.replace("${self.triggers_replace.bundle_sha256}", "0".repeat(64));
      // No other Terraform interpolation may be left in it (it carries no secrets)...
      if (/(?<!\$)\$\{|(?<!%)%\{/.test(content)) throw new Error(`${name}: ${file.destination} holds a Terraform interpolation`);
      // ...so undoing the escaping gives the exact text the host runs.
      scripts.push({ label: `terraform_data.${name} ${file.destination}`, content: content.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"), shell: "sh" });
    }
  }
  return { scripts, unknownInterpreters };
}

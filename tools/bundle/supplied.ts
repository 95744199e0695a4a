import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ManifestFile } from "./playbook";
import { sha256 } from "../../constructs/hash";

/**
 * Programs the operator brings, because no source this project reaches serves them: the
 * bundle carries them in bin/ like the ones it builds (installed to /usr/local/bin).
 */
export const SUPPLIED_PROGRAMS = {
  "lk-jwt-service": "the linux amd64 binary of element-hq/lk-jwt-service's release (the Go module proxy does not serve it)",
} as const;
export type SuppliedProgram = keyof typeof SUPPLIED_PROGRAMS;

/**
 * Debian packages the operator brings, because Debian 12 has none: the bundle resolves
 * their dependencies from Debian like any requested package and indexes them in its
 * repository; the role installs them when the bundle carries them.
 */
export const SUPPLIED_DEBS = {
  grafana: "the amd64 .deb of Grafana OSS from Grafana's download page (Debian 12 does not package it)",
} as const;
export type SuppliedDeb = keyof typeof SUPPLIED_DEBS;

/** Checks that `path` is the .deb of `name` for amd64 (or all). */
export function checkSuppliedDeb(name: SuppliedDeb, path: string): void {
  const flag = `--${name}-deb ${path}`;
  if (!existsSync(path)) throw new Error(`${flag}: no such file; bring ${SUPPLIED_DEBS[name]}`);
  const r = spawnSync("dpkg-deb", ["--field", path, "Package", "Architecture"], { encoding: "utf8" });
  const fields = Object.fromEntries((r.stdout ?? "").trim().split("\n").map((l) => l.split(": ")));
  if (r.status !== 0 || fields.Package !== name || !["amd64", "all"].includes(fields.Architecture)) {
    const found = r.status === 0 ? `package ${fields.Package} for ${fields.Architecture}` : "not a .deb";
    throw new Error(`${flag}: ${found}, not ${name} for amd64; bring ${SUPPLIED_DEBS[name]}`);
  }
}

export interface ManifestSupplied extends ManifestFile {
  readonly name: SuppliedProgram;
}

/** ELF, 64-bit, little-endian, x86-64: what runs on the bookworm amd64 hosts. */
function isLinuxAmd64Executable(data: Buffer): boolean {
  return data.length > 20 && data.readUInt32BE(0) === 0x7f454c46 && data[4] === 2 && data[5] === 1 && data.readUInt16LE(18) === 0x3e;
}

/** Reads an operator-supplied program, refusing what cannot run on the hosts. */
export function readSuppliedProgram(name: SuppliedProgram, path: string): Buffer {
  const flag = `--${name} ${path}`;
  if (!existsSync(path)) throw new Error(`${flag}: no such file; bring ${SUPPLIED_PROGRAMS[name]}`);
  const data = readFileSync(path);
  if (!isLinuxAmd64Executable(data)) throw new Error(`${flag}: not a Linux x86-64 executable (ELF 64-bit); bring ${SUPPLIED_PROGRAMS[name]}`);
  return data;
}

/** Writes an operator-supplied program (as readSuppliedProgram read it) into staging/bin. */
export function stageSuppliedProgram(name: SuppliedProgram, data: Buffer, staging: string): ManifestSupplied {
  mkdirSync(join(staging, "bin"), { recursive: true });
  writeFileSync(join(staging, "bin", name), data, { mode: 0o755 });
  return { name, file: `bin/${name}`, size: data.length, sha256: sha256(data) };
}

/** Element Web's release tarball: the web app the native Synapse host serves. */
export const ELEMENT_WEB = {
  flag: "--element-web",
  what: "Element Web's release tarball (element-vX.Y.Z.tar.gz from element-hq/element-web's releases)",
  /** Where the bundle carries it. */
  file: "element-web.tar.gz",
} as const;

export interface ManifestElementWeb extends ManifestFile {
  /** The release, from the tarball's own `version` file. */
  readonly version: string;
}

/**
 * Checks that `path` is an Element Web release tarball (one top folder holding index.html,
 * config.sample.json and version); returns its release.
 */
export function checkElementWeb(path: string): string {
  const flag = `${ELEMENT_WEB.flag} ${path}`;
  if (!existsSync(path)) throw new Error(`${flag}: no such file; bring ${ELEMENT_WEB.what}`);
  const list = spawnSync("tar", ["-tzf", path], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const entries = list.status === 0 ? list.stdout.split("\n").filter(Boolean) : [];
  const tops = [...new Set(entries.map((e) => e.split("/")[0]))];
  const missing = ["index.html", "config.sample.json", "version"].filter((f) => !entries.includes(`${tops[0]}/${f}`));
  if (tops.length !== 1 || missing.length > 0) {
    const found = list.status !== 0 ? "not a gzip tarball" : tops.length !== 1 ? `${tops.length} top-level entries` : `no ${missing.join(", ")} in ${tops[0]}/`;
    throw new Error(`${flag}: ${found}; bring ${ELEMENT_WEB.what}`);
  }
  return spawnSync("tar", ["-xzOf", path, `${tops[0]}/version`], { encoding: "utf8" }).stdout.trim();
}

/** Copies a checked Element Web tarball into the staging folder. */
export function stageElementWeb(path: string, version: string, staging: string): ManifestElementWeb {
  const data = readFileSync(path);
  writeFileSync(join(staging, ELEMENT_WEB.file), data);
  return { file: ELEMENT_WEB.file, size: data.length, sha256: sha256(data), version };
}

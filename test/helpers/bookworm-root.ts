import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TARGET_OS } from "../../tools/bundle/debian";
import { ROOT } from "./examples";

/**
 * What every target host has at the least: Debian's minbase plus what makes it reachable
 * (systemd, sshd, sudo). Installed from the release suite only, so it is also a host that
 * never got a point-release or security update.
 */
export const MINIMAL_HOST_INCLUDE = ["systemd", "systemd-sysv", "openssh-server", "sudo"] as const;

const CACHE = join(ROOT, ".cache", "bundle", "rootfs");
const ARGS = ["--variant=minbase", `--include=${MINIMAL_HOST_INCLUDE.join(",")}`, `--arch=${TARGET_OS.architecture}`, TARGET_OS.codename];

/**
 * A debootstrapped minimal Debian 12 root, built once into .cache/bundle/rootfs and reused
 * (rebuilt when the debootstrap arguments change). Treat it as read-only: copy it.
 */
export function minimalBookwormRoot(): string {
  const dir = join(CACHE, `${TARGET_OS.codename}-minbase`);
  const stamp = join(dir, ".matrix-stamp");
  const want = ARGS.join(" ");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return dir;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, "build-"));
  try {
    const target = join(work, "root");
    const r = spawnSync("debootstrap", [...ARGS, target, TARGET_OS.sources[0].uri], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error || r.status !== 0) throw new Error(`debootstrap failed: ${r.error?.message ?? `${r.stdout}${r.stderr}`.split("\n").slice(-20).join("\n")}`);
    writeFileSync(join(target, ".matrix-stamp"), want);
    rmSync(dir, { recursive: true, force: true });
    renameSync(target, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { GoBinary } from "./binaries";
import { TARGET_OS } from "./debian";

/**
 * Builds one single binary from the Go module proxy (static, -trimpath: reproducible with
 * the same Go) into `binDir`, reusing `cacheDir/<name>-<version>` from an earlier run.
 */
export function buildGoBinary(bin: GoBinary, binDir: string, cacheDir: string): string {
  const cached = join(cacheDir, `${bin.name}-${bin.module.split("@")[1] ?? "latest"}`);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(cacheDir, `build-${bin.name}-`));
    const env = { ...process.env, CGO_ENABLED: "0", GOOS: "linux", GOARCH: TARGET_OS.architecture, GOFLAGS: "-mod=mod" };
    const go = (...args: string[]) => {
      const r = spawnSync("go", args, { cwd: work, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      if (r.error || r.status !== 0) throw new Error(`go ${args.join(" ")} failed for ${bin.name}: ${r.error?.message ?? r.stderr}`);
    };
    try {
      go("mod", "init", "matrix-bundle-build");
      go("get", bin.module);
      go("build", "-trimpath", "-o", join(work, bin.name), bin.package);
      renameSync(join(work, bin.name), cached);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  mkdirSync(binDir, { recursive: true });
  const out = join(binDir, bin.name);
  copyFileSync(cached, out);
  return out;
}

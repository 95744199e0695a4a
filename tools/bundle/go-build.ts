import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { GoBinary } from "./binaries";
import { TARGET_OS } from "./debian";

/**
 * Builds one static binary from the Go module proxy into `binDir`, reusing
 * `cacheDir/<name>-<version>` from an earlier run. The module's source is built as the
 * main module (not fetched by `go get` into a wrapper), so its go.mod, go.sum and replace
 * directives are the ones its authors tested.
 */
export function buildGoBinary(bin: GoBinary, binDir: string, cacheDir: string): string {
  const cached = join(cacheDir, `${bin.name}-${bin.version}`);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(cacheDir, `build-${bin.name}-`));
    const env = { ...process.env, CGO_ENABLED: "0", GOOS: "linux", GOARCH: TARGET_OS.architecture, GOFLAGS: "-mod=mod" };
    const go = (cwd: string, ...args: string[]) => {
      const r = spawnSync("go", args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      if (r.error || r.status !== 0) throw new Error(`go ${args.join(" ")} failed for ${bin.name}: ${r.error?.message ?? r.stderr}`);
      return r.stdout;
    };
    try {
      const source = (JSON.parse(go(work, "mod", "download", "-json", `${bin.module}@${bin.version}`)) as { Dir: string }).Dir;
      const src = join(work, "src");
      cpSync(source, src, { recursive: true });
      chmodTree(src);
      go(src, "build", "-trimpath", "-o", join(work, bin.name), bin.package);
      renameSync(join(work, bin.name), cached);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  mkdirSync(binDir, { recursive: true });
  const out = join(binDir, bin.name);
  copyFileSync(cached, out);
  chmodSync(out, 0o755);
  return out;
}

/** The module cache is read-only; the copy must be writable for go to build in it. */
function chmodTree(dir: string): void {
  const r = spawnSync("chmod", ["-R", "u+w", dir]);
  if (r.status !== 0) throw new Error(`chmod -R u+w ${dir} failed`);
}

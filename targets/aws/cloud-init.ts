import { gzipSync } from "node:zlib";
import type { RoleUnit } from "../../constructs/roles/unit";

/** EC2 refuses user-data over 16 KB (after base64 decoding). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

const indent = (text: string, n: number) => text.split("\n").map((l) => (l ? " ".repeat(n) + l : l)).join("\n");

/**
 * The instance's whole bootstrap as cloud-config: every unit's files, then each unit's
 * activation script in order (cloud-init runs `runcmd` once, on the first boot; the
 * systemd units it installs bring the stack back on every later boot).
 */
export function cloudConfig(units: readonly RoleUnit[]): string {
  const files = units.flatMap((u) => [
    ...u.files.map((f) => ({ path: f.path, mode: f.mode, content: f.content })),
    { path: `/var/lib/matrix-platform/activate-${u.name}.sh`, mode: "0700", content: u.activate },
  ]);
  return [
    "#cloud-config",
    "# Matrix proof of concept: Docker Compose stack, brought up at every boot by systemd.",
    "write_files:",
    ...files.flatMap((f) => [`  - path: ${f.path}`, `    permissions: "${f.mode}"`, "    content: |", indent(f.content.replace(/\n$/, ""), 6)]),
    "runcmd:",
    ...units.map((u) => `  - [sh, /var/lib/matrix-platform/activate-${u.name}.sh]`),
    "",
  ].join("\n");
}

/** gzip (fixed header: the same config gives the same bytes) then base64. */
export function userDataBase64(cloudConfigText: string): string {
  return gzipSync(Buffer.from(cloudConfigText, "utf8"), { level: 9 }).toString("base64");
}

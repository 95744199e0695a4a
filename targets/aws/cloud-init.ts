import { gzipSync } from "node:zlib";
import type { RoleUnit } from "../../constructs/roles/unit";

/** EC2 refuses user-data over 16 KB (after base64 decoding). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * Docker CE for Amazon Linux 2023: Docker's CentOS repository with $releasever pinned to
 * 9, because AL2023 reports its own release (2023) that Docker's repo does not have.
 */
const INSTALL_DOCKER = [
  "dnf -y install dnf-plugins-core openssl",
  "dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo",
  "sed -i 's/\\$releasever/9/g' /etc/yum.repos.d/docker-ce.repo",
  "dnf -y install docker-ce docker-ce-cli containerd.io docker-compose-plugin",
  "systemctl enable --now docker.service",
];

/** The instance's whole bootstrap: the units' files, Docker, then each activation. */
export function cloudConfig(units: readonly RoleUnit[]): string {
  const indent = (text: string, n: number) => text.split("\n").map((l) => (l ? " ".repeat(n) + l : l)).join("\n");
  const files = units.flatMap((u) => [
    ...u.files.map((f) => ({ path: f.path, mode: f.mode, content: f.content })),
    { path: `/var/lib/matrix-platform/activate-${u.name}.sh`, mode: "0700", content: u.activate },
  ]);
  const lines = [
    "#cloud-config",
    "# Matrix proof of concept: Docker Compose stack, brought up at every boot by systemd.",
    "write_files:",
    ...files.flatMap((f) => [`  - path: ${f.path}`, `    permissions: "${f.mode}"`, "    content: |", indent(f.content.replace(/\n$/, ""), 6)]),
    "runcmd:",
    ...INSTALL_DOCKER.map((c) => `  - ${JSON.stringify(c)}`),
    ...units.filter((u) => u.name !== "base").map((u) => `  - ["sh", "/var/lib/matrix-platform/activate-${u.name}.sh"]`),
    "",
  ];
  return lines.join("\n");
}

/** gzip (with a fixed header, so the same config gives the same bytes) then base64. */
export function userDataBase64(cloudConfigText: string): string {
  return gzipSync(Buffer.from(cloudConfigText, "utf8"), { level: 9 }).toString("base64");
}

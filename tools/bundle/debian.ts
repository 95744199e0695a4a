/**
 * The operating system every on-prem host runs, as apt sees it: the bundle's closure is
 * computed against these sources (what /etc/apt/sources.list.d/debian.sources of a
 * Debian 12 system lists), never against the machine building it.
 */
export const TARGET_OS = {
  distribution: "debian",
  release: "12",
  codename: "bookworm",
  architecture: "amd64",
  components: ["main"],
  sources: [
    { uri: "http://deb.debian.org/debian", suites: ["bookworm", "bookworm-updates"] },
    { uri: "http://deb.debian.org/debian-security", suites: ["bookworm-security"] },
  ],
  keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
} as const;

/** Where the bundle lives on a host, and the one apt source line that uses it. */
export const HOST_BUNDLE_DIR = "/var/lib/matrix-platform/bundle";
export const HOST_SOURCE_LINE = `deb [trusted=yes] file:${HOST_BUNDLE_DIR} ./`;

/** Every suite apt reads, for the manifest. */
export const targetSuites = (): string[] => TARGET_OS.sources.flatMap((s) => s.suites.map((suite) => `${s.uri} ${suite}`));

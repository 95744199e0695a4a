import type { PkiReport } from "../../constructs/pki/issue";

/** What `npm run pki` did, for the operator. */
export function reportPki(r: PkiReport): void {
  if (r.caCreated) console.log(`created the internal CA in ${r.dir} (keep ca.key offline and backed up: it issues every host's certificate)`);
  for (const { host, reason } of r.issued) console.log(`issued ${host}: ${reason}`);
  if (r.kept.length > 0) console.log(`kept ${r.kept.length} valid certificate(s): ${r.kept.join(", ")}`);
}

import type { OnPremDeployment } from "../deployment/model";
import { DeploymentError } from "../deployment/errors";
import { certificateProblems, readCa } from "./check";
import type { PkiNeeds } from "./requirements";

/** The command that (re-)issues this deployment's certificates, for messages. */
export const pkiCommand = (d: OnPremDeployment) => `npm run pki -- ${d.source ?? "<deployment.yaml>"}`;

/**
 * Refuses to synthesize when a role needs the PKI and the folder cannot serve it: every
 * problem is one line naming the file and the fix, before any resource is planned.
 */
export function verifyPki(d: OnPremDeployment, needs: PkiNeeds): void {
  if (!needs.any) return;
  const dir = d.onprem.pki;
  const ca = readCa(dir);
  if (typeof ca === "string") {
    throw new DeploymentError([`onprem.pki: ${ca}; create the cluster's PKI with \`${pkiCommand(d)}\` (or put your own CA's ca.crt there, with ca.key to let it issue)`], d.source);
  }
  const problems = needs.certificates.flatMap((req) => certificateProblems(dir, ca, req));
  if (problems.length > 0) throw new DeploymentError(problems.map((p) => `onprem.pki: ${p}; re-issue with \`${pkiCommand(d)}\``), d.source);
}

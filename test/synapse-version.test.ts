/**
 * One Synapse release for the whole product (SYNAPSE_VERSION), run by the native
 * installation, the proof of concept and matrix-docker-ansible-deploy (vars.yml overrides the
 * playbook's own pin); the bundle builder refuses a playbook checkout other than the checked one.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { hostUnits } from "../constructs/roles";
import { POC_IMAGES } from "../constructs/roles/poc";
import { buildTopology } from "../constructs/topology/resolve";
import { MDAD_CHECKED_AT } from "../constructs/roles/synapse/mdad-variables";
import { SYNAPSE_VERSION } from "../constructs/roles/synapse/wheelhouse";
import { checkPlaybookCheckout } from "../tools/bundle/playbook";
import { loadExample } from "./helpers/examples";
import { PLAYBOOK_STAND_IN } from "./helpers/lab-bundle";
import { tempDir } from "./helpers/programs";

/** The playbook's vars.yml for the small example's Synapse host. */
function renderedVarsYml(): string {
  const topology = buildTopology(loadExample("onprem-small"));
  const files = hostUnits(topology, topology.hosts.find((h) => h.name === "synapse1")!).flatMap((u) => u.files);
  return files.find((f) => f.path.endsWith("/vars.yml"))!.content;
}

test("every install path runs the product's release, one with the fix for sends blocked after a database failover (1.161.0)", () => {
  const [major, minor] = SYNAPSE_VERSION.split(".").map(Number);
  expect(major > 1 || minor >= 161).toBe(true);
  expect(POC_IMAGES.synapse).toBe(`matrixdotorg/synapse:v${SYNAPSE_VERSION}`);
  expect((parse(renderedVarsYml()) as Record<string, unknown>).matrix_synapse_version).toBe(`v${SYNAPSE_VERSION}`);
});

describe("the bundle builder's playbook checkout", () => {
  const tmp = tempDir("playbook-version");
  afterAll(() => tmp.remove());

  test("is accepted when it is the checked playbook (its own Synapse pin)", () => {
    expect(checkPlaybookCheckout(PLAYBOOK_STAND_IN).dir).toBe(PLAYBOOK_STAND_IN);
  });

  test("is refused, with the fix, when it pins another release (another playbook)", () => {
    const other = join(tmp.dir, "newer");
    cpSync(PLAYBOOK_STAND_IN, other, { recursive: true });
    writeFileSync(join(other, "roles/custom/matrix-synapse/defaults/main.yml"), "---\nmatrix_synapse_version: v1.170.0\n");
    expect(() => checkPlaybookCheckout(other)).toThrow(
      `--playbook ${other}: it pins Synapse 1.170.0, so it is not the playbook this product was checked against (c0681e4bc, which pins ${MDAD_CHECKED_AT.synapseVersion}; vars.yml runs Synapse ${SYNAPSE_VERSION} on it); check out that commit, or move the product to the new playbook first (MDAD_CHECKED_AT, MDAD_VARIABLES)`,
    );
  });
});

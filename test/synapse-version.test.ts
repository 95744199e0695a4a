/**
 * One Synapse release for the whole product: the one matrix-docker-ansible-deploy pins at
 * the checked commit, also run by the native installation and the proof of concept; and
 * the bundle builder refuses a playbook checkout that runs another.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { POC_IMAGES } from "../constructs/roles/poc";
import { MDAD_CHECKED_AT } from "../constructs/roles/synapse/mdad-variables";
import { SYNAPSE_VERSION } from "../constructs/roles/synapse/wheelhouse";
import { checkPlaybookCheckout } from "../tools/bundle/playbook";
import { PLAYBOOK_STAND_IN } from "./helpers/lab-bundle";
import { tempDir } from "./helpers/programs";

test("the native installation and the proof of concept run the release the playbook pins", () => {
  expect(SYNAPSE_VERSION).toBe(MDAD_CHECKED_AT.synapseVersion);
  expect(POC_IMAGES.synapse).toBe(`matrixdotorg/synapse:v${MDAD_CHECKED_AT.synapseVersion}`);
});

describe("the bundle builder's playbook checkout", () => {
  const tmp = tempDir("playbook-version");
  afterAll(() => tmp.remove());

  test("is accepted when it runs the product's Synapse release", () => {
    expect(checkPlaybookCheckout(PLAYBOOK_STAND_IN).dir).toBe(PLAYBOOK_STAND_IN);
  });

  test("is refused, with the fix, when it runs another release", () => {
    const other = join(tmp.dir, "newer");
    cpSync(PLAYBOOK_STAND_IN, other, { recursive: true });
    writeFileSync(join(other, "roles/custom/matrix-synapse/defaults/main.yml"), "---\nmatrix_synapse_version: v1.170.0\n");
    expect(() => checkPlaybookCheckout(other)).toThrow(
      `--playbook ${other}: it runs Synapse 1.170.0, but this product's configuration, database sizing and tests are for Synapse ${SYNAPSE_VERSION} (the playbook at c0681e4bc); check out that commit, or move the product to the new release first (SYNAPSE_VERSION, MDAD_CHECKED_AT)`,
    );
  });
});

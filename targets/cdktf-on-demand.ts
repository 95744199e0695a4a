/**
 * cdktf loads two packages when it loads that a synth of this project never calls, together
 * about a tenth of the synth: `archiver` (fifty-odd modules: streams, globbing, zip), for
 * TerraformAsset's archives, which cdktf then makes in a child process of its own, and
 * `semver`, for the binary version check that the App's `skipValidation` turns off (the
 * commands that run OpenTofu check its version themselves). Imported before cdktf, so each
 * loads only if something in the process does call it.
 */
import { loadOnDemand } from "../constructs/on-demand-module";

loadOnDemand("archiver", { exports: "function", dependencyOf: "cdktf" });
loadOnDemand("semver", { exports: "object", dependencyOf: "cdktf" });

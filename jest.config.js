/**
 * Two projects: `unit` runs anywhere, as any user, in a couple of minutes (model,
 * rendering, synth, OpenTofu offline, the real validators); `integration` needs root and
 * boots what it tests (lab hosts, network namespaces, daemons, a Debian root).
 *   npm test                 both
 *   npm run test:unit        unit only
 */

/** Test files that need root: labs, network namespaces, daemons, debootstrap. */
const INTEGRATION = ["lab", "lab-database", "lab-cluster", "lab-hcl-module", "object-store", "onprem-validate", "poc-e2e", "poc-https", "bundle"];

const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  globalSetup: "<rootDir>/test/global-setup.ts",
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  // Type checking is its own step (npm run typecheck); ts-jest only transpiles.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
};

const integration = INTEGRATION.map((name) => `<rootDir>/test/${name}.test.ts`);

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 600000,
  maxWorkers: 2,
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/*.test.ts"], testPathIgnorePatterns: integration },
    { ...common, displayName: "integration", testMatch: integration },
  ],
};

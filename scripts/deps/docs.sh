#!/usr/bin/env bash
# Programs the runbooks need (npm run docs, test/runbooks.test.ts): Graphviz's dot draws
# the topology diagram as SVG; rsvg-convert (librsvg) rasterizes it in the test, so a
# diagram that does not draw fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. scripts/lib/deps.sh

ensure_debian_packages docs.sh graphviz librsvg2-bin

#!/bin/sh
# Installs the Node dependencies of the wisp-js interop test (WispJsJettyIT) exactly as package-lock.json pins them.
# Maven runs it in pre-integration-test (exec-maven-plugin), from the copy of src/test/js in target/interop, so
# node_modules lands in target/interop and never in src/. Arguments: the values of skipTests, skipITs and
# maven.test.skip; when one is "true" the integration tests do not run, so nothing is installed.
# -DskipInterop skips this script (and the test) explicitly. Otherwise a missing node or npm fails the build.
set -eu

for skip in "$@"; do
    if [ "$skip" = true ]; then
        echo "[interop] integration tests are skipped: npm ci not run"
        exit 0
    fi
done

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "[interop] ERROR: '$tool' is not on the PATH. The wisp-js interop test (WispJsJettyIT) needs Node.js 18+" \
             "and npm. Install them, or skip this test explicitly with -DskipInterop." >&2
        exit 1
    fi
done

node -e '
const major = Number(process.versions.node.split(".")[0]);
if (major < 18) {
  console.error("[interop] ERROR: Node.js " + process.versions.node + " is too old: the wisp-js interop test needs 18+."
    + " Upgrade it, or skip this test explicitly with -DskipInterop.");
  process.exit(1);
}
console.log("[interop] node " + process.versions.node + ", npm ci in " + process.cwd());
'

# --ignore-scripts: the only install script is bufferutil's native build; ws loads its bundled prebuilt binary,
# or falls back to plain JavaScript, without it (and no compiler or header download is ever needed).
exec npm ci --no-audit --no-fund --ignore-scripts

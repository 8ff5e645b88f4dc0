#!/bin/sh
# Install the Electron shell's own dev dependencies (without the Electron binary download, which
# fails offline) and typecheck main/preload. The root `npm ci` never installs Electron.
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules/electron ] || [ ! -d node_modules/typescript ]; then
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm install --no-audit --no-fund
fi
npx tsc -p tsconfig.json --noEmit
echo "agent/electron: typecheck ok"
node ../../installer/validate-builder-config.mjs

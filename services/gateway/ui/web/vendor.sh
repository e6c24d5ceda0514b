#!/usr/bin/env bash
# Copies the pinned htmx and ECharts (package.json, package-lock.json) into
# the embedded assets. Run after changing a version: npm ci && ./vendor.sh
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/htmx.org ] || npm ci --no-audit --no-fund
cp node_modules/htmx.org/dist/htmx.min.js ../static/htmx.min.js
echo "vendor: htmx $(node -p 'require("./node_modules/htmx.org/package.json").version') copied to ui/static/htmx.min.js"
cp node_modules/echarts/dist/echarts.min.js ../static/echarts.min.js
echo "vendor: echarts $(node -p 'require("./node_modules/echarts/package.json").version') copied to ui/static/echarts.min.js"

#!/usr/bin/env bash
# Re-create verify_web/public/offline/static/vendor/ from the npm packages pinned (with their integrity
# hashes) in scripts/vendor-js/package-lock.json, then check every file against the committed
# SHA256SUMS. The files are committed, so `make run` and the tests need no npm; run this after
# changing a pin (then update SHA256SUMS with `--update`) or to confirm the committed bytes are
# exactly the published packages' (`scripts/vendor-js.sh`, no argument).
set -euo pipefail
cd "$(dirname "$0")/.."
out=verify_web/public/offline/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp scripts/vendor-js/package.json scripts/vendor-js/package-lock.json "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --silent)
m="$work/node_modules"
mkdir -p "$out/barcode-detector" "$out/noble-ed25519"
# barcode-detector's ES build carries zxing-wasm's reader glue inside it (zxing-exported.js);
# the .wasm it would fetch from a CDN is served from our origin instead (offline/static/app/scanner.js).
cp "$m/barcode-detector/dist/es/ponyfill.js" "$m/barcode-detector/dist/es/zxing-exported.js" \
   "$m/barcode-detector/LICENSE" "$out/barcode-detector/"
cp "$m/zxing-wasm/dist/reader/zxing_reader.wasm" "$out/barcode-detector/"
cp "$m/zxing-wasm/LICENSE" "$out/barcode-detector/LICENSE.zxing-wasm"
cp /usr/share/common-licenses/Apache-2.0 "$out/barcode-detector/LICENSE.zxing-cpp"
cp "$m/@noble/ed25519/index.js" "$m/@noble/ed25519/LICENSE" "$out/noble-ed25519/"
if [ "${1:-}" = "--update" ]; then
  (cd "$out" && find . -type f ! -name SHA256SUMS ! -name README.md | sort | xargs sha256sum > SHA256SUMS)
fi
(cd "$out" && sha256sum --quiet -c SHA256SUMS) && echo "vendor: every file matches SHA256SUMS"

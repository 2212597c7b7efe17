#!/usr/bin/env bash
# Run one of examples/<name> the way a user's project meets sora-kit: a copy of the example outside this
# repository (so Node cannot find the repository's own node_modules up the directory tree), the packed
# tarball installed into it, the example's own `typecheck` (against the shipped declarations; if it has one) and `test`
# scripts run. Further arguments replace devDependencies of the copy, to run the same example with
# another major of a tool (an install that the peer ranges refuse fails here, as it would for a user):
#   npm pack && bash scripts/try-example.sh vitest-msw
#   bash scripts/try-example.sh vitest-msw vitest@~3.2.0
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/try-example.sh <example name under examples/> [package@range ...]}"
shift
[ -d "examples/$name" ] || { echo "no examples/$name" >&2; exit 2; }
tarballs=(sora-kit-*.tgz)
[ -f "${tarballs[0]}" ] || { echo "no sora-kit-*.tgz at the repository root; run npm pack first" >&2; exit 2; }
tarball="$PWD/${tarballs[0]}"

work="$(mktemp -d "${TMPDIR:-/tmp}/sora-kit-example-$name.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -C "examples/$name" --exclude=node_modules -cf - . | tar -C "$work" -xf -
cd "$work"
npm pkg set "dependencies.sora-kit=file:$tarball"
replaced=()
for spec in "$@"; do
  package="${spec%@*}" # the last '@' separates the range (a scope's '@' comes first)
  [ -n "$package" ] && [ "$package" != "$spec" ] || { echo "expected package@range, got '$spec'" >&2; exit 2; }
  npm pkg set "devDependencies.$package=${spec##*@}"
  replaced+=("$package")
done
npm install --no-audit --no-fund --no-package-lock
[ ${#replaced[@]} -eq 0 ] || npm ls --depth=0 "${replaced[@]}"
npm run --silent --if-present typecheck # a JavaScript example has none
npm test

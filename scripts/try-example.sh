#!/usr/bin/env bash
# Run one of examples/<name> the way a user's project meets sora-kit: a copy of the example outside this
# repository (so Node cannot find the repository's own node_modules up the directory tree), the packed
# tarball installed into it, the example compiled against the shipped declarations and its tests run.
#   npm pack && bash scripts/try-example.sh vitest-msw
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/try-example.sh <example name under examples/>}"
[ -d "examples/$name" ] || { echo "no examples/$name" >&2; exit 2; }
tarballs=(sora-kit-*.tgz)
[ -f "${tarballs[0]}" ] || { echo "no sora-kit-*.tgz at the repository root; run npm pack first" >&2; exit 2; }
tarball="$PWD/${tarballs[0]}"

work="$(mktemp -d "${TMPDIR:-/tmp}/sora-kit-example-$name.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -C "examples/$name" --exclude=node_modules -cf - . | tar -C "$work" -xf -
cd "$work"
npm pkg set "dependencies.sora-kit=file:$tarball"
npm install --no-audit --no-fund --no-package-lock
npx tsc --noEmit
npx vitest run

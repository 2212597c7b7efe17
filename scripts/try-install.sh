#!/usr/bin/env bash
# The README's ways of getting sora-kit while it is not on the npm registry, each tried from a folder
# outside the repository (where the repository's own node_modules cannot stand in). Each must give a
# CLI that answers and a package that imports and serves:
#   1. from this clone (`npm ci` done): `npx --prefix <clone> sora-kit ...`, and `npm link` (into a
#      throwaway global prefix, so the machine's own global folder is left alone);
#   2. from the packed tarball: `npm install ./sora-kit-<version>.tgz`;
#   3. from git: `npm install git+file://<clone>`: npm clones HEAD (committed work only), installs its
#      devDependencies there and builds it through the `prepare` script before packing it.
#   npm ci && npm pack && bash scripts/try-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
clone="$PWD"
version=$(node -p "require('./package.json').version")
tarball="$clone/sora-kit-$version.tgz"
[ -f "$tarball" ] || { echo "no $tarball; run npm pack first" >&2; exit 2; }
[ -f dist/cli/index.js ] || { echo "no dist/cli/index.js; run npm ci first" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/sora-kit-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export npm_config_audit=false npm_config_fund=false

project() { # a new empty npm project under $work; prints its path
  mkdir "$work/$1" && (cd "$work/$1" && npm init -y >/dev/null) && echo "$work/$1"
}

cli_answers() { # <label> <command...>: the CLI gives the version and its subcommands' help
  local label=$1 got
  shift
  got=$("$@" --version)
  [ "$got" = "$version" ] || { echo "$label: '$* --version' said '$got', expected $version" >&2; exit 1; }
  "$@" check --help >/dev/null
}

imports_and_serves() { # <label> <project dir>: the package resolves there, and its server answers
  (cd "$2" && node --input-type=module -e "
    const { createSoraServer } = await import('sora-kit/server');
    const server = createSoraServer({ instant: true });
    const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
    const models = await fetch(url + '/sora/v1/models', { headers: { authorization: 'sk-sora-mock' } });
    await server.close();
    if (models.status !== 200) throw new Error('GET /models answered ' + models.status);
  ") || { echo "$1: sora-kit does not import and serve from $2" >&2; exit 1; }
  echo "ok: $1"
}

# 1. From the clone.
dir=$(project npx)
(cd "$dir" && cli_answers 'npx --prefix' npx --prefix "$clone" sora-kit)
echo "ok: npx --prefix <clone> sora-kit"

export NPM_CONFIG_PREFIX="$work/global"
(cd "$clone" && npm link --silent)
(cd "$work" && PATH="$work/global/bin:$PATH" cli_answers 'npm link' sora-kit)
dir=$(project link)
(cd "$dir" && npm link --silent sora-kit)
imports_and_serves 'npm link, then npm link sora-kit in a project' "$dir"
unset NPM_CONFIG_PREFIX

# 2. From the packed tarball, as the README says it.
dir=$(project tarball)
cp "$tarball" "$dir/"
(cd "$dir" && npm install --silent "./sora-kit-$version.tgz" && cli_answers 'tarball' npx sora-kit)
imports_and_serves "npm install ./sora-kit-$version.tgz" "$dir"

# 3. From git: the package arrives built (dist/ is not in git; prepare made it).
dir=$(project git)
(cd "$dir" && npm install --silent "git+file://$clone" && cli_answers 'git' npx sora-kit)
[ -f "$dir/node_modules/sora-kit/dist/index.d.ts" ] || { echo "git: no dist/ in the installed package" >&2; exit 1; }
imports_and_serves 'npm install git+file://<clone>' "$dir"

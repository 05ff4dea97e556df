#!/usr/bin/env bash
# Installs the Debian packages that the slower test tiers need, only when they are missing:
#   postgresql              the PostgreSQL tier (tests marked `postgres`)
#   chromium, chromium-driver   the browser tier (tests marked `browser`)
#   ffmpeg                  decoding the sample videos in ../shared/faces
#
# Idempotent: when everything is installed it only runs `dpkg-query`, so a second run takes
# about a second, and `apt-get update` runs only when something must be installed.
# As root (or with password-less sudo) it installs what is missing. Otherwise it prints what is
# missing and the command that installs it, then exits 0: locally those tiers skip with a reason,
# and under CI=true they fail, so nothing is silently left untested.
set -euo pipefail

readonly PACKAGES=(postgresql chromium chromium-driver ffmpeg)

is_installed() {
    # `dpkg -s` also succeeds for removed-but-configured packages, so read the exact status.
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-test-deps: not a Debian-based system; install these yourself if you need" \
        "the PostgreSQL and browser tiers: ${PACKAGES[*]}" >&2
    exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
    is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "install-test-deps: all present (${PACKAGES[*]})"
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    # -n: never prompt, so an unattended run cannot hang waiting for a password.
    as_root=(sudo -n)
else
    echo "install-test-deps: missing ${missing[*]}; the tiers that need them will skip locally" \
        "(and fail under CI=true). To install them, run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 0
fi

echo "install-test-deps: installing ${missing[*]}"
# `env` because sudo drops the caller's environment; the lock timeout waits for another
# apt/dpkg run (another engineer, unattended upgrades) instead of failing at once.
apt_options=(-o DPkg::Lock::Timeout=300 -q)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_options[@]}" install -y --no-install-recommends "${missing[@]}"

still_missing=()
for package in "${missing[@]}"; do
    is_installed "$package" || still_missing+=("$package")
done
if ((${#still_missing[@]} > 0)); then
    echo "install-test-deps: apt-get finished but these are still missing: ${still_missing[*]}" >&2
    exit 1
fi
echo "install-test-deps: installed ${missing[*]}"

#!/usr/bin/env bash
# Debian packages jingsu needs at run and test time. Idempotent: installs only what is missing.
# Run as root (CI and the development machines are), or with sudo available.
set -euo pipefail

PACKAGES=(
  python3-venv          # `python3.11 -m venv` on Debian's Python
  fonts-nanum           # Korean font for PDF notices (WeasyPrint)
  libpango-1.0-0        # WeasyPrint text layout
  libpangoft2-1.0-0
  libharfbuzz0b
  libharfbuzz-subset0   # font subsetting for WeasyPrint PDFs
  chromium              # browser tests (Playwright drives Debian's Chromium; no browser downloads)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node.js and npm (`npm ci`: KRDS, krds-uiux, for the staff console) — by command, not by package name: a machine
# with NodeSource's nodejs (which bundles npm) must not get Debian's npm on top of it.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "apt-get이 없습니다. 다음 패키지를 설치하세요: ${missing[*]}" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "시스템 패키지 설치: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

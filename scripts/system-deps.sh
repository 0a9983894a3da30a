#!/usr/bin/env bash
# Installs the system packages the tests meet at their edges: Dovecot (IMAP), OpenSSL (test
# certificates), PostgreSQL server binaries (a private cluster when none answers on 5432),
# Tesseract with Thai (OCR of scans), LibreOffice and Thai fonts (real shaped PDFs as fixtures),
# Chromium and its WebDriver (the dashboard's browser test).
# Needs root and apt-get; elsewhere it says what is missing and the tests that need it skip.
set -euo pipefail
missing=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd dovecot-core)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/tha.traineddata ] || ls /usr/share/tesseract-ocr/*/tessdata/tha.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr-tha)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui libreoffice-writer-nogui)
[ -d /usr/share/fonts/truetype/tlwg ] || [ -d /usr/share/fonts/opentype/tlwg ] || missing+=(fonts-thai-tlwg)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)  # check marks in samples.edited's PDFs
[ -f /usr/share/fonts/truetype/arundina/ArundinaSans.ttf ] || missing+=(fonts-arundina)  # honest scans (samples.scans): a face thaidigits never uses
command -v chromium >/dev/null 2>&1 || missing+=(chromium)  # the dashboard's browser test (Selenium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not root or no apt-get; missing: ${missing[*]} (tests needing them will skip)" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps Debian's own dovecot/postgresql services from starting: the tests run their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

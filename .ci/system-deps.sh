#!/usr/bin/env bash
# Locate or install what PyPI does not carry. Idempotent; prints one line per part.
# Installs only when running as root with apt-get (CI and the development machines);
# elsewhere it says what is missing and the code falls back or skips with a message.
set -u
want=()
have_font() { [ -e /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; }
have_font || want+=(fonts-droid-fallback)
command -v pdftotext >/dev/null 2>&1 || want+=(poppler-utils)
command -v certutil >/dev/null 2>&1 || want+=(libnss3-tools)  # lets pdfsig check the signer's trust
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
if [ "${ASSURED_WITH_BROWSER:-${CI:-}}" != "" ]; then
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
fi
if [ ${#want[@]} -eq 0 ]; then
  echo "system parts: all present"
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system parts: installing ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${want[@]}"; } >/tmp/assured-apt.log 2>&1 \
    || echo "system parts: apt-get failed (see /tmp/assured-apt.log); tests needing ${want[*]} will skip"
else
  echo "system parts missing: ${want[*]} (not root or no apt-get); features needing them fall back or skip"
fi
exit 0

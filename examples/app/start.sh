# The app's start, run by busybox's shell (the image has nothing else): reads
# the .env file the deploy mounts (0600 on the host, never in the image or the
# checkout), writes what /config.json shows of it, and serves www/.
#
# /config.json shows no value of the file but APP_ENVIRONMENT: the names of
# the variables it holds and a fingerprint (the first 16 hex digits of the
# file's SHA-256), so that a deploy can be checked to have delivered the file
# it was given without the page showing a secret.
set -eu

env_file=${APP_ENV_FILE:-/run/secrets/app.env}
www=${APP_WWW:-/www}

environment=unknown
names=
fingerprint=
if [ -r "$env_file" ]; then
  fingerprint=$(sha256sum "$env_file" | cut -c1-16)
  # Read, never sourced: a value is data, not shell.
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      '' | '#'*) continue ;;
    esac
    name=${line%%=*}
    case $name in
      *[!A-Za-z0-9_]* | '') continue ;;
    esac
    value=${line#*=}
    [ "$name" = APP_ENVIRONMENT ] && environment=$value
    names="$names${names:+,}\"$name\""
  done <"$env_file"
fi

case $environment in
  *[!A-Za-z0-9._-]*) environment=invalid ;;
esac

if [ -n "$fingerprint" ]; then
  printf '{ "environment": "%s", "env_file": "loaded", "fingerprint": "%s", "variables": [%s] }\n' \
    "$environment" "$fingerprint" "$names" >"$www/config.json"
else
  printf '{ "environment": "%s", "env_file": "missing", "fingerprint": null, "variables": [] }\n' \
    "$environment" >"$www/config.json"
fi

exec httpd -f -h "$www" "$@"

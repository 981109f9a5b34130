#!/usr/bin/env bash
# The Debian packages the tests and the demo start on loopback. Run before
# `npm test`, `npm run demo` and `npm run coverage` (npm's pre-scripts) and by
# .ci/run: installs what is missing when run as root, otherwise names the
# packages and the command to install them, and fails.
set -euo pipefail

# program-or-path:package — why
wanted=(
  "zip:zip"                          # release archives of the install tests
  "unzip:unzip"
  "openssl:openssl"                  # TLS test certificates
  "dockerd:docker.io"                # the Docker tier starts its own engine
  "docker-registry:docker-registry"  # … and its own registry
  "htpasswd:apache2-utils"           # the registry's users
  "ansible-playbook:ansible"         # the Ansible tier
  "sshd:openssh-server"              # hosts for Ansible, on loopback
  "ip:iproute2"                      # hosts in network namespaces
  "busybox:busybox-static"           # the example app image (FROM scratch)
  "jq:jq"                            # the workflows' own shell steps
  "skopeo:skopeo"                    # docker-publish's source-image copies images registry to registry with it
  "git:git"                          # throwaway repositories of the workflow tests
  # PostgreSQL, the `pg` state backend of the reference repository's tests; its
  # server binaries are not on PATH but in /usr/lib/postgresql/<version>/bin.
  "/usr/lib/postgresql/*/bin/initdb:postgresql"
  "/usr/bin/chromium:chromium"       # the demo page, rendered headless
)

missing=()
for entry in "${wanted[@]}"; do
  program=${entry%%:*}
  package=${entry#*:}
  if [[ $program == /* ]]; then
    # A path may be a glob (a version in it): any executable match will do.
    found=
    for candidate in $program; do
      [[ -x $candidate ]] && found=1
    done
    [[ -n $found ]] || missing+=("$package")
  else
    command -v "$program" >/dev/null 2>&1 || [[ -x /usr/sbin/$program ]] || missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing the Debian packages the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

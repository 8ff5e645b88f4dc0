#!/bin/sh
# deb/rpm post-remove: stop and remove the service and links. The data dir and keyring in
# /var/lib/nexus-migrate are kept (they hold the spool and the agent identity).
set -e
if [ -d /run/systemd/system ]; then
  systemctl disable --now nexus-migrate-agent.service 2>/dev/null || true
  rm -f /lib/systemd/system/nexus-migrate-agent.service
  systemctl daemon-reload || true
fi
rm -f /usr/bin/nexus-migrate /usr/libexec/nexus-migrate/with-keyring
rmdir /usr/libexec/nexus-migrate 2>/dev/null || true

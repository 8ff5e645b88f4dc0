#!/bin/sh
# deb/rpm post-install: CLI on PATH, service account, systemd unit. The service is not started
# until an administrator has created the keyring credential and enrolled the agent.
set -e
APP_DIR="/opt/Nexus Migrate Agent"
RES="$APP_DIR/resources/linux"
chmod 0755 "$RES/nexus-migrate" "$RES/with-keyring"
ln -sf "$RES/nexus-migrate" /usr/bin/nexus-migrate
mkdir -p /usr/libexec/nexus-migrate
ln -sf "$RES/with-keyring" /usr/libexec/nexus-migrate/with-keyring
install -D -m 0644 "$RES/nexus-migrate.sysusers" /usr/lib/sysusers.d/nexus-migrate.conf
if command -v systemd-sysusers >/dev/null 2>&1; then
  systemd-sysusers /usr/lib/sysusers.d/nexus-migrate.conf
elif ! getent passwd nexus-migrate >/dev/null; then
  useradd --system --home-dir /var/lib/nexus-migrate --shell /usr/sbin/nologin nexus-migrate
fi
install -d -m 0750 -o root -g root /etc/nexus-migrate
if [ -d /run/systemd/system ]; then
  install -D -m 0644 "$RES/nexus-migrate-agent.service" /lib/systemd/system/nexus-migrate-agent.service
  systemctl daemon-reload || true
  if systemctl is-enabled --quiet nexus-migrate-agent.service 2>/dev/null; then
    systemctl try-restart nexus-migrate-agent.service || true
  fi
fi
echo "Nexus Migrate Agent installed. For the headless service: create /etc/nexus-migrate/keyring-password (mode 0600), then: systemctl enable --now nexus-migrate-agent"

#!/usr/bin/env bash
# Installs everything Pitcrew needs on a fresh Debian machine. Idempotent: safe to run again.
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    say "need root for: $*" >&2
    exit 1
  fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null
}

# etcd and etcdctl (Debian's 3.4): tests start their own etcd processes on free loopback ports.
install_etcd() {
  if command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; then
    say "etcd $(etcd --version 2>/dev/null | awk '/etcd Version/ {print $3}') already installed"
  else
    say "installing etcd-server and etcd-client"
    apt_install etcd-server etcd-client
  fi
  stop_system_etcd
}

# The package enables a system etcd on 127.0.0.1:2379; nothing of ours uses it, so make sure it is not running.
stop_system_etcd() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    say "stopping the system etcd service"
    as_root systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
  local pid
  for pid in $(pgrep -x etcd 2>/dev/null || true); do
    # Only the packaged daemon: it runs without --data-dir (it reads /etc/default/etcd) or on /var/lib/etcd.
    if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- '--data-dir' \
       || tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '/var/lib/etcd'; then
      say "stopping system etcd (pid $pid)"
      as_root kill "$pid" || true
    fi
  done
}

# kubectl: the tests run the real kubectl against the simulated cluster. These machines ship a version dispatcher
# (kubectl 1.27-1.33); elsewhere Debian's kubernetes-client is the fallback.
install_kubectl() {
  if command -v kubectl >/dev/null 2>&1; then
    say "kubectl already installed"
  else
    say "installing kubernetes-client (kubectl)"
    apt_install kubernetes-client
  fi
}

# IANA time zones (upgrade apply --window "Sat 01:00-05:00 Asia/Seoul", retention --time-zone): .NET reads them
# from /usr/share/zoneinfo, which minimal images leave out.
install_tzdata() {
  if [ -e /usr/share/zoneinfo/Asia/Seoul ]; then
    say "tzdata already installed"
  else
    say "installing tzdata"
    apt_install tzdata
  fi
}

# s3rver (npm), the S3-compatible server that backup tests and benchmarks start on loopback. Pinned in
# tools/s3rver/package-lock.json; installed into tools/s3rver/node_modules.
install_s3rver() {
  if [ -x tools/s3rver/node_modules/.bin/s3rver ]; then
    say "s3rver already installed"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    say "installing nodejs and npm"
    apt_install nodejs npm
  fi
  say "installing s3rver (npm ci in tools/s3rver)"
  (cd tools/s3rver && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# openssh-server: node-executor tests start their own sshd (own host key and config) on a free loopback port.
# The packaged service is not needed; it is left as the package installs it.
install_sshd() {
  if [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null 2>&1; then
    say "openssh-server already installed"
  else
    say "installing openssh-server and openssh-client"
    apt_install openssh-server openssh-client
  fi
}

# sudo and two unprivileged accounts for the SSH executor's sudo tests (the test sshd logs in as them):
# pitcrew-sudo may run anything as root without a password (NOPASSWD, as a node's admin account would),
# pitcrew-nosudo may not use sudo at all. Neither has a password: "*" in shadow refuses password logins but, unlike
# useradd's locked "!", lets sshd accept a key.
install_ssh_test_users() {
  if ! command -v sudo >/dev/null 2>&1; then
    say "installing sudo"
    apt_install sudo
  fi
  local user
  for user in pitcrew-sudo pitcrew-nosudo; do
    if ! id "$user" >/dev/null 2>&1; then
      say "adding test user $user"
      as_root useradd --create-home --shell /bin/sh "$user"
    fi
    as_root usermod -p '*' "$user"
  done
  local rule='pitcrew-sudo ALL=(ALL) NOPASSWD: ALL'
  if ! as_root grep -qxF "$rule" /etc/sudoers.d/pitcrew-sudo 2>/dev/null; then
    say "allowing pitcrew-sudo passwordless sudo (/etc/sudoers.d/pitcrew-sudo)"
    printf '%s\n' "$rule" | as_root tee /etc/sudoers.d/pitcrew-sudo.tmp >/dev/null
    as_root chmod 0440 /etc/sudoers.d/pitcrew-sudo.tmp
    as_root visudo -cqf /etc/sudoers.d/pitcrew-sudo.tmp
    as_root mv /etc/sudoers.d/pitcrew-sudo.tmp /etc/sudoers.d/pitcrew-sudo
  fi
}

# The official Python client (Debian's python3-kubernetes): the sim tests run it as a second independent client, with
# Debian's /usr/bin/python3 (the interpreter the package installs into, whatever python3 comes first on PATH).
install_python_kubernetes() {
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1; then
    say "python3-kubernetes already installed"
  else
    say "installing python3-kubernetes"
    apt_install python3 python3-kubernetes
  fi
}

restore_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    say "the .NET 10 SDK is required (dotnet not found on PATH)" >&2
    exit 1
  fi
  say "dotnet restore"
  dotnet restore Pitcrew.slnx --verbosity quiet
}

install_etcd
install_kubectl
install_tzdata
install_s3rver
install_sshd
install_ssh_test_users
install_python_kubernetes
restore_dotnet
say "done"

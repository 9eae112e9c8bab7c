# Shared helpers for the scripts in this folder (sourced, not executed).
info() { printf '\033[1;34m[orbitlake]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[orbitlake] warning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31m[orbitlake] error:\033[0m %s\n' "$*" >&2; exit 1; }

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

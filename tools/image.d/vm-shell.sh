#!/usr/bin/env bash
# vm-shell.sh SOCKET 'COMMAND' [SECONDS]: run a command in the VM's debug shell (tools/image test
# --debug --keep-lab) and print what it answers within SECONDS (default 5).
exec python3 - "$@" <<'PY'
import socket, sys, time
sock, cmd = sys.argv[1], sys.argv[2]
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 5
s = socket.socket(socket.AF_UNIX); s.connect(sock); s.settimeout(0.5)
s.sendall(("stty -echo 2>/dev/null; " + cmd + "; echo __END__\n").encode())
out, end = b"", time.time() + wait
while time.time() < end and b"__END__\n" not in out.replace(b"\r", b""):
    try:
        d = s.recv(65536)
        if d: out += d
    except socket.timeout:
        pass
sys.stdout.write(out.decode(errors="replace").replace("\r", "").replace("__END__\n", ""))
PY

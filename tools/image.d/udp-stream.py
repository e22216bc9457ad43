#!/usr/bin/env python3
"""udp-stream.py: a numbered UDP stream through the VIP, for tools/image test --update.

  send HOST PORT RATE STOPFILE OUT   send datagrams numbered 0,1,2... at RATE per second until
                                     STOPFILE exists; write the count sent to OUT
  recv PORT OUT                      write every number received to OUT (one per line, flushed
                                     at SIGTERM)
  report SENTFILE RATE RECVFILE...   lost datagrams, the longest run of lost ones and the span from
                                     the first lost to the last (as time at RATE: a restart's
                                     outage): "sent N received N lost N longest_gap_ms N outage_ms N"
"""
import os, signal, socket, struct, sys, time


def send(host, port, rate, stopfile, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    period, n, t0 = 1.0 / float(rate), 0, time.monotonic()
    while not os.path.exists(stopfile):
        try:
            s.sendto(struct.pack("!Q", n) + b"x" * 56, (host, int(port)))
        except OSError:
            pass  # no route/ARP yet while the box restarts: the datagram counts as lost
        n += 1
        delay = t0 + n * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    with open(out, "w") as f:
        f.write(f"{n}\n")


def recv(port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", int(port)))
    seen = []
    def stop(*_):
        with open(out, "w") as f:
            f.write("\n".join(map(str, seen)))
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    while True:
        data = s.recv(2048)
        if len(data) >= 8:
            seen.append(struct.unpack("!Q", data[:8])[0])


def report(sentfile, rate, *recvfiles):
    sent = int(open(sentfile).read().strip() or 0)
    got = set()
    for r in recvfiles:
        if os.path.exists(r):
            got.update(int(x) for x in open(r).read().split() if x.strip())
    got = {g for g in got if g < sent}
    longest = run = 0
    first = last = None
    for i in range(sent):
        if i in got:
            run = 0
        else:
            run += 1
            longest = max(longest, run)
            first = i if first is None else first
            last = i
    outage = 0 if first is None else last - first + 1
    print(f"sent {sent} received {len(got)} lost {sent - len(got)} longest_gap_ms {longest * 1000 // int(rate)} "
          f"outage_ms {outage * 1000 // int(rate)}")


if __name__ == "__main__":
    {"send": send, "recv": recv, "report": report}[sys.argv[1]](*sys.argv[2:])

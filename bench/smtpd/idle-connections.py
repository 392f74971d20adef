#!/usr/bin/env python3
# idle-connections.py PORT COUNT PID - open COUNT SMTP connections to 127.0.0.1:PORT, read each
# banner, hold them all open, and print the resident memory of process PID (the server) before and
# after. The connections come from 127.0.0.1..127.0.0.9 in turn so that no source runs out of ports.
import socket, sys, time

def rss_kb(pid):
    for l in open('/proc/%s/status' % pid):
        if l.startswith('VmRSS:'):
            return int(l.split()[1])
    return -1

port, count, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
before = rss_kb(pid)
conns = []
start = time.time()
for i in range(count):
    s = socket.create_connection(('127.0.0.1', port), timeout=30, source_address=('127.0.0.%d' % (1 + i % 9), 0))
    conns.append(s)
banners = 0
for s in conns:
    if s.recv(200).startswith(b'220 '):
        banners += 1
took = time.time() - start
time.sleep(2)
after = rss_kb(pid)
print('connections %d banners %d in %.1f s; server RSS before %d MB, with all open %d MB (%.1f KB each)'
      % (count, banners, took, before // 1024, after // 1024, (after - before) / count))
for s in conns:
    s.close()

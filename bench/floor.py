#!/usr/bin/env python3
"""floor - the file system's ceiling for local delivery on this machine, with no MTA and no network.

Per message it does the file work that both Postfix and Tern must do to accept a message and
deliver it into a Maildir: write 1.6 KB into an existing queue file and fdatasync it; create a
Maildir tmp file, write 1.4 KB, fdatasync, close, rename it into new/. THREADS threads share the
messages, as 20 SMTP sessions would. It prints messages per second: an MTA's local scenario can
approach this number, not pass it (the SMTP exchange and the load generator need CPU too).

    python3 bench/floor.py DIR [MESSAGES [THREADS]]     # DIR is made and removed; default 3000 20

It writes only below DIR (on the file system to measure: the same as the bench's scratch
directory, /tmp unless --dir says otherwise) and removes DIR at the end.
"""

import os
import shutil
import sys
import threading
import time


def main():
    base = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    for d in ("q", "tmp", "new"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    data, qdata = b"x" * 1400, b"q" * 1600
    lock = threading.Lock()
    counter = [0]

    def worker(t):
        qf = os.open(os.path.join(base, "q", str(t)), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                with lock:
                    i = counter[0]
                    counter[0] += 1
                if i >= n:
                    return
                os.pwrite(qf, qdata, 0)
                os.fdatasync(qf)
                p = os.path.join(base, "tmp", str(i))
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.write(fd, data)
                os.fdatasync(fd)
                os.close(fd)
                os.rename(p, os.path.join(base, "new", str(i)))
        finally:
            os.close(qf)

    t0 = time.time()
    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.time() - t0
    print("%d messages in %.2f s = %.0f msg/s (%d threads)" % (n, dt, n / dt, threads))
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

"""idle - many idle SMTP clients at once: open N connections, count how many get a 220 greeting.

One thread, non-blocking sockets and epoll, so that opening thousands costs the load generator
little CPU. A connection counts as greeted once a line starting with "220" arrives; it then stays
open and silent (idle) until close_all(). Connections the server refuses or closes are counted,
not retried.

How it fails: socket errors are counted per connection, never raised; running out of file
descriptors stops opening more and is reported (open_failed). close_all() resets every connection
(SO_LINGER 0) so that tens of thousands of closes leave no TIME_WAIT behind on the client side.
"""

import errno
import resource
import selectors
import socket
import struct
import time

LINGER_RESET = struct.pack("ii", 1, 0)


def raise_fd_limit(wanted):
    """raise_fd_limit - lift the soft open-files limit toward wanted (up to the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


class IdleClients:
    """IdleClients - a growing set of idle connections to 127.0.0.1:port."""

    def __init__(self, port):
        self.addr = ("127.0.0.1", port)
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.buf = {}
        self.greeted = 0
        self.closed = 0
        self.errors = 0
        self.open_failed = 0
        self.last_error = ""

    def open(self, n):
        """open - start n more connections at once (non-blocking connects)."""
        for _ in range(n):
            try:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError as e:
                self.open_failed += 1
                self.last_error = str(e)
                continue
            s.setblocking(False)
            rc = s.connect_ex(self.addr)
            if rc not in (0, errno.EINPROGRESS):
                self.errors += 1
                self.last_error = errno.errorcode.get(rc, str(rc))
                s.close()
                continue
            self.socks.append(s)
            self.buf[s.fileno()] = b""
            self.sel.register(s, selectors.EVENT_READ)

    def pump(self, timeout):
        """pump - handle what arrived within timeout seconds; returns the greeted count."""
        for key, _ in self.sel.select(timeout):
            s = key.fileobj
            fd = key.fd
            try:
                data = s.recv(1024)
            except BlockingIOError:
                continue
            except OSError as e:
                self.errors += 1
                self.last_error = str(e)
                self.sel.unregister(s)
                continue
            if not data:
                self.closed += 1
                self.sel.unregister(s)
                continue
            got = self.buf[fd] + data
            if b"\n" in got or len(got) > 512:
                self.sel.unregister(s)
                self.buf[fd] = b""
                if got.startswith(b"220"):
                    self.greeted += 1
                else:
                    self.errors += 1
                    self.last_error = "greeting %r" % got[:60]
            else:
                self.buf[fd] = got
        return self.greeted

    def wait_greeted(self, target, deadline):
        """wait_greeted - pump until target greeted or the monotonic deadline; (greeted, seconds waited)."""
        t0 = time.monotonic()
        while self.greeted < target and time.monotonic() < deadline:
            if self.greeted + self.closed + self.errors >= len(self.socks) and self.greeted < target:
                # nothing left that could still be greeted
                break
            self.pump(min(0.05, max(0.0, deadline - time.monotonic())))
        return self.greeted, time.monotonic() - t0

    def close_all(self):
        for s in self.socks:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        self.sel.close()
        self.socks = []
        self.buf = {}

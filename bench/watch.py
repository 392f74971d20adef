"""watch - counting finished messages while a run goes: the MTA's log, the sink, the Maildir.

LogTail reads a maillog incrementally (only the bytes appended since the last call, never the
whole file again) and counts "status=sent" lines; it keeps the last few warning/fatal/panic and
non-sent status lines so a failed run can say why. Sink runs Postfix's smtp-sink with -c and
reads its running counter ("... mesg=N" records separated by CR) the same incremental way.
maildir_count counts files in a Maildir's new/ directory.

How it fails: a log or counter file that does not exist yet counts as zero; a sink that does not
listen within its time limit raises SinkError with smtp-sink's own words; stop() is bounded.
"""

import collections
import os
import re
import signal
import socket
import subprocess
import time

import mta

SENT = b" status=sent "
STAMP = re.compile(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ ")
SAMENESS = re.compile(r"\[\d+\]|\b[0-9A-F]{6,}\b|\bdelays?=\S+|:\d+:")
TROUBLE = re.compile(rb"(warning|fatal|panic|error):| status=(deferred|bounced|expired)")


class LogTail:
    """LogTail - incremental reader of one log file that counts status=sent lines."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.sent = 0
        self.trouble = collections.deque(maxlen=2)
        self.seen = set()

    def poll(self):
        """poll - read what was appended since the last poll; returns the status=sent count so far."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(8 << 20)
        except OSError:
            return self.sent
        if not data:
            return self.sent
        self.offset += len(data)
        data = self.partial + data
        cut = data.rfind(b"\n") + 1
        self.partial = data[cut:]
        block = data[:cut]
        self.sent += block.count(SENT)
        if TROUBLE.search(block):
            for line in block.splitlines():
                if TROUBLE.search(line):
                    self._remember(line.decode("utf-8", "replace"))
        return self.sent

    def _remember(self, line):
        # drop "Mmm dd hh:mm:ss host " and keep one line of each kind (ids, pids and delays aside)
        text = STAMP.sub("", line, count=1)
        key = SAMENESS.sub("", text)
        if key in self.seen:
            return
        self.seen.add(key)
        self.trouble.append(text[:240])

    def why(self):
        """why - the last troubling log lines, or a note that there were none."""
        return " | ".join(self.trouble) if self.trouble else "no warnings in the log"


class SinkError(Exception):
    pass


class Sink:
    """Sink - one smtp-sink on a free loopback port for one run, with its message counter."""

    def __init__(self, out_path, backlog=1024):
        self.port = mta.free_port()
        self.out_path = out_path
        self.offset = 0
        self.partial = b""
        self.count = 0
        argv = ["/usr/sbin/smtp-sink", "-c"]
        if os.geteuid() == 0:
            argv += ["-u", "postfix"]  # it refuses to run as root without -u
        argv += ["127.0.0.1:%d" % self.port, str(backlog)]
        self.out = open(out_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        why = self._await_listening(10)
        if why is not None:
            self.stop()
            raise SinkError("smtp-sink did not listen on 127.0.0.1:%d: %s" % (self.port, why))

    def _await_listening(self, timeout):
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                with open(self.out_path, "rb") as f:
                    return "exited %d: %s" % (self.proc.returncode, f.read()[-300:].decode("utf-8", "replace").strip())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return None
            except OSError as e:
                last = str(e)
            time.sleep(0.05)
        return last

    def poll(self):
        """poll - messages the sink has received so far (from its -c counter)."""
        try:
            with open(self.out_path, "rb") as f:
                f.seek(self.offset)
                data = f.read(1 << 20)
        except OSError:
            return self.count
        if data:
            self.offset += len(data)
            data = self.partial + data
            cut = data.rfind(b"\r") + 1
            self.partial = data[cut:]
            found = re.findall(rb"mesg=(\d+)", data[:cut])
            if found:
                self.count = max(self.count, int(found[-1]))
        return self.count

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.out.close()


def maildir_count(path):
    """maildir_count - files in a Maildir new/ directory (0 when it does not exist yet)."""
    try:
        n = 0
        with os.scandir(path) as it:
            for _ in it:
                n += 1
        return n
    except OSError:
        return 0

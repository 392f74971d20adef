"""test_bench - checks of the harness's own parts that need neither root nor an MTA.

Run: python3 -m unittest discover -s bench -p 'test_*.py'   (a few seconds, loopback only)

Covers: the incremental log reader (lines split across reads, only appended bytes read, trouble
lines deduplicated), smtp-sink's counter format, the /proc sampler on this process, the idle
clients against a small greeting server on a free port, and the summary line's pieces.
"""

import os
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
import idle  # noqa: E402
import mta  # noqa: E402
import procstat  # noqa: E402
import watch  # noqa: E402


class LogTailTest(unittest.TestCase):
    def test_counts_sent_across_partial_writes(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "maillog")
            tail = watch.LogTail(path)
            self.assertEqual(tail.poll(), 0)  # no file yet
            line = (b"Nov 25 12:01:23 mx postfix/smtp[42]: 0FD0F20C708: to=<a@b.test>, relay=x, "
                    b"delay=0.1, dsn=2.0.0, status=sent (250 Ok)\n")
            with open(path, "ab") as f:
                f.write(line + line[:30])  # the second line is cut in the middle
            self.assertEqual(tail.poll(), 1)
            with open(path, "ab") as f:
                f.write(line[30:])
            self.assertEqual(tail.poll(), 2)
            self.assertEqual(tail.offset, os.path.getsize(path))

    def test_trouble_lines_once_per_kind(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "maillog")
            with open(path, "w") as f:
                for i in range(5):
                    f.write("Nov 25 12:18:22 mx postfix/error[80%d]: 120D720C70%d: to=<s@r.test>, delay=0.2%d, "
                            "status=deferred (connect to 127.0.0.1[127.0.0.1]:3750%d: Connection refused)\n"
                            % (i, i, i, i))
                f.write("Nov 25 12:18:23 mx postfix/smtpd[7]: warning: something else\n")
            tail = watch.LogTail(path)
            self.assertEqual(tail.poll(), 0)
            why = tail.why()
            self.assertEqual(why.count("status=deferred"), 1)
            self.assertIn("postfix/smtpd[7]: warning: something else", why)
            self.assertNotIn("Nov 25", why)


class SinkCounterTest(unittest.TestCase):
    def test_reads_last_complete_record(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "sink")
            s = watch.Sink.__new__(watch.Sink)  # only the counter, no smtp-sink process
            s.out_path, s.offset, s.partial, s.count = out, 0, b"", 0
            with open(out, "wb") as f:
                f.write(b"\rsess=1 quit=0 mesg=1\rsess=2 quit=0 mesg=2\rsess=3 quit=0 mesg=1")
            self.assertEqual(s.poll(), 2)  # the last record has no CR yet
            with open(out, "ab") as f:
                f.write(b"0\r")
            self.assertEqual(s.poll(), 10)


class ProcStatTest(unittest.TestCase):
    def test_samples_this_process(self):
        s = procstat.sample(os.getpid(), with_pss=True)
        self.assertEqual(s.pids[0], os.getpid())
        self.assertGreater(s.rss, 1 << 20)
        self.assertGreater(s.pss, 0)
        self.assertGreaterEqual(s.cpu, 0)

    def test_gone_process_is_empty(self):
        self.assertFalse(procstat.sample(2 ** 22 + 7).alive)


class IdleClientsTest(unittest.TestCase):
    def test_counts_greetings(self):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        port = server.getsockname()[1]
        conns = []
        stop = threading.Event()

        def serve():
            server.settimeout(0.1)
            while not stop.is_set():
                try:
                    c, _ = server.accept()
                except OSError:
                    continue
                conns.append(c)
                # every third client gets a refusal instead of a greeting
                c.sendall(b"554 no\r\n" if len(conns) % 3 == 0 else b"220 mx ESMTP\r\n")

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        clients = idle.IdleClients(port)
        try:
            clients.open(30)
            greeted, _ = clients.wait_greeted(30, time.monotonic() + 5)
            self.assertEqual(greeted, 20)
            self.assertEqual(clients.errors, 10)
        finally:
            clients.close_all()
            stop.set()
            t.join(2)
            for c in conns:
                c.close()
            server.close()


class ClearTest(unittest.TestCase):
    def test_leftovers_are_moved_aside_not_deleted(self):
        with tempfile.TemporaryDirectory() as d:
            inst = mta.Instance(os.path.join(d, "tern"))
            os.makedirs(os.path.join(inst.spool, "deferred", "A"))
            os.makedirs(os.path.join(inst.spool, "pid"))
            os.makedirs(os.path.join(inst.mail, "user", "new"))
            with open(os.path.join(inst.spool, "deferred", "A", "ABC123"), "w") as f:
                f.write("queue file")
            with open(os.path.join(inst.spool, "pid", "master.pid"), "w") as f:
                f.write("1")
            with open(os.path.join(inst.mail, "user", "new", "1.msg"), "w") as f:
                f.write("mail")
            with open(inst.maillog, "w") as f:
                f.write("log")
            inst.clear("local.r1")
            aside = os.path.join(inst.top, "aside", "local.r1")
            self.assertTrue(os.path.isfile(os.path.join(aside, "spool", "deferred", "A", "ABC123")))
            self.assertTrue(os.path.isfile(os.path.join(aside, "mail", "user", "new", "1.msg")))
            self.assertFalse(os.path.exists(os.path.join(inst.spool, "deferred", "A", "ABC123")))
            self.assertTrue(os.path.isdir(os.path.join(inst.spool, "deferred", "A")))  # the queue's tree stays
            self.assertTrue(os.path.isfile(os.path.join(inst.spool, "pid", "master.pid")))
            self.assertEqual(os.listdir(inst.mail), [])
            self.assertTrue(os.path.isfile(inst.maillog + ".local.r1"))


class ReportPiecesTest(unittest.TestCase):
    def test_formatting(self):
        self.assertEqual(bench.mb(58 * 2 ** 20), "58M")
        self.assertEqual(bench.mb(int(1.5 * 2 ** 30)), "1.5G")
        self.assertEqual(bench.ratio(1402, 271), "5.17")
        self.assertEqual(bench.ratio(None, 271), "-")
        self.assertEqual(bench.fmt(None, "%d", "why"), "failed")
        self.assertEqual(bench.med([3, None, 1, 2]), 2)

    def test_failures_after_good_runs(self):
        good, bad = bench.Run(value=1.0), bench.Run(error="boom")
        out = bench.failures({"postfix": [good], "tern": [good, bad]}, {"tern": "round 2: boom"})
        self.assertNotIn("postfix", out)
        self.assertIn("after 1 good runs", out["tern"])


if __name__ == "__main__":
    unittest.main()

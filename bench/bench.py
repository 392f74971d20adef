#!/usr/bin/env python3
"""bench - Tern and real Postfix side by side, same machine, same run (see bench/README.md).

For each scenario and each round, both MTAs run one after the other (which one goes first
alternates by round), each freshly started on fresh ports with an empty queue and empty
mailboxes, and stopped afterwards. Scenarios:

  postconf              "postconf -c DIR -h myhostname", wall time, median of 10 (run first)
  relay-1k, relay-100k  smtp-source -> MTA -> smtp client -> smtp-sink, 20 sessions
  local                 smtp-source -> MTA -> virtual(8) Maildir, 20 sessions
  idle                  2000 connections opened at once (time until all have a 220), then up to
                        10,000 (all greeted within 15 s?), with the MTA's RSS and Pss

A message counts as done when the MTA logged status=sent for it or the sink (relay) or the
Maildir (local) has it, whichever count is higher. Throughput is messages / (time from starting
smtp-source until the last one is done). CPU is user+system of the MTA's whole process tree during
the run (Postfix: master and children; Tern: the daemon JVM), memory the peak of its summed RSS
and Pss.

How it fails: an MTA that does not start, or a run that stalls, errs or passes its time limit,
gives a "NAME: failed: ..." line for that scenario and the benchmark goes on (later rounds of that
MTA in that scenario are skipped). Everything started here is stopped in a finally block, also on
SIGINT/SIGTERM; every wait has a time limit. Only 127.0.0.1 and free high ports are used.
"""

import argparse
import datetime
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import idle  # noqa: E402
import mta  # noqa: E402
import procstat  # noqa: E402
import watch  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"

# name -> (kind, message size, recipient kind, messages per run, Postfix's rate here in msg/s)
# N is chosen so that one run takes about 4 s at Postfix's speed on a 2-core machine.
THROUGHPUT = {
    "relay-1k": (1024, "relay", 1000, 270),
    "relay-100k": (100 * 1024, "relay", 800, 210),
    "local": (1024, "local", 1500, 370),
}
# postconf first: a CLI's start-up time is the most sensitive to load, and the idle scenario
# leaves the machine's load average in the hundreds for minutes (Postfix's thousands of smtpd).
ALL_SCENARIOS = ["postconf", "relay-1k", "relay-100k", "local", "idle"]
TARGETS = {
    "relay-1k": "ratio >= 5",
    "relay-100k": "ratio >= 5",
    "local": "ratio >= 5",
    "idle-2000": "all greeted <= 5 s",
    "idle-10000": "all greeted <= 15 s, rss < 512M",
    "postconf": "median < 150 ms",
}


class Run:
    """Run - the outcome of one run of one MTA: a value (msg/s, seconds, ms) or an error."""

    def __init__(self, value=None, error=None, cpu=None, rss=None, pss=None, note=""):
        self.value = value
        self.error = error
        self.cpu = cpu
        self.rss = rss
        self.pss = pss
        self.note = note
        self.extra = {}

    @property
    def ok(self):
        return self.error is None


class Bench:
    """Bench - the whole benchmark: instances, scenarios, results, and cleaning up after itself."""

    def __init__(self, opts):
        self.opts = opts
        self.scratch = None
        self.instances = []
        self.broken = {}  # instance name -> why it cannot run at all
        self.sinks = []
        self.sources = []
        self.source_done = {}  # smtp-source pid -> when it was seen to have exited
        self.lines = []  # the summary lines, in order
        self.raw = []  # one line per run
        self.started = datetime.datetime.now()
        self.load_at_start = loadavg()

    # --- output ---------------------------------------------------------------------------

    def say(self, text):
        print(text, flush=True)
        self.lines.append(text)

    def progress(self, text):
        text += "  [load %s]" % loadavg().split()[0]
        print("  " + text, file=sys.stderr, flush=True)
        self.raw.append(text)

    # --- set-up ---------------------------------------------------------------------------

    def setup(self):
        base = self.opts.dir or None
        self.scratch = tempfile.mkdtemp(prefix="tern-bench-", dir=base)
        os.chmod(self.scratch, 0o755)  # Postfix's daemons (user postfix) and virtual(8) must get in
        mta.spread_subdirectories(self.scratch)  # each MTA's tree in block groups of its own
        want = set(self.opts.mta)
        if "postfix" in want:
            if os.geteuid() != 0:
                self.broken["postfix"] = "Postfix's master must be started as root"
            elif not os.access("/usr/sbin/postfix", os.X_OK):
                self.broken["postfix"] = "/usr/sbin/postfix is missing (bench/run installs it)"
            else:
                self.instances.append(mta.Postfix(os.path.join(self.scratch, "postfix")))
        if "tern" in want:
            jar = os.path.join(self.opts.tern_home, "target", "tern.jar")
            if not os.path.exists(jar):
                self.broken["tern"] = "Tern is not built (%s missing; run ./build)" % jar
            else:
                self.instances.append(mta.Tern(os.path.join(self.scratch, "tern"), self.opts.tern_home,
                                               self.opts.tern_opts))
        for inst in self.instances:
            inst.configure(mta.Settings(mta.free_port(), self.opts.idle_max + 100))
        idle.raise_fd_limit(self.opts.idle_max + 1000)

    def names(self):
        return [n for n in ("postfix", "tern") if n in self.opts.mta]

    def order(self, rnd):
        """order - the instances in the order of this round: alternating who goes first."""
        insts = list(self.instances)
        return insts if rnd % 2 == 0 else list(reversed(insts))

    # --- throughput scenarios -------------------------------------------------------------

    def throughput_run(self, inst, scen, label):
        size, kind, n0, _rate = THROUGHPUT[scen]
        n = max(1, int(n0 * self.opts.scale))
        warm = self.opts.warmup
        sink = None
        src = None
        try:
            if kind == "relay":
                try:
                    sink = watch.Sink(os.path.join(self.scratch, "sink." + label))
                except watch.SinkError as e:
                    return Run(error=str(e))
                self.sinks.append(sink)
            inst.configure(mta.Settings(sink.port if sink else mta.free_port(), self.opts.idle_max + 100))
            why = inst.start()
            if why is not None:
                return Run(error=why)
            tail = watch.LogTail(inst.maillog)
            rcpt = mta.RELAY_RCPT if kind == "relay" else mta.VIRTUAL_RCPT

            def done():
                logged = tail.poll()
                other = sink.poll() if sink else watch.maildir_count(inst.maildir_new())
                return max(logged, other), logged, other

            def source(count):
                argv = [SMTP_SOURCE, "-s", str(self.opts.sessions), "-m", str(count), "-l", str(size),
                        "-f", mta.SENDER, "-t", rcpt, "127.0.0.1:%d" % inst.port]
                out = open(os.path.join(self.scratch, "source." + label), "ab")
                p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                out.close()
                self.sources.append(p)
                return p

            if warm > 0:
                src = source(warm)
                err = self.await_done(inst, src, done, warm, tail, label, None)
                if err:
                    return Run(error="warm-up: " + err)
            peak = procstat.Peak(inst.root_pid)
            t0 = time.monotonic()
            src = source(n)
            err = self.await_done(inst, src, done, warm + n, tail, label, peak)
            t1 = time.monotonic()
            if err:
                return Run(error=err)
            peak.take(with_pss=True)
            total, logged, other = done()
            # the log may trail the sink/Maildir by a moment (or lead it): let it catch up before comparing
            settle = time.monotonic() + 2
            while logged != other and time.monotonic() < settle:
                time.sleep(0.05)
                total, logged, other = done()
            r = Run(value=n / (t1 - t0), cpu=peak.cpu, rss=peak.rss, pss=peak.pss)
            r.extra = {"n": n, "secs": t1 - t0, "logged": logged - warm,
                       ("sink" if sink else "maildir"): other - warm,
                       "accepted_secs": self.source_done.get(src.pid, t1) - t0}
            if logged != other:
                r.note = "log says %d sent, %s has %d" % (logged - warm, "sink" if sink else "Maildir", other - warm)
            return r
        finally:
            if src is not None and src.poll() is None:
                src.kill()
                src.wait(5)
            if inst.running() or inst.root_pid is not None:
                complaint = inst.stop()
                if complaint:
                    self.progress("%s: %s" % (inst.name, complaint))
            if sink is not None:
                sink.stop()
                self.sinks.remove(sink)
            inst.clear(label)

    def await_done(self, inst, src, done, target, tail, label, peak):
        """await_done - wait until target messages are done; None, or why the run failed."""
        limit = self.opts.run_limit
        stall = self.opts.stall
        t0 = time.monotonic()
        last_change = t0
        last_count = -1
        next_sample = t0 + 0.5
        while True:
            now = time.monotonic()
            total, logged, other = done()
            if total >= target:
                return None
            if total != last_count:
                last_count = total
                last_change = now
            if src.poll() is not None and src.pid not in self.source_done:
                self.source_done[src.pid] = now
                if src.returncode != 0:
                    with open(os.path.join(self.scratch, "source." + label), "rb") as f:
                        said = f.read()[-400:].decode("utf-8", "replace")
                    return "smtp-source exited %d at %d/%d done: %s" % (
                        src.returncode, total, target, mta.last_lines(said, 2))
            if not inst.running():
                return "the MTA exited during the run at %d/%d done; log: %s" % (total, target, tail.why())
            if now - last_change > stall:
                return "stalled at %d/%d done (log %d, %s %d) for %ds; log: %s" % (
                    total, target, logged, "sink/maildir", other, stall, tail.why())
            if now - t0 > limit:
                return "not done within %ds: %d/%d; log: %s" % (limit, total, target, tail.why())
            if peak is not None and now >= next_sample:
                peak.take(with_pss=True)
                next_sample = now + 0.5
            time.sleep(0.02)

    # --- idle connections -----------------------------------------------------------------

    def idle_run(self, inst, label):
        first, total = self.opts.idle, self.opts.idle_max
        clients = None
        try:
            inst.configure(mta.Settings(mta.free_port(), total + 100))
            why = inst.start()
            if why is not None:
                return Run(error=why), Run(error=why)
            peak = procstat.Peak(inst.root_pid)
            clients = idle.IdleClients(inst.port)
            t0 = time.monotonic()
            clients.open(first)
            g1, secs1 = clients.wait_greeted(first, t0 + self.opts.idle_limit)
            secs1 = time.monotonic() - t0
            s1 = peak.take(with_pss=True)
            r1 = Run(value=secs1 if g1 >= first else None, cpu=peak.cpu, rss=s1.rss, pss=s1.pss)
            r1.extra = {"greeted": g1, "of": first, "secs": secs1, "procs": len(s1.pids),
                        "closed": clients.closed, "errors": clients.errors}
            if g1 < first:
                r1.error = "%d/%d greeted within %ds" % (g1, first, self.opts.idle_limit)
            if not inst.running():
                r1.error = "the MTA exited with %d connections open" % first
                return r1, Run(error=r1.error)
            t1 = time.monotonic()
            clients.open(total - first)
            g2, _ = clients.wait_greeted(total, t1 + self.opts.idle_max_limit)
            secs2 = time.monotonic() - t1
            s2 = peak.take(with_pss=True)
            r2 = Run(value=secs2 if g2 >= total else None, cpu=peak.cpu, rss=s2.rss, pss=s2.pss)
            r2.extra = {"greeted": g2, "of": total, "secs": secs2, "procs": len(s2.pids),
                        "closed": clients.closed, "errors": clients.errors, "open_failed": clients.open_failed}
            if clients.open_failed:
                r2.note = "%d connections could not be opened: %s" % (clients.open_failed, clients.last_error)
            if g2 < total:
                r2.error = "%d/%d greeted within %ds" % (g2, total, self.opts.idle_max_limit)
            if not inst.running():
                r2.error = "the MTA exited with %d connections open" % total
            return r1, r2
        finally:
            if clients is not None:
                clients.close_all()
            complaint = inst.stop()
            if complaint:
                self.progress("%s: %s" % (inst.name, complaint))
            inst.clear(label)

    # --- postconf -------------------------------------------------------------------------

    def postconf_once(self, inst):
        """postconf_once - one "postconf -h myhostname": Run with wall ms, CPU s and max RSS."""
        argv = inst.postconf_argv()
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        except OSError as e:
            return Run(error=str(e))
        # wait4 gives this child's own CPU and peak RSS (bin/postconf execs the JVM in the same
        # process). A blocking wait, with a timer for the time limit: polling would take CPU from
        # the command being timed (a JVM starts on both cores; polling every 0.2 ms cost it ~20 ms).
        timer = threading.Timer(30, p.kill)
        timer.start()
        try:
            pid, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        if time.perf_counter() - t0 >= 30:
            return Run(error="postconf did not finish within 30 s")
        ms = (time.perf_counter() - t0) * 1000
        p.returncode = os.waitstatus_to_exitcode(status)
        out = p.stdout.read()
        err = p.stderr.read().decode("utf-8", "replace")
        p.stdout.close()
        p.stderr.close()
        if p.returncode != 0 or out.strip() != mta.MYHOSTNAME.encode():
            return Run(error="%s: exit %d, printed %r: %s" % (" ".join(argv), p.returncode, out[:80],
                                                             mta.last_lines(err, 2)))
        return Run(value=ms, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss * 1024)

    # --- the scenarios --------------------------------------------------------------------

    def scenario_throughput(self, scen):
        results = {n: [] for n in self.names()}
        skip = dict(self.broken)
        for rnd in range(self.opts.rounds):
            for inst in self.order(rnd):
                if inst.name in skip:
                    continue
                label = "%s.r%d" % (scen, rnd + 1)
                r = self.throughput_run(inst, scen, label)
                results[inst.name].append(r)
                if r.ok:
                    self.progress("[%s %s] %d msgs in %.2fs = %.0f msg/s  cpu %.1fs  rss %s  pss %s%s" % (
                        label, inst.name, r.extra["n"], r.extra["secs"], r.value, r.cpu, mb(r.rss), mb(r.pss),
                        ("  (" + r.note + ")") if r.note else ""))
                else:
                    self.progress("[%s %s] failed: %s" % (label, inst.name, r.error))
                    skip[inst.name] = "round %d: %s" % (rnd + 1, r.error)
        self.report_throughput(scen, results, skip)

    def scenario_idle(self):
        res1 = {n: [] for n in self.names()}
        res2 = {n: [] for n in self.names()}
        skip = dict(self.broken)
        for rnd in range(self.opts.rounds):
            for inst in self.order(rnd):
                if inst.name in skip:
                    continue
                label = "idle.r%d" % (rnd + 1)
                r1, r2 = self.idle_run(inst, label)
                res1[inst.name].append(r1)
                res2[inst.name].append(r2)
                for r, which in ((r1, self.opts.idle), (r2, self.opts.idle_max)):
                    if r.extra:
                        self.progress("[%s %s] %d: %d/%d greeted in %.2fs  procs %d  cpu %.1fs  rss %s  pss %s%s" % (
                            label, inst.name, which, r.extra["greeted"], r.extra["of"], r.extra["secs"],
                            r.extra["procs"], r.cpu, mb(r.rss), mb(r.pss),
                            ("  (" + r.note + ")") if r.note else ""))
                    else:
                        self.progress("[%s %s] %d: failed: %s" % (label, inst.name, which, r.error))
                if not r1.extra:
                    skip[inst.name] = "round %d: %s" % (rnd + 1, r1.error)
        self.report_idle(1, res1, skip)
        self.report_idle(2, res2, skip)

    def scenario_postconf(self):
        results = {n: [] for n in self.names()}
        skip = dict(self.broken)
        for inst in self.instances:  # the first start of each builds caches (Tern: its CDS archive)
            if inst.name not in skip:
                r = self.postconf_once(inst)
                if not r.ok:
                    skip[inst.name] = r.error
        for i in range(self.opts.postconf_runs):
            for inst in self.order(i):
                if inst.name in skip:
                    continue
                r = self.postconf_once(inst)
                results[inst.name].append(r)
                if not r.ok:
                    skip[inst.name] = "run %d: %s" % (i + 1, r.error)
        for name in self.names():
            vals = [r.value for r in results[name] if r.ok]
            if vals:
                self.progress("[postconf %s] ms: %s" % (name, " ".join("%.0f" % v for v in vals)))
        ok = {n: [r for r in results.get(n, []) if r.ok] for n in ("postfix", "tern")}
        pf = med([r.value for r in ok["postfix"]])
        tn = med([r.value for r in ok["tern"]])
        fail = failures(results, skip)
        self.say("%-15s postfix %s  tern %s  ratio %s  cpu %s/%s  rss %s/%s  target %s: %s" % (
            "postconf", fmt(pf, "%4.0f ms", fail.get("postfix")), fmt(tn, "%4.0f ms", fail.get("tern")),
            ratio(tn, pf), msecs(med([r.cpu for r in ok["postfix"]])), msecs(med([r.cpu for r in ok["tern"]])),
            mb(peak_of(ok["postfix"], "rss")), mb(peak_of(ok["tern"], "rss")),
            TARGETS["postconf"], verdict(tn is not None and tn < 150, tn)))
        self.say_failures(fail)

    # --- reporting ------------------------------------------------------------------------

    def report_throughput(self, scen, results, skip):
        fail = failures(results, skip)
        vals = {n: [r for r in results.get(n, []) if r.ok] for n in ("postfix", "tern")}
        pf = med([r.value for r in vals["postfix"]])
        tn = med([r.value for r in vals["tern"]])
        rt = None if pf is None or tn is None else tn / pf
        line = "%-15s postfix %s  tern %s  ratio %s  cpu %s/%s  rss %s/%s  pss %s/%s  target %s: %s" % (
            scen, fmt(pf, "%5.0f msg/s", fail.get("postfix")), fmt(tn, "%5.0f msg/s", fail.get("tern")),
            ratio(tn, pf), secs(med([r.cpu for r in vals["postfix"]])), secs(med([r.cpu for r in vals["tern"]])),
            mb(peak_of(vals["postfix"], "rss")), mb(peak_of(vals["tern"], "rss")),
            mb(peak_of(vals["postfix"], "pss")), mb(peak_of(vals["tern"], "pss")),
            TARGETS[scen], verdict(rt is not None and rt >= 5, rt))
        self.say(line)
        for name in ("postfix", "tern"):
            for r in vals[name]:
                if r.note:
                    self.say("  %s: note: %s" % (name, r.note))
                    break
        self.say_failures(fail)

    def report_idle(self, step, results, skip):
        """report_idle - the line of one idle step (1: the first wave, 2: up to idle_max)."""
        scen = "idle-%d" % (self.opts.idle if step == 1 else self.opts.idle_max)
        parts = []
        data = {}
        fail = {}
        for name in ("postfix", "tern"):
            runs = results.get(name, [])
            measured = [r for r in runs if r.extra]
            if not measured:
                if name in self.names():
                    fail[name] = skip.get(name) or (runs[0].error if runs else "not run")
                    parts.append("%s failed" % name)
                else:
                    parts.append("%s -" % name)
                continue
            greeted = med([r.extra["greeted"] for r in measured])
            of = measured[0].extra["of"]
            took = med([r.extra["secs"] for r in measured])
            complete = all(r.extra["greeted"] >= r.extra["of"] for r in measured)
            data[name] = (greeted, took, complete, measured)
            if complete:
                parts.append("%s %d/%d in %.2fs" % (name, greeted, of, took))
            else:
                parts.append("%s %d/%d by %.0fs (limit)" % (name, greeted, of, took))
        # ratio: greetings per second, Tern over Postfix
        rate = {n: d[0] / d[1] for n, d in data.items() if d[1] > 0}
        rt = rate["tern"] / rate["postfix"] if rate.get("postfix") and "tern" in rate else None
        tn = data.get("tern")
        pfm = data["postfix"][3] if "postfix" in data else []
        tnm = tn[3] if tn else []
        if tn is None:
            met = "not measured"
        elif step == 1:
            met = "met" if tn[2] and tn[1] <= 5 else "MISSED"
        else:
            met = "met" if tn[2] and tn[1] <= 15 and peak_of(tnm, "rss") < 512 * 2 ** 20 else "MISSED"
        self.say("%-15s %s  ratio %s  cpu %s/%s  rss %s/%s  pss %s/%s  target %s: %s" % (
            scen, "  ".join(parts), ratio(rt, 1.0), secs(med([r.cpu for r in pfm])), secs(med([r.cpu for r in tnm])),
            mb(peak_of(pfm, "rss")), mb(peak_of(tnm, "rss")), mb(peak_of(pfm, "pss")), mb(peak_of(tnm, "pss")),
            TARGETS["idle-2000" if step == 1 else "idle-10000"], met))
        for name in ("postfix", "tern"):
            for r in results.get(name, []):
                if r.note:
                    self.say("  %s: note: %s" % (name, r.note))
                    break
        self.say_failures(fail)

    def say_failures(self, fail):
        for name in ("postfix", "tern"):
            if name in fail:
                self.say("  %s: failed: %s" % (name, fail[name]))

    def header(self):
        git = mta.run_cmd(["git", "-C", self.opts.tern_home, "describe", "--always", "--dirty"], 10)[1]
        pfv = mta.run_cmd(["/usr/sbin/postconf", "-d", "-h", "mail_version"], 10)[1]
        return [
            "# bench/run %s" % " ".join(a for a in sys.argv[1:] if a not in ("--tern-home", self.opts.tern_home)),
            "# started %s, nproc %d, load average %s" % (
                self.started.strftime("%Y-%m-%d %H:%M:%S %Z").strip(), os.cpu_count(), self.load_at_start),
            "# postfix %s, tern %s (%s)" % (pfv, git, self.opts.tern_home),
            "# rounds %d, sessions %d, scale %g (relay-1k %d, relay-100k %d, local %d msgs), idle %d then %d" % (
                self.opts.rounds, self.opts.sessions, self.opts.scale,
                *[max(1, int(THROUGHPUT[s][2] * self.opts.scale)) for s in ("relay-1k", "relay-100k", "local")],
                self.opts.idle, self.opts.idle_max),
            "# ratio = tern / postfix of the numbers shown (msg/s, greetings/s: higher is better for tern; "
            "postconf ms: lower is)",
        ]

    def write_results(self):
        os.makedirs(self.opts.results, exist_ok=True)
        path = os.path.join(self.opts.results, "bench-%s.txt" % self.started.strftime("%Y%m%d-%H%M%S"))
        with open(path, "w") as f:
            f.write("\n".join(self.header()) + "\n")
            now = datetime.datetime.now()
            took = int((now - self.started).total_seconds())
            f.write("# finished %s after %dm%02ds, load average %s\n\n" % (
                now.strftime("%Y-%m-%d %H:%M:%S"), took // 60, took % 60, loadavg()))
            f.write("\n".join(self.lines) + "\n\n# runs\n")
            f.write("\n".join(self.raw) + "\n")
        return path

    # --- all of it ------------------------------------------------------------------------

    def run(self):
        for h in self.header():
            print(h, flush=True)
        for scen in self.opts.scenarios:
            if scen in THROUGHPUT:
                self.scenario_throughput(scen)
            elif scen == "idle":
                self.scenario_idle()
            elif scen == "postconf":
                self.scenario_postconf()

    def cleanup(self):
        """cleanup - stop everything this benchmark started; remove the scratch directory unless --keep."""
        for p in self.sources:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        for s in list(self.sinks):
            s.stop()
        for inst in self.instances:
            try:
                if inst.running() or inst.status_running():
                    complaint = inst.stop()
                    if complaint:
                        print("%s: %s" % (inst.name, complaint), file=sys.stderr)
            except Exception as e:  # keep stopping the others
                print("%s: stop failed: %s" % (inst.name, e), file=sys.stderr)
        if self.scratch and not self.opts.keep:
            shutil.rmtree(self.scratch, ignore_errors=True)
        elif self.scratch:
            print("scratch directory kept: %s" % self.scratch, file=sys.stderr)


# --- small helpers ----------------------------------------------------------------------------

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def peak_of(runs, attr):
    values = [getattr(r, attr) for r in runs if getattr(r, attr) is not None]
    return max(values) if values else None


def failures(results, skip):
    """failures - {name: why} for each MTA that has no successful run in a scenario."""
    out = {}
    for name, runs in results.items():
        if not any(r.ok for r in runs):
            out[name] = skip.get(name) or (runs[0].error if runs else "not run")
        elif name in skip:
            out[name] = "(after %d good runs) %s" % (sum(1 for r in runs if r.ok), skip[name])
    for name, why in skip.items():
        if name not in results:
            out[name] = why
    return out


def fmt(value, pattern, failed):
    if value is None:
        return "failed" if failed else "-"
    return pattern % value


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2f" % (a / b)


def verdict(met, value):
    if value is None:
        return "not measured"
    return "met" if met else "MISSED"


def secs(v):
    return "-" if v is None else "%.1fs" % v


def msecs(v):
    return "-" if v is None else "%.0fms" % (v * 1000)


def mb(v):
    if v is None:
        return "-"
    if v >= 10 * 2 ** 30:
        return "%.0fG" % (v / 2 ** 30)
    if v >= 2 ** 30:
        return "%.1fG" % (v / 2 ** 30)
    return "%.0fM" % (v / 2 ** 20)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(prog="bench/run", description="Tern and real Postfix side by side (bench/README.md)")
    ap.add_argument("--scenarios", default=",".join(ALL_SCENARIOS),
                    help="comma-separated, from %s (default: all)" % ",".join(ALL_SCENARIOS))
    ap.add_argument("--mta", default="postfix,tern", help="which MTAs (default: postfix,tern)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per scenario and MTA (default 3)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the message counts (default 1)")
    ap.add_argument("--sessions", type=int, default=20, help="smtp-source sessions (default 20)")
    ap.add_argument("--warmup", type=int, default=0,
                    help="messages sent and delivered after each start before the clock starts (default 0)")
    ap.add_argument("--run-limit", type=int, default=45, help="seconds a throughput run may take (default 45)")
    ap.add_argument("--stall", type=int, default=10, help="seconds without progress that fail a run (default 10)")
    ap.add_argument("--idle", type=int, default=2000, help="idle connections opened at once (default 2000)")
    ap.add_argument("--idle-limit", type=int, default=60, help="seconds to wait for all of them (default 60)")
    ap.add_argument("--idle-max", type=int, default=10000, help="then open up to this many (default 10000)")
    ap.add_argument("--idle-max-limit", type=int, default=15, help="seconds to wait for those (default 15)")
    ap.add_argument("--postconf-runs", type=int, default=10, help="postconf starts per MTA (default 10)")
    ap.add_argument("--quick", action="store_true",
                    help="a short smoke run: 1 round, scale 0.1, idle 200 then 500, 3 postconf starts")
    ap.add_argument("--tern-home", default=os.path.dirname(here), help="the Tern checkout (default: ..)")
    ap.add_argument("--tern-opts", default="", help="extra JVM options for Tern's daemon (TERN_DAEMON_OPTS)")
    ap.add_argument("--dir", default="", help="make the scratch directory here (default: $TMPDIR or /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (configs, logs) afterwards")
    ap.add_argument("--results", default=os.path.join(here, "results"), help="where the results file goes")
    o = ap.parse_args(argv)
    if o.quick:
        o.rounds, o.scale, o.idle, o.idle_max, o.postconf_runs = 1, 0.1, 200, 500, 3
        o.idle_limit = min(o.idle_limit, 20)
    o.scenarios = [s.strip() for s in o.scenarios.split(",") if s.strip()]
    for s in o.scenarios:
        if s not in ALL_SCENARIOS:
            ap.error("unknown scenario %r (known: %s)" % (s, ", ".join(ALL_SCENARIOS)))
    o.mta = [m.strip() for m in o.mta.split(",") if m.strip()]
    for m in o.mta:
        if m not in ("postfix", "tern"):
            ap.error("unknown MTA %r (postfix, tern)" % m)
    if o.idle_max < o.idle:
        o.idle_max = o.idle
    return o


def main(argv):
    opts = parse_args(argv)

    def terminate(signum, _frame):
        raise SystemExit("bench: stopped by signal %d" % signum)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    b = Bench(opts)
    rc = 0
    try:
        b.setup()
        b.run()
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        rc = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the clean-up finish
        b.cleanup()
        if b.lines:
            print("results: %s" % b.write_results(), file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

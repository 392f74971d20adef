"""mta - the two mail systems under test as private instances in a scratch directory.

Each instance is a directory holding main.cf, master.cf, the queue (spool/), data_directory
(data/), the log (maillog), the virtual mailboxes (mail/) and their map (vmailbox). Postfix runs
as "postfix -c DIR" (real Postfix 3.7 from Debian, chroot off), Tern as "bin/postfix -c DIR"; both
get the same main.cf and master.cf but for their own paths and SMTP port. Every run writes the
files again (new SMTP and sink ports), starts the instance, and stops it afterwards; the queue and
the mailboxes are emptied in between and the log is put aside as maillog.LABEL.

How it fails: start() returns an error text (and leaves nothing running) instead of raising;
stop() escalates from "postfix stop" to "postfix abort" to SIGKILL of the processes it saw, each
step bounded in time, and never touches a process it did not find under the instance's own
master. No command here waits without a time limit.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

import procstat

# The services of Debian's stock master.cf that both systems run, chroot off everywhere. Tern
# accepts Postfix's helper services (tlsmgr, anvil, scache, ...) as built in.
SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MYHOSTNAME = "mx.bench.test"
RELAY_RCPT = "sink@relay.bench.test"
VIRTUAL_DOMAIN = "virtual.bench.test"
VIRTUAL_RCPT = "user@" + VIRTUAL_DOMAIN
SENDER = "source@client.bench.test"

# Queue subdirectories that hold sockets or pid files rather than mail: never emptied.
KEEP_DIRS = {"pid", "private", "public"}


def spread_subdirectories(path):
    """spread_subdirectories - ask ext4 to place each new subdirectory of path in a block group of
    its own (chattr +T, as for directories in the file system's root).

    On a real server the queue (/var/spool/postfix) and the mailboxes (/var/mail, /home) are
    separate top-level trees, in different block groups; in one scratch directory they would
    share groups, and on journal-less ext4 (this VM kind's disk) creating a file scans past every
    inode freed in its group in the last minutes: one MTA's Maildir deliveries would pay for the
    other MTA's deleted queue files. Other file systems ignore or refuse the flag: no matter.
    """
    try:
        subprocess.run(["chattr", "+T", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.SubprocessError):
        pass


def free_port():
    """free_port - a loopback TCP port that nobody listens on right now (from the kernel's pool)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mailbox_owner():
    """mailbox_owner - (uid, gid) for virtual_uid_maps/virtual_gid_maps: nobody, else postfix."""
    for name in ("nobody", "postfix"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    return 65534, 65534


def greet_probe(port, timeout):
    """greet_probe - connect, read the 220 greeting, QUIT; None when it worked, else why not."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=max(0.5, deadline - time.monotonic())) as s:
                s.settimeout(max(0.5, deadline - time.monotonic()))
                data = b""
                while b"\n" not in data and len(data) < 4096:
                    chunk = s.recv(512)
                    if not chunk:
                        break
                    data += chunk
                if data.startswith(b"220"):
                    try:
                        s.sendall(b"QUIT\r\n")
                        s.recv(512)
                    except OSError:
                        pass
                    return None
                last = "greeting was %r" % data[:80]
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    return last


def run_cmd(argv, timeout, env=None):
    """run_cmd - run argv with a time limit; (status, combined output). status 124 on timeout."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout.decode("utf-8", "replace").strip()
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace").strip()
        return 124, (out + "\n" if out else "") + "timed out after %ds" % timeout
    except OSError as e:
        return 127, str(e)


class Settings:
    """Settings - what one run needs in main.cf/master.cf: the sink port and the smtpd process limit."""

    def __init__(self, sink_port, smtpd_maxproc):
        self.sink_port = sink_port
        self.smtpd_maxproc = smtpd_maxproc


class Instance:
    """Instance - one private MTA instance (base of Postfix and Tern); see the module comment."""

    name = "mta"

    def __init__(self, directory):
        self.top = directory
        os.makedirs(directory, exist_ok=True)
        spread_subdirectories(directory)
        self.dir = os.path.join(directory, "etc")  # config_directory: main.cf, master.cf, vmailbox
        self.spool = os.path.join(directory, "spool")
        self.data = os.path.join(directory, "data")
        self.maillog = os.path.join(directory, "maillog")
        self.mail = os.path.join(directory, "mail")
        os.makedirs(self.dir, exist_ok=True)
        self.port = None
        self.root_pid = None
        self.uid, self.gid = mailbox_owner()
        os.makedirs(self.spool, exist_ok=True)
        os.makedirs(self.data, exist_ok=True)
        os.makedirs(self.mail, exist_ok=True)
        self._own_mailboxes()

    def _own_mailboxes(self):
        # the virtual agent creates user/ under the base with the mailbox owner's rights
        try:
            os.chown(self.mail, self.uid, self.gid)
        except OSError:
            pass

    def maildir_new(self):
        """maildir_new - where delivered messages of VIRTUAL_RCPT appear (mail/user/new)."""
        return os.path.join(self.mail, "user", "new")

    def configure(self, settings):
        """configure - write main.cf, master.cf and vmailbox for one run on a fresh SMTP port."""
        self.port = free_port()
        main = [
            "# written by bench/bench.py for one run: the same for Postfix and Tern but for paths and ports",
            "compatibility_level = 3.6",
            "myhostname = " + MYHOSTNAME,
            "mydomain = bench.test",
            "mydestination = $myhostname, localhost",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "queue_directory = " + self.spool,
            "data_directory = " + self.data,
            "maillog_file = " + self.maillog,
            "maillog_file_prefixes = " + self.top,
            "alias_maps =",
            "alias_database =",
            "smtp_dns_support_level = disabled",
            "relayhost = [127.0.0.1]:%d" % settings.sink_port,
            "virtual_mailbox_domains = " + VIRTUAL_DOMAIN,
            "virtual_mailbox_base = " + self.mail,
            "virtual_mailbox_maps = texthash:" + os.path.join(self.dir, "vmailbox"),
            "virtual_uid_maps = static:%d" % self.uid,
            "virtual_gid_maps = static:%d" % self.gid,
            "default_process_limit = 100",
        ]
        master = ("# written by bench/bench.py: Debian's stock services, chroot off, SMTP on a high loopback port\n"
                  "127.0.0.1:%d inet  n       -       n       -       %d      smtpd\n" % (self.port, settings.smtpd_maxproc)
                  + SERVICES)
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write("\n".join(main) + "\n")
        with open(os.path.join(self.dir, "master.cf"), "w") as f:
            f.write(master)
        with open(os.path.join(self.dir, "vmailbox"), "w") as f:
            f.write("%s user/\n" % VIRTUAL_RCPT)

    def clear(self, label):
        """clear - empty the queue and the mailboxes, put the log aside as maillog.LABEL (MTA stopped).

        The files are moved aside into TOP/aside/LABEL, not deleted: the scratch directory goes as a
        whole at the end. Why: on ext4 without a journal (this VM kind's disk) creating a file skips,
        one by one, every inode freed in the last minutes, so deleting thousands of files just
        before a run made each file created in that run (Postfix's queue files, both MTAs' Maildir
        files) pay for the previous run's clean-up. Each MTA still pays for what it deletes itself
        during a run.
        """
        aside = os.path.join(self.top, "aside", label)
        for top in os.listdir(self.spool):
            path = os.path.join(self.spool, top)
            if top in KEEP_DIRS or not os.path.isdir(path) or os.path.islink(path):
                continue
            for root, _dirs, files in os.walk(path):
                for f in files:
                    p = os.path.join(root, f)
                    if os.path.isfile(p) and not os.path.islink(p):
                        target = os.path.join(aside, "spool", os.path.relpath(p, self.spool))
                        try:
                            os.makedirs(os.path.dirname(target), exist_ok=True)
                            os.rename(p, target)
                        except OSError:
                            try:
                                os.unlink(p)
                            except OSError:
                                pass
        for entry in os.listdir(self.mail):
            os.makedirs(os.path.join(aside, "mail"), exist_ok=True)
            try:
                os.rename(os.path.join(self.mail, entry), os.path.join(aside, "mail", entry))
            except OSError:
                shutil.rmtree(os.path.join(self.mail, entry), ignore_errors=True)
        self._own_mailboxes()
        if os.path.exists(self.maillog):
            os.replace(self.maillog, self.maillog + "." + label)

    # --- start and stop -------------------------------------------------------------------

    def command(self, *args, timeout=60):
        raise NotImplementedError

    def pid_file(self):
        raise NotImplementedError

    def _read_pid(self):
        try:
            with open(self.pid_file()) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def start(self, timeout=45):
        """start - start the instance and wait for its greeting; None when up, else why not."""
        self.root_pid = None
        status, out = self.command("start", timeout=timeout)
        if status != 0:
            self.stop()
            return "start: exit %d: %s" % (status, last_lines(out))
        deadline = time.monotonic() + 10
        while self.root_pid is None and time.monotonic() < deadline:
            pid = self._read_pid()
            if pid and procstat.read_stat(pid) is not None:
                self.root_pid = pid
            else:
                time.sleep(0.05)
        if self.root_pid is None:
            self.stop()
            return "start: no live pid in %s" % self.pid_file()
        why = greet_probe(self.port, timeout)
        if why is not None:
            self.stop()
            return "no 220 greeting on 127.0.0.1:%d within %ds: %s" % (self.port, timeout, why)
        return None

    def running(self):
        return self.root_pid is not None and procstat.read_stat(self.root_pid) is not None

    def status_running(self):
        """status_running - whether "postfix status" says the instance runs (for the final clean-up)."""
        return self.command("status", timeout=30)[0] == 0

    def stop(self):
        """stop - stop the instance and every process seen under it; bounded; None or a complaint."""
        seen = {}
        if self.root_pid is None:
            self.root_pid = self._read_pid()
        if self.root_pid is not None:
            for p in procstat.tree_pids(self.root_pid):
                st = procstat.start_time(p)
                if st is not None:
                    seen[p] = st
        complaint = None
        status, out = self.command("stop", timeout=30)
        if not wait_gone(seen, 20):
            complaint = "stop did not end every process (%s); aborted" % last_lines(out)
            self.command("abort", timeout=15)
            if not wait_gone(seen, 5):
                for p, st in seen.items():
                    if procstat.start_time(p) == st:
                        try:
                            os.kill(p, signal.SIGKILL)
                        except OSError:
                            pass
                wait_gone(seen, 5)
                complaint += "; killed"
        self.root_pid = None
        return complaint


def wait_gone(seen, timeout):
    """wait_gone - wait until none of the {pid: start_time} processes exists; True if so."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p, st in seen.items() if procstat.start_time(p) == st and not is_zombie(p)]
        if not alive:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
        return data[data.rfind(b")") + 2:data.rfind(b")") + 3] == b"Z"
    except OSError:
        return True


def last_lines(text, n=3):
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(lines[-n:]) if lines else "(no output)"


class Postfix(Instance):
    """Postfix - real Postfix 3.7 (Debian), "postfix -c DIR", run as root (its master must)."""

    name = "postfix"

    def __init__(self, directory):
        super().__init__(directory)
        try:
            pw = pwd.getpwnam("postfix")
            os.chown(self.data, pw.pw_uid, pw.pw_gid)  # master.lock is created by the postfix user
        except (KeyError, OSError):
            pass

    def command(self, *args, timeout=60):
        return run_cmd(["/usr/sbin/postfix", "-c", self.dir] + list(args), timeout)

    def pid_file(self):
        return os.path.join(self.spool, "pid", "master.pid")

    def postconf_argv(self):
        return ["/usr/sbin/postconf", "-c", self.dir, "-h", "myhostname"]


class Tern(Instance):
    """Tern - "bin/postfix -c DIR" from a built checkout; extra daemon JVM options via TERN_DAEMON_OPTS."""

    name = "tern"

    def __init__(self, directory, home, daemon_opts=""):
        super().__init__(directory)
        self.home = home
        self.env = dict(os.environ)
        if daemon_opts:
            self.env["TERN_DAEMON_OPTS"] = daemon_opts

    def command(self, *args, timeout=60):
        return run_cmd([os.path.join(self.home, "bin", "postfix"), "-c", self.dir] + list(args), timeout, self.env)

    def pid_file(self):
        return os.path.join(self.data, "master.pid")

    def postconf_argv(self):
        return [os.path.join(self.home, "bin", "postconf"), "-c", self.dir, "-h", "myhostname"]

#!/usr/bin/env python3
# regen.py - make the golden .ref files of tern.smtpd from real Postfix 3.7.
#
# Usage (as root): regen.py INSTANCE_DIR PORT [NAME ...]
# INSTANCE_DIR is a private Postfix instance set up as /work/shared/notes/postfix-reference-instance.md
# describes (its smtpd listening on 127.0.0.1:PORT, maillog_file = INSTANCE_DIR/maillog). For each
# golden/NAME.in (all, or the names given) this writes main.cf (the instance's own settings, then
# golden/base.cf, then the scenario's "@cf" lines), reloads Postfix, runs chat.py, and writes
# golden/NAME.ref: the transcript, then "L: " + each postfix/smtpd log line of that session,
# normalised by normalise() below (SmtpdGoldenTest applies the same rules to Tern's output).
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, 'golden')
QUEUED_AS = re.compile(r'(queued as )[0-9A-F]{6,20}\b')
LOG_ID = re.compile(r'^(L: (?:warning: )?)[0-9A-F]{6,20}:')
LOG_PREFIX = re.compile(r'^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ postfix/smtpd\[\d+\]: ')


def normalise(line):
    """queue ids differ from run to run: "queued as ID", "L: ID: ..." and "L: warning: ID: ..." become QUEUEID"""
    return LOG_ID.sub(r'\1QUEUEID:', QUEUED_AS.sub(r'\1QUEUEID', line))


def scenario_header(text):
    cf, source = [], None
    for l in text.split('\n'):
        if l.startswith('@cf '):
            cf.append(l[4:].strip())
        elif l.startswith('@client '):
            source = l.split()[1]
    return cf, source


def main():
    inst, port = sys.argv[1], int(sys.argv[2])
    names = sys.argv[3:] or sorted(n[:-3] for n in os.listdir(GOLDEN) if n.endswith('.in'))
    etc = os.path.join(inst, 'etc')
    own = ['queue_directory = %s/spool' % inst, 'data_directory = %s/data' % inst,
           'maillog_file = %s/maillog' % inst, 'maillog_file_prefixes = /var, /dev/stdout, /tmp',
           'smtp_dns_support_level = disabled']
    base = [l for l in open(os.path.join(GOLDEN, 'base.cf')).read().split('\n') if l and not l.startswith('#')]
    last_cf = None
    for name in names:
        text = open(os.path.join(GOLDEN, name + '.in')).read()
        cf, source = scenario_header(text)
        if cf != last_cf:
            with open(os.path.join(etc, 'main.cf'), 'w') as f:
                f.write('\n'.join(own + base + cf) + '\n')
            subprocess.run(['postfix', '-c', etc, 'reload'], check=True, capture_output=True)
            time.sleep(1.5)
            last_cf = cf
        log = os.path.join(inst, 'maillog')
        start = os.path.getsize(log)
        args = [sys.executable, os.path.join(HERE, 'chat.py'), str(port)] + ([source] if source else [])
        out = subprocess.run(args, input=text.encode(), capture_output=True, check=True).stdout.decode()
        time.sleep(1.0)
        with open(log, 'rb') as f:
            f.seek(start)
            logged = f.read().decode('utf-8', 'replace').split('\n')
        lines = [normalise(l) for l in out.rstrip('\n').split('\n')]
        for l in logged:
            m = LOG_PREFIX.match(l)
            if m:
                lines.append(normalise('L: ' + l[m.end():]))
        with open(os.path.join(GOLDEN, name + '.ref'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print(name)


if __name__ == '__main__':
    main()

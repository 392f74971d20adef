#!/usr/bin/env python3
# chat.py - run one SMTP conversation script against a server and print the transcript.
#
# Usage: chat.py PORT [SOURCE_ADDRESS] < NAME.in
# Used for the golden tests of tern.smtpd: regen.py runs every script against real Postfix to make
# the .ref files, and SmtpdGoldenIT runs the same scripts against Tern; both feed this driver, so
# the two sides see exactly the same bytes at the same points.
#
# Header lines: "@cf name = value" (a main.cf setting for this script), "@client ADDR" (connect from
# that loopback address), "@nobanner" (send before reading the banner), "@timeout N" (read timeout),
# "@slowlookup" (Tern only: the client name lookup takes 300 ms, as a DNS lookup does for Postfix, so
# that input sent before the banner is surely there when smtpd looks for it).
# Script lines:
#   C: TEXT     send TEXT CRLF, then read one complete reply (all its continuation lines)
#   P: TEXT     send TEXT CRLF without reading (pipelining; also message content lines)
#   B: TEXT     send TEXT and no line ending, without reading
#   (TEXT may hold the escapes \r \n \t \0 \\ \xHH)
#   R: N        read N complete replies
#   W: SECONDS  sleep
#   E:          read replies until the server closes the connection (prints <eof>)
#   X:          close the connection now (an abrupt client)
#   # ...      comment
# Unless the header has "@nobanner", the banner is read right after connecting. After the last line,
# the driver closes the connection (after reading what is pending, when the server already closed).
# Output: "S: line" for each server line, "S: <eof>" when the server closed, "S: <timeout>" when a
# reply did not come within the read timeout (3 s, or "@timeout N").
import socket
import sys
import time


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == '\\' and i + 1 < len(text):
            n = text[i + 1]
            if n == 'r':
                out += b'\r'; i += 2; continue
            if n == 'n':
                out += b'\n'; i += 2; continue
            if n == 't':
                out += b'\t'; i += 2; continue
            if n == '0':
                out += b'\0'; i += 2; continue
            if n == '\\':
                out += b'\\'; i += 2; continue
            if n == 'x':
                out.append(int(text[i + 2:i + 4], 16)); i += 4; continue
        out += c.encode('utf-8')
        i += 1
    return bytes(out)


class Conn:
    def __init__(self, port, source, timeout):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=5,
                                          source_address=(source, 0) if source else None)
        self.s.settimeout(timeout)
        self.buf = b''
        self.closed = False

    def line(self):
        while b'\n' not in self.buf:
            if self.closed:
                return None
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return 'TIMEOUT'
            except OSError:
                d = b''
            if not d:
                self.closed = True
                if self.buf:
                    rest, self.buf = self.buf, b''
                    return rest
                return None
            self.buf += d
        line, self.buf = self.buf.split(b'\n', 1)
        return line

    def reply(self):
        """read one complete reply; False when the connection ended or timed out"""
        while True:
            l = self.line()
            if l is None:
                print('S: <eof>')
                return False
            if l == 'TIMEOUT':
                print('S: <timeout>')
                return False
            t = l.decode('utf-8', 'replace').rstrip('\r')
            print('S: ' + t)
            if len(t) < 4 or t[3] != '-':
                return True

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:
            print('C: <send failed>')


def main():
    port = int(sys.argv[1])
    source = sys.argv[2] if len(sys.argv) > 2 else None
    lines = sys.stdin.read().split('\n')
    banner = True
    timeout = 3.0
    for l in lines:
        if l.startswith('@nobanner'):
            banner = False
        if l.startswith('@timeout '):
            timeout = float(l.split()[1])
    c = Conn(port, source, timeout)
    ended = False
    if banner:
        ended = not c.reply()
    for l in lines:
        if ended:
            break
        if not l or l.startswith('#') or l.startswith('@'):
            continue
        op, arg = l[:2], l[3:]
        if op == 'C:':
            print('C: ' + arg)
            c.send(unescape(arg) + b'\r\n')
            ended = not c.reply()
        elif op == 'P:':
            print('C: ' + arg)
            c.send(unescape(arg) + b'\r\n')
        elif op == 'B:':
            print('C: ' + arg)
            c.send(unescape(arg))
        elif op == 'R:':
            for _ in range(int(arg)):
                if not c.reply():
                    ended = True
                    break
        elif op == 'W:':
            time.sleep(float(arg))
        elif op == 'E:':
            while c.reply():
                pass
            ended = True
        elif op == 'X:':
            break
        else:
            raise SystemExit('bad script line: ' + l)
    c.s.close()


if __name__ == '__main__':
    main()

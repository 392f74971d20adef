package tern.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TestSmtpServer - a small scripted SMTP/LMTP server on loopback (TCP or a UNIX-domain socket) for
 * the cases real servers do not do on demand: garbage, stalls, drops, multi-line and per-recipient
 * errors. It behaves well unless told otherwise through replies(): keys GREETING, EHLO, HELO,
 * LHLO, MAIL, RCPT (every recipient), RCPT:address, DATA, DOT, DOT:address (LMTP), RSET; values are
 * reply lines separated by "\n", or "!drop" (close without a reply), "!stall" (never answer),
 * "!garbage" (a line that is not a reply, then nothing). Everything it receives is kept.
 */
public final class TestSmtpServer implements AutoCloseable {
    public final Map<String, String> replies = new ConcurrentHashMap<>();
    public final List<String> received = Collections.synchronizedList(new ArrayList<>());
    public final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    public final List<String> clientAddresses = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger connections = new AtomicInteger();
    public volatile String ehloKeywords = "PIPELINING\nSIZE 10240000\n8BITMIME\nDSN\nSMTPUTF8\nENHANCEDSTATUSCODES";
    public volatile boolean lmtp;
    private final ServerSocket tcp;
    private final ServerSocketChannel unix;
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    private final List<SocketChannel> openUnix = Collections.synchronizedList(new ArrayList<>());
    private final Thread acceptor;
    private volatile boolean closed;
    private final AtomicInteger queued = new AtomicInteger();

    private TestSmtpServer(ServerSocket tcp, ServerSocketChannel unix) {
        this.tcp = tcp;
        this.unix = unix;
        this.acceptor = Thread.ofVirtual().start(this::accept);
    }

    public static TestSmtpServer tcp() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        return new TestSmtpServer(s, null);
    }

    public static TestSmtpServer tcp(String address) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName(address), 0), 50);
        return new TestSmtpServer(s, null);
    }

    /** tcp - on address:port (port may be 0 for any). */
    public static TestSmtpServer tcp(String address, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(address), port), 50);
        return new TestSmtpServer(s, null);
    }

    public static TestSmtpServer unix(Path path) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path));
        return new TestSmtpServer(null, ch);
    }

    public int port() {
        return tcp.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                if (tcp != null) {
                    Socket s = tcp.accept();
                    open.add(s);
                    connections.incrementAndGet();
                    clientAddresses.add(s.getInetAddress().getHostAddress());
                    InputStream i = s.getInputStream();
                    OutputStream o = s.getOutputStream();
                    Thread.ofVirtual().start(() -> serve(i, o, s::close));
                } else {
                    SocketChannel c = unix.accept();
                    openUnix.add(c);
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(Channels.newInputStream(c), Channels.newOutputStream(c), c::close));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private interface Closer {
        void close() throws IOException;
    }

    private void serve(InputStream in, OutputStream out, Closer closer) {
        try {
            serveSession(in, out);
        } catch (IOException | RuntimeException e) {
            // the client went away
        } finally {
            try {
                closer.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private void serveSession(InputStream in, OutputStream out) throws IOException {
        if (!send(out, replies.getOrDefault("GREETING", "220 test.example ESMTP"))) {
            return;
        }
        List<String> accepted = new ArrayList<>();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                return;
            }
            received.add(line);
            String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
            String reply;
            switch (verb) {
                case "EHLO", "LHLO" -> {
                    StringBuilder sb = new StringBuilder("250-test.example");
                    String[] kw = ehloKeywords.isEmpty() ? new String[0] : ehloKeywords.split("\n");
                    for (int i = 0; i < kw.length; i++) {
                        sb.append('\n').append(i == kw.length - 1 ? "250 " : "250-").append(kw[i]);
                    }
                    if (kw.length == 0) {
                        sb = new StringBuilder("250 test.example");
                    }
                    reply = replies.getOrDefault(verb, sb.toString());
                }
                case "HELO" -> reply = replies.getOrDefault("HELO", "250 test.example");
                case "MAIL" -> {
                    accepted.clear();
                    reply = replies.getOrDefault("MAIL", "250 2.1.0 Ok");
                }
                case "RCPT" -> {
                    String addr = between(line, '<', '>');
                    reply = replies.getOrDefault("RCPT:" + addr, replies.getOrDefault("RCPT", "250 2.1.5 Ok"));
                    if (reply.startsWith("2")) {
                        accepted.add(addr);
                    }
                }
                case "DATA" -> {
                    reply = replies.getOrDefault("DATA", accepted.isEmpty() ? "554 5.5.1 Error: no valid recipients"
                            : "354 End data with <CR><LF>.<CR><LF>");
                    if (!send(out, reply)) {
                        return;
                    }
                    if (!reply.startsWith("354")) {
                        continue;
                    }
                    String msg = readData(in);
                    if (msg == null) {
                        return;
                    }
                    messages.add(msg);
                    if (lmtp) {
                        for (String a : accepted) {
                            if (!send(out, replies.getOrDefault("DOT:" + a, "250 2.0.0 <" + a + "> Ok"))) {
                                return;
                            }
                        }
                        continue;
                    }
                    reply = replies.getOrDefault("DOT", "250 2.0.0 Ok: queued as Q" + queued.incrementAndGet());
                }
                case "RSET" -> {
                    accepted.clear();
                    reply = replies.getOrDefault("RSET", "250 2.0.0 Ok");
                }
                case "NOOP" -> reply = "250 2.0.0 Ok";
                case "QUIT" -> {
                    send(out, "221 2.0.0 Bye");
                    return;
                }
                default -> reply = "502 5.5.2 Error: command not recognized";
            }
            if (!send(out, reply)) {
                return;
            }
        }
    }

    private static String between(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.lastIndexOf(b);
        return i >= 0 && j > i ? s.substring(i + 1, j) : "";
    }

    /** send - a reply; false when the script says to stop talking. */
    private boolean send(OutputStream out, String reply) throws IOException {
        switch (reply) {
            case "!drop" -> {
                return false;
            }
            case "!stall" -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            case "!garbage" -> {
                out.write("this is not SMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            default -> {
                out.write((reply.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return true;
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, n, StandardCharsets.UTF_8);
            }
            if (b.size() > 100_000) {
                throw new IOException("line too long");
            }
            b.write(c);
        }
    }

    /** readData - up to the "." line, dot-unstuffed, with LF line ends; null when the client left. */
    private String readData(InputStream in) throws IOException {
        String dropAt = replies.get("DROP_IN_DATA");
        StringBuilder sb = new StringBuilder();
        while (true) {
            String l = readLine(in);
            if (l == null) {
                return null;
            }
            if (l.equals(".")) {
                return sb.toString();
            }
            if (dropAt != null && l.contains(dropAt)) {
                return null; // scripted: vanish in the middle of the data
            }
            sb.append(l.startsWith(".") ? l.substring(1) : l).append('\n');
        }
    }

    /** commands - the command verbs received, in order. */
    public List<String> verbs() {
        List<String> out = new ArrayList<>();
        synchronized (received) {
            for (String l : received) {
                out.add(l.split("[ :]", 2)[0].toUpperCase(Locale.ROOT));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (tcp != null) {
            tcp.close();
        }
        if (unix != null) {
            unix.close();
        }
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
        synchronized (openUnix) {
            for (SocketChannel c : openUnix) {
                c.close();
            }
        }
        acceptor.interrupt();
    }
}

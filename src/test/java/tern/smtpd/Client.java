package tern.smtpd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Client - a plain SMTP client on a real socket for the smtpd tests: send raw bytes or lines, read
 * complete (multi-line) replies. Every read has a time limit (5 s unless set), so a test that
 * waits for a reply that never comes fails instead of hanging.
 */
final class Client implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Client(int port) throws IOException {
        this(port, null);
    }

    /** Client - connect to 127.0.0.1:port, from source (a loopback address) when given. */
    Client(int port, String source) throws IOException {
        socket = new Socket();
        if (source != null) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        }
        socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** send - lines, each with CR LF, in one write. */
    Client send(String... lines) throws IOException {
        StringBuilder s = new StringBuilder();
        for (String l : lines) {
            s.append(l).append("\r\n");
        }
        out.write(s.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    Client raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    Client raw(String text) throws IOException {
        return raw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** line - one line without CR LF, or null at end of input. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() > 0 ? b.toString(StandardCharsets.UTF_8) : null;
    }

    /** reply - one complete reply, its lines joined with "\n"; null at end of input. */
    String reply() throws IOException {
        List<String> lines = new ArrayList<>();
        for (;;) {
            String l = line();
            if (l == null) {
                return lines.isEmpty() ? null : String.join("\n", lines);
            }
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                return String.join("\n", lines);
            }
        }
    }

    /** cmd - send one line and read its reply. */
    String cmd(String line) throws IOException {
        send(line);
        return reply();
    }

    /** closedByServer - whether the server has closed the connection (end of input within the timeout). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package tern.bounce;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * ParsedDsn - a delivery status notification as Python's email package reads it (a real MIME
 * parser, not ours): the top-level content type, the parts, the per-message and per-recipient
 * fields of the message/delivery-status part, the human-readable text and the returned message.
 */
public record ParsedDsn(Map<String, String> headers, String contentType, String reportType, List<String> partTypes,
                        List<String> partDescriptions, String text, Map<String, String> perMessage,
                        List<Map<String, String>> perRecipient, String returned, String returnedSubject) {

    private static final String SCRIPT = """
            import sys, email, email.policy
            raw = sys.stdin.buffer.read()
            # the captured text starts with our two envelope lines, which are headers like any other
            m = email.message_from_bytes(raw, policy=email.policy.compat32)
            def out(k, v):
                v = '' if v is None else str(v)
                sys.stdout.write(k + '\\t' + v.replace('\\\\', '\\\\\\\\').replace('\\n', '\\\\n') + '\\n')
            for k, v in m.items():
                out('header.' + k, v)
            out('type', m.get_content_type())
            out('report-type', m.get_param('report-type'))
            if m.is_multipart():
                for i, p in enumerate(m.get_payload()):
                    out('part', p.get_content_type())
                    out('desc', p.get('Content-Description'))
                    if p.get_content_type() == 'text/plain':
                        out('text', p.get_payload(decode=True).decode('utf-8'))
                    elif p.get_content_type() == 'message/delivery-status':
                        blocks = p.get_payload()
                        for k, v in blocks[0].items():
                            out('msg.' + k, v)
                        for j, b in enumerate(blocks[1:]):
                            for k, v in b.items():
                                out('rcpt%d.%s' % (j, k), v)
                    elif p.get_content_type() == 'message/rfc822':
                        inner = p.get_payload()[0]
                        out('returned', inner.as_string())
                        out('returned-subject', inner.get('Subject'))
                    else:
                        out('returned', p.get_payload())
            """;

    /** parse - run the notice (as captured, LF line ends) through Python's parser. */
    public static ParsedDsn parse(String message) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", "-c", SCRIPT).redirectErrorStream(false).start();
        p.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("python3 failed: " + err);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> perMessage = new LinkedHashMap<>();
        List<Map<String, String>> perRcpt = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        List<String> descs = new ArrayList<>();
        String type = null;
        String report = null;
        String text = null;
        String returned = null;
        String returnedSubject = null;
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int tab = line.indexOf('\t');
            String k = line.substring(0, tab);
            String v = unescape(line.substring(tab + 1));
            if (k.startsWith("header.")) {
                headers.putIfAbsent(k.substring(7), v); // the first of a repeated header
            } else if (k.equals("type")) {
                type = v;
            } else if (k.equals("report-type")) {
                report = v;
            } else if (k.equals("part")) {
                parts.add(v);
            } else if (k.equals("desc")) {
                descs.add(v);
            } else if (k.equals("text")) {
                text = v;
            } else if (k.startsWith("msg.")) {
                perMessage.put(k.substring(4), v);
            } else if (k.startsWith("rcpt")) {
                int dot = k.indexOf('.');
                int n = Integer.parseInt(k.substring(4, dot));
                while (perRcpt.size() <= n) {
                    perRcpt.add(new LinkedHashMap<>());
                }
                perRcpt.get(n).put(k.substring(dot + 1), v);
            } else if (k.equals("returned")) {
                returned = v;
            } else if (k.equals("returned-subject")) {
                returnedSubject = v;
            }
        }
        return new ParsedDsn(headers, type, report, parts, descs, text, perMessage, perRcpt, returned, returnedSubject);
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char d = s.charAt(++i);
                b.append(d == 'n' ? '\n' : d);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}

package tern.delivery.smtp;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import tern.delivery.Fixture;
import tern.delivery.RecipientResult;
import tern.dns.Resolver;
import tern.queue.Envelope;

/**
 * NamespaceCheck - run by {@link NamespaceTest} inside a private network and mount namespace,
 * where /etc/resolv.conf points at a dnsmasq on 127.0.0.1:53 and smtp-sink listens on
 * 127.0.0.3:25. Delivers with the system resolver (as the daemon would) and prints one line per
 * result: "address status dsn relay text".
 */
public final class NamespaceCheck {
    private NamespaceCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try (Fixture fx = new Fixture(dir)) {
            SmtpAgent agent = new SmtpAgent(fx.context(fx.config("inet_interfaces = 127.0.0.1\n", Map.of()), "smtp",
                    "smtp", List.of()), Resolver.system(), List.of());
            try {
                for (String rcpt : List.of("u@a.test", "u@loop.test", "u@nope.test", "u@backup.test")) {
                    Envelope e = fx.write(new Fixture.Message("s@example.org", List.of(rcpt), Map.of(),
                            List.of("Subject: namespace", "", "body")));
                    Fixture.Results res = new Fixture.Results();
                    agent.deliver(fx.request(e, "smtp", rcpt.substring(2)), res);
                    for (RecipientResult r : res.all) {
                        System.out.println("RESULT " + r.recipient().address() + " " + r.status().word() + " " + r.dsn()
                                + " " + r.relay() + " " + r.text());
                    }
                }
            } finally {
                agent.close();
            }
        }
    }
}

package tern.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Address rewriting in headers, end to end: with sender_canonical_maps and masquerade_domains, a
 * message sent over SMTP from 127.0.0.1 (one of $inet_interfaces: local_header_rewrite_clients'
 * default permit_inet_interfaces matches) is delivered to a virtual Maildir with its From: address
 * rewritten and its display name kept; the same message from 127.0.0.2 (not matched) keeps its
 * headers as sent, while its envelope sender is rewritten all the same. As Postfix 3.7 does.
 *
 * Needs root (the virtual delivery agent writes as virtual_uid_maps' uid); skipped otherwise.
 */
class HeaderRewriteIT {
    @TempDir
    Path tmp;

    @Test
    void fromHeaderIsRewrittenForLocalClientsOnly() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Path dir = tmp.resolve("i");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path vbase = tmp.resolve("vmail");
        Files.createDirectories(vbase);
        Files.setAttribute(vbase, "unix:uid", 65534);
        Files.writeString(dir.resolve("canon"), "joe@host.example.test joe.smith@host.example.test\n");
        Files.writeString(dir.resolve("vmailbox"), "info@vdom.test vdom.test/info/\n");
        try (TestInstance t = TestInstance.create(dir,
                "sender_canonical_maps = texthash:" + dir.resolve("canon"),
                "masquerade_domains = example.test",
                "virtual_mailbox_domains = vdom.test",
                "virtual_mailbox_base = " + vbase,
                "virtual_mailbox_maps = texthash:" + dir.resolve("vmailbox"),
                "virtual_uid_maps = static:65534",
                "virtual_gid_maps = static:65534")) {
            t.start();
            String message = "From: \"Joe Smith\" <joe@host.example.test>\nTo: Info (desk) <info@vdom.test>\n"
                    + "Subject: hello\n\nbody\n";
            String local;
            String remote;
            try (MailInIT.Smtp a = new MailInIT.Smtp(t.smtpPort(), "127.0.0.1");
                 MailInIT.Smtp b = new MailInIT.Smtp(t.smtpPort(), "127.0.0.2")) {
                a.cmd("EHLO own.example");
                b.cmd("EHLO other.example");
                local = MailInIT.queuedId(a.send("joe@host.example.test", "info@vdom.test", message));
                remote = MailInIT.queuedId(b.send("joe@host.example.test", "info@vdom.test", message));
            }
            for (String id : List.of(local, remote)) {
                assertThat(t.awaitLog(l -> l.contains(id + ": to=<info@vdom.test>") && l.contains("status=sent"), 20_000))
                        .as(t.log()).isNotNull();
            }
            String fromLocal = null;
            String fromRemote = null;
            for (Path p : LocalDeliveryIT.files(vbase.resolve("vdom.test/info/new"))) {
                String text = Files.readString(p);
                if (text.contains(local)) {
                    fromLocal = text;
                } else if (text.contains(remote)) {
                    fromRemote = text;
                }
            }
            assertThat(fromLocal).as(t.log()).isNotNull()
                    .startsWith("Return-Path: <joe.smith@example.test>\n")
                    .contains("\nFrom: \"Joe Smith\" <joe.smith@example.test>\nTo: Info (desk) <info@vdom.test>\n"
                            + "Subject: hello\n")
                    .endsWith("\n\nbody\n");
            assertThat(fromRemote).as(t.log()).isNotNull()
                    .startsWith("Return-Path: <joe.smith@example.test>\n")
                    .contains("\nFrom: \"Joe Smith\" <joe@host.example.test>\nTo: Info (desk) <info@vdom.test>\n"
                            + "Subject: hello\n");
        }
    }
}

package tern.delivery.virtual;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.config.Config;
import tern.delivery.DeliveryFixture;
import tern.delivery.DeliveryFixture.TestUser;
import tern.delivery.RecipientResult;
import tern.delivery.RecipientResult.Status;
import tern.delivery.mailbox.Privileges;
import tern.queue.Envelope;
import tern.tables.TableBuilder;
import tern.tables.TableOpener;

/**
 * VirtualDeliveryTest - virtual(8) through DeliveryAgent.deliver with real queue files: maildir
 * and mbox under virtual_mailbox_base, the uid/gid maps (the files belong to that uid; as root,
 * a user made for the test), the table search order, unknown addresses, loops, bad uids, paths
 * that leave the base or are symbolic links, and virtual_mailbox_limit.
 */
class VirtualDeliveryTest {
    @TempDir
    Path tmp;
    DeliveryFixture f;
    Privileges privileges;
    Path base;
    Path maps;
    TestUser vmail;

    @BeforeEach
    void setUp() throws Exception {
        f = DeliveryFixture.create(tmp);
        privileges = Privileges.ofProcess();
        vmail = f.user("vm");
        base = vmail.home();
        maps = tmp.resolve("vmailbox");
        Files.writeString(maps, String.join("\n",
                "info@vdom.test vdom.test/info/",
                "mb@vdom.test vdom.test/mb",
                "@catch.test catch.test/all/",
                "escape@vdom.test ../../etc/",
                ""));
        TableBuilder.build("hash", maps.toString(), TableBuilder.Format.MAP, TableBuilder.Settings.DEFAULT, w -> { });
    }

    @AfterEach
    void tearDown() throws IOException {
        privileges.close();
        f.close();
    }

    VirtualDelivery agent(String... more) throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "virtual_mailbox_base = " + base,
                "virtual_mailbox_maps = hash:" + maps,
                "virtual_uid_maps = static:" + vmail.uid(),
                "virtual_gid_maps = static:" + vmail.gid(),
                "virtual_minimum_uid = " + Math.min(100, vmail.uid()),
                "recipient_delimiter = +"));
        lines.addAll(Arrays.asList(more));
        Config c = f.config(lines.toArray(String[]::new));
        TableOpener opener = TableOpener.standalone(w -> { }).withCheckInterval(Duration.ZERO);
        return new VirtualDelivery(f.context(c, "virtual", null), opener, privileges, "testhost");
    }

    Envelope message(String... recipients) throws IOException {
        return f.message("sender@example.org", List.of(recipients), "Subject: v", "", "From here", "..two dots");
    }

    List<RecipientResult> deliver(VirtualDelivery a, Envelope e) {
        return DeliveryFixture.deliver(a, f.request(e, "virtual"));
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void maildirAndMailboxUnderTheBase() throws Exception {
        VirtualDelivery a = agent();
        Envelope m = message("Info+x@VDOM.test", "mb@vdom.test", "any@catch.test");
        List<RecipientResult> r = deliver(a, m);
        assertThat(r).extracting(RecipientResult::status, RecipientResult::relay, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Status.SENT, "virtual", "2.0.0", "delivered to maildir"),
                        org.assertj.core.groups.Tuple.tuple(Status.SENT, "virtual", "2.0.0", "delivered to mailbox"),
                        org.assertj.core.groups.Tuple.tuple(Status.SENT, "virtual", "2.0.0", "delivered to maildir"));

        List<Path> info = files(base.resolve("vdom.test/info/new"));
        assertThat(info).hasSize(1);
        assertThat(Files.readString(info.get(0))).isEqualTo("Return-Path: <sender@example.org>\n"
                + "X-Original-To: Info+x@VDOM.test\nDelivered-To: Info+x@VDOM.test\nSubject: v\n\nFrom here\n..two dots\n");
        assertThat(Files.readString(base.resolve("vdom.test/mb"))).matches("(?s)From sender@example\\.org  \\w{3} .*")
                .endsWith("\nReturn-Path: <sender@example.org>\nX-Original-To: mb@vdom.test\nDelivered-To: mb@vdom.test\n"
                        + "Subject: v\n\n>From here\n..two dots\n\n");
        assertThat(files(base.resolve("catch.test/all/new"))).hasSize(1);
        for (Path p : List.of(base.resolve("vdom.test"), base.resolve("vdom.test/info/new"), info.get(0),
                base.resolve("vdom.test/mb"))) {
            assertThat(Files.getAttribute(p, "unix:uid")).as(p.toString()).isEqualTo(vmail.uid());
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(base.resolve("vdom.test"))))
                .isEqualTo("rwx------");
    }

    @Test
    void unknownAddressBounces() throws Exception {
        assertThat(deliver(agent(), message("Nobody@vdom.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(Status.BOUNCED, "5.1.1", "unknown user: \"nobody@vdom.test\"");
    }

    @Test
    void deliveredToLoopBounces() throws Exception {
        Envelope m = f.message("s@example.org", List.of("info@vdom.test"), "Delivered-To: INFO@vdom.test",
                "Subject: loop", "", "body");
        assertThat(deliver(agent(), m)).singleElement().extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(Status.BOUNCED, "5.4.6", "mail forwarding loop for info@vdom.test");
    }

    @Test
    void badIdsAndPathsDefer() throws Exception {
        VirtualDelivery a = agent("virtual_uid_maps = static:50", "virtual_minimum_uid = 100");
        assertThat(deliver(a, message("info@vdom.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(Status.DEFERRED, "4.3.5", "mail system configuration error");
        assertThat(f.log()).contains("postfix/virtual[").contains("warning: recipient info@vdom.test: bad uid 50 in virtual_uid_maps");

        a = agent("virtual_gid_maps = hash:" + maps);
        assertThat(deliver(a, message("info@vdom.test"))).singleElement().extracting(RecipientResult::status)
                .isEqualTo(Status.DEFERRED);
        assertThat(f.log()).contains("warning: recipient info@vdom.test: bad gid vdom.test/info/ in virtual_gid_maps");

        a = agent("virtual_mailbox_maps = hash:" + tmp.resolve("missing"));
        assertThat(deliver(a, message("info@vdom.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(Status.DEFERRED, "4.3.5", "mail system configuration error");
        assertThat(f.log()).contains("warning: table virtual_mailbox_maps: lookup info@vdom.test: Application error");

        assertThat(deliver(agent(), message("escape@vdom.test"))).singleElement().extracting(RecipientResult::status)
                .isEqualTo(Status.DEFERRED);
        assertThat(f.log()).contains("bad mailbox ../../etc/ in virtual_mailbox_maps");
    }

    @Test
    void symbolicLinkBelowTheBaseIsRefused() throws Exception {
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(base.resolve("vdom.test"), elsewhere);
        List<RecipientResult> r = deliver(agent(), message("info@vdom.test", "mb@vdom.test"));
        assertThat(r).extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Status.DEFERRED, "4.2.0",
                        "maildir delivery failed: " + base.resolve("vdom.test") + " is a symbolic link"),
                org.assertj.core.groups.Tuple.tuple(Status.DEFERRED, "4.2.0",
                        "cannot update mailbox " + base.resolve("vdom.test/mb") + " for user mb@vdom.test. "
                                + base.resolve("vdom.test") + " is a symbolic link"));
        assertThat(files(elsewhere)).isEmpty();
    }

    @Test
    void mailboxLimitBounces() throws Exception {
        VirtualDelivery a = agent("virtual_mailbox_limit = 50");
        assertThat(deliver(a, message("info@vdom.test"))).singleElement()
                .extracting(RecipientResult::status, RecipientResult::dsn, RecipientResult::text)
                .containsExactly(Status.BOUNCED, "5.2.2", "maildir delivery failed: error writing message: File too large");
        assertThat(files(base.resolve("vdom.test/info/tmp"))).isEmpty();
        assertThat(files(base.resolve("vdom.test/info/new"))).isEmpty();
    }

    @Test
    void largeMessageStreamsIntact() throws Exception {
        List<String> lines = new ArrayList<>(List.of("Subject: big", ""));
        StringBuilder expected = new StringBuilder("Return-Path: <s@example.org>\nX-Original-To: info@vdom.test\n"
                + "Delivered-To: info@vdom.test\nSubject: big\n\n");
        for (int i = 0; i < 20000; i++) {
            String l = (i % 7 == 0 ? "." : i % 11 == 0 ? "From " : "") + "line " + i + " " + "y".repeat(i % 97);
            lines.add(l);
            expected.append(l).append('\n');
        }
        Envelope m = f.message("s@example.org", List.of("info@vdom.test"), lines.toArray(String[]::new));
        assertThat(deliver(agent(), m)).singleElement().extracting(RecipientResult::status).isEqualTo(Status.SENT);
        Path file = files(base.resolve("vdom.test/info/new")).get(0);
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    }
}

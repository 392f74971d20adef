package tern.qmgr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tern.bounce.ParsedDsn;
import tern.cleanup.CleanupStream;
import tern.cleanup.MailParams;
import tern.queue.Queue;
import tern.queue.QueueFile;

class QueueManagerTest {
    @TempDir
    Path tmp;

    @Test
    void deliversRemovesAndLogsAsPostfix() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "ok1@test.test", "ok2@test.test");
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.logLines(l -> l.contains(id + ": from=<sender@example.org>, size=")))
                    .singleElement().asString().matches(".* postfix/qmgr\\[\\d+\\]: " + id
                            + ": from=<sender@example.org>, size=\\d+, nrcpt=2 \\(queue active\\)$");
            List<String> sent = h.logLines(l -> l.contains(id + ": to=<ok"));
            assertThat(sent).hasSize(2);
            assertThat(sent.get(0)).matches(".* postfix/test\\[\\d+\\]: " + id + ": to=<ok[12]@test.test>, "
                    + "relay=test.test\\[192.0.2.1\\]:25, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, "
                    + "dsn=2.0.0, status=sent \\(250 2.0.0 Ok: queued as X\\)$");
            assertThat(h.queue.find(id)).isNull();
            // one request for both: same transport and next hop, within the recipient limit
            assertThat(h.testRequests).hasSize(1);
        }
    }

    @Test
    void agentsReadThroughTheQueueManagersChannelWhichClosesWithTheMessage() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "ok1@test.test");
            h.awaitLog(id + ": removed", 5000);
            // the agent opened nothing: the queue manager's read-write channel was open and readable
            assertThat(h.sharedChannelHeads).containsExactly("C ");
            assertThat(h.testRequests.get(0).content()).isNotNull();
            assertThat(h.testRequests.get(0).content().isOpen()).isFalse();
        }
    }

    @Test
    void recipientLimitSplitsRequestsAndLimitsConcurrency() throws Exception {
        Map<String, Transport.Limits> limits = Map.of("test", new Transport.Limits(10, 2, 1));
        try (Harness h = new Harness(tmp, limits)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "slow1@test.test", "slow2@test.test", "slow3@test.test",
                    "slow4@test.test");
            // recipient limit 1: four requests; destination = recipient, so all four may run at once
            long deadline = System.currentTimeMillis() + 5000;
            while (h.inFlight.get() < 4 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(h.inFlight.get()).isEqualTo(4);
            h.release();
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.testRequests).hasSize(4).allSatisfy(r -> assertThat(r.recipients()).hasSize(1));
        }
    }

    @Test
    void destinationConcurrencyIsASemaphore() throws Exception {
        Map<String, Transport.Limits> limits = Map.of("test", new Transport.Limits(10, 2, 50));
        try (Harness h = new Harness(tmp, limits)) {
            h.qmgr.start();
            for (int i = 0; i < 5; i++) {
                h.submit("sender@example.org", "slow" + i + "@test.test");
            }
            long deadline = System.currentTimeMillis() + 5000;
            while (h.inFlight.get() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            assertThat(h.inFlight.get()).isEqualTo(2); // five messages, one destination, limit 2
            h.release();
            h.awaitIdle(5000);
            assertThat(h.maxInFlight.get()).isEqualTo(2);
        }
    }

    @Test
    void processLimitCapsAllDestinations() throws Exception {
        Map<String, Transport.Limits> limits = Map.of("test", new Transport.Limits(3, 0, 1));
        try (Harness h = new Harness(tmp, limits)) {
            h.qmgr.start();
            h.submit("sender@example.org", "slow1@test.test", "slow2@test.test", "slow3@test.test", "slow4@test.test",
                    "slow5@test.test");
            long deadline = System.currentTimeMillis() + 5000;
            while (h.inFlight.get() < 3 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            assertThat(h.inFlight.get()).isEqualTo(3);
            h.release();
            h.awaitIdle(5000);
            assertThat(h.maxInFlight.get()).isEqualTo(3);
        }
    }

    @Test
    void transportRateDelayPacesDeliveries() throws Exception {
        Map<String, Transport.Limits> limits = Map.of("test", new Transport.Limits(10, 10, 1, 0, 300));
        try (Harness h = new Harness(tmp, limits)) {
            h.qmgr.start();
            long start = System.currentTimeMillis();
            String id = h.submit("sender@example.org", "ok1@test.test", "ok2@test.test", "ok3@test.test");
            h.awaitLog(id + ": removed", 5000);
            assertThat(System.currentTimeMillis() - start).isGreaterThanOrEqualTo(600);
            assertThat(h.maxInFlight.get()).isEqualTo(1);
        }
    }

    @Test
    void errorTransportBouncesWithAnRfc3464Notice() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "a@err.test", "ok@test.test");
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.log()).containsPattern("postfix/error\\[\\d+\\]: " + id + ": to=<a@err.test>, relay=none, "
                    + "delay=[0-9.]+, delays=[0-9./]+, dsn=5.1.2, status=bounced \\(no such domain here\\)");
            String notice = h.awaitLog(id + ": sender non-delivery notification: ", 5000);
            String newId = notice.substring(notice.lastIndexOf(' ') + 1);
            h.awaitLog(newId + ": removed", 5000);
            assertThat(h.log()).contains(newId + ": from=<>, size=");
            List<String> got = h.capturedFor("sender@example.org");
            assertThat(got).hasSize(1);
            ParsedDsn d = ParsedDsn.parse(got.get(0));
            assertThat(d.headers()).containsEntry("X-Envelope-From", "<>")
                    .containsEntry("Subject", "Undelivered Mail Returned to Sender")
                    .containsEntry("From", "Mail Delivery System <MAILER-DAEMON@mx.example.test>")
                    .containsEntry("To", "sender@example.org")
                    .containsEntry("Auto-Submitted", "auto-replied");
            assertThat(d.contentType()).isEqualTo("multipart/report");
            assertThat(d.reportType()).isEqualTo("delivery-status");
            assertThat(d.partTypes()).containsExactly("text/plain", "message/delivery-status", "message/rfc822");
            assertThat(d.partDescriptions()).containsExactly("Notification", "Delivery report", "Undelivered Message");
            assertThat(d.text()).startsWith("This is the mail system at host mx.example.test.")
                    .contains("<a@err.test>: no such domain here");
            assertThat(d.perMessage()).containsEntry("Reporting-MTA", "dns; mx.example.test")
                    .containsEntry("X-Postfix-Queue-ID", id)
                    .containsEntry("X-Postfix-Sender", "rfc822; sender@example.org")
                    .containsKey("Arrival-Date");
            assertThat(d.perRecipient()).hasSize(1);
            assertThat(d.perRecipient().get(0)).containsEntry("Final-Recipient", "rfc822; a@err.test")
                    .containsEntry("Original-Recipient", "rfc822;a@err.test")
                    .containsEntry("Action", "failed").containsEntry("Status", "5.1.2")
                    .containsEntry("Diagnostic-Code", "X-Postfix; no such domain here");
            assertThat(d.returnedSubject()).isEqualTo("test message");
            assertThat(d.returned()).startsWith("Return-Path: <sender@example.org>").contains("hello\nworld");
        }
    }

    @Test
    void remoteRejectionIsReportedAsSmtpDiagnosticAndHeadersOnlyForRetHdrs() throws Exception {
        try (Harness h = new Harness(tmp, "notify_classes = bounce")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", 0, new MailParams(-1, null, "HDRS", "env-42", false),
                    "fail1@test.test");
            h.awaitLog(id + ": sender non-delivery notification: ", 5000);
            h.awaitLog(id + ": postmaster non-delivery notification: ", 5000);
            h.awaitIdle(5000);
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("sender@example.org").get(0));
            assertThat(d.partTypes()).containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");
            assertThat(d.partDescriptions()).containsExactly("Notification", "Delivery report",
                    "Undelivered Message Headers");
            assertThat(d.perMessage()).containsEntry("Original-Envelope-Id", "env-42");
            assertThat(d.perRecipient().get(0)).containsEntry("Remote-MTA", "dns; test.test")
                    .containsEntry("Status", "5.1.1")
                    .containsEntry("Diagnostic-Code",
                            "smtp; 550 5.1.1 <fail1@test.test>: Recipient address\n    rejected: User unknown");
            assertThat(d.returned()).contains("Subject: test message").doesNotContain("hello");
            // the postmaster copy: from the double-bounce sender, headers only, no boilerplate
            List<String> pm = h.capturedFor("postmaster@mx.example.test");
            assertThat(pm).hasSize(1);
            ParsedDsn p = ParsedDsn.parse(pm.get(0));
            assertThat(p.headers()).containsEntry("X-Envelope-From", "<double-bounce@mx.example.test>")
                    .containsEntry("Subject", "Postmaster Copy: Undelivered Mail")
                    .containsEntry("Auto-Submitted", "auto-generated");
            assertThat(p.text()).doesNotContain("This is the mail system").contains("<fail1@test.test>: host test.test");
            assertThat(p.partTypes()).last().isEqualTo("text/rfc822-headers");
        }
    }

    @Test
    void notifyNeverSendsNothingAndNotifySuccessSendsADeliveredReport() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String never = h.submit("s1@example.org", CleanupStream.NOTIFY_NEVER, MailParams.NONE, "a@err.test");
            h.awaitLog(never + ": removed", 5000);
            String ok = h.submit("s2@example.org", CleanupStream.NOTIFY_SUCCESS | CleanupStream.NOTIFY_FAILURE,
                    MailParams.NONE, "x@disc.test");
            h.awaitLog(ok + ": removed", 5000);
            h.awaitLog(ok + ": sender delivery status notification: ", 5000);
            h.awaitIdle(5000);
            assertThat(h.log()).doesNotContain(never + ": sender non-delivery notification");
            assertThat(h.capturedFor("s1@example.org")).isEmpty();
            assertThat(h.log()).containsPattern("postfix/discard\\[\\d+\\]: " + ok
                    + ": to=<x@disc.test>, relay=none, .*dsn=2.0.0, status=sent \\(silently dropped\\)");
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("s2@example.org").get(0));
            assertThat(d.headers()).containsEntry("Subject", "Successful Mail Delivery Report");
            assertThat(d.perRecipient().get(0)).containsEntry("Action", "delivered").containsEntry("Status", "2.0.0");
            assertThat(d.partTypes()).last().isEqualTo("text/rfc822-headers");
            assertThat(d.partDescriptions()).last().isEqualTo("Message Headers");
        }
    }

    @Test
    void nullSenderGetsNoBounceButTheDoubleBounceGoesToPostmasterWhenAsked() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("", "a@err.test");
            h.awaitLog(id + ": removed", 5000);
            h.awaitIdle(5000);
            assertThat(h.log()).doesNotContain("notification");
            assertThat(h.captured).isEmpty();
        }
        Path second = Files.createDirectories(tmp.resolve("2"));
        try (Harness h = new Harness(second, "notify_classes = 2bounce")) {
            h.qmgr.start();
            String id = h.submit("", "a@err.test");
            h.awaitLog(id + ": postmaster non-delivery notification: ", 5000);
            h.awaitIdle(5000);
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("postmaster@mx.example.test").get(0));
            assertThat(d.headers()).containsEntry("Subject", "Postmaster Copy: Undelivered Mail");
            assertThat(d.partTypes()).last().isEqualTo("message/rfc822");
            assertThat(d.perMessage()).containsEntry("X-Postfix-Sender", "rfc822; MAILER-DAEMON@mx.example.test");
            assertThat(d.returned()).startsWith("Return-Path: <MAILER-DAEMON@mx.example.test>");
        }
    }

    @Test
    void mailToTheDoubleBounceAddressIsDiscarded() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "double-bounce@mx.example.test");
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.log()).containsPattern("postfix/qmgr\\[\\d+\\]: " + id
                    + ": to=<double-bounce@mx.example.test>, relay=none, delay=[0-9.]+, delays=[0-9./]+, dsn=2.0.0, "
                    + "status=sent \\(undeliverable postmaster notification discarded\\)");
            assertThat(h.captured).isEmpty();
        }
    }

    @Test
    void unknownTransportDefers() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "u@nosuch.test");
            h.awaitLog("warning: connect to transport private/nosuch: No such file or directory", 5000);
            assertThat(h.awaitLog(id + ": to=<u@nosuch.test>", 5000)).matches(".* postfix/error\\[\\d+\\]: " + id
                    + ": to=<u@nosuch.test>, relay=none, .*dsn=4.3.0, status=deferred \\(mail transport unavailable\\)");
            h.awaitIdle(5000);
            assertThat(h.queue.find(id)).isEqualTo(Queue.Dir.DEFERRED);
        }
    }

    @Test
    void softwareTroubleIsReportedToThePostmasterWhenAsked() throws Exception {
        try (Harness h = new Harness(tmp, "notify_classes = software")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "silent@test.test"); // the agent reports nothing
            h.awaitLog(id + ": postmaster delay notification: ", 5000);
            h.awaitIdle(5000);
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("postmaster@mx.example.test").get(0));
            assertThat(d.headers()).containsEntry("Subject", "Postmaster Warning: Delayed Mail");
            assertThat(d.perRecipient().get(0)).containsEntry("Diagnostic-Code", "X-Postfix; unknown mail transport error");
            assertThat(h.capturedFor("sender@example.org")).isEmpty();
        }
    }

    @Test
    void aMissingTransportIsLoggedNotReportedToThePostmaster() throws Exception {
        try (Harness h = new Harness(tmp, "notify_classes = software")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "u@nosuch.test");
            h.awaitLog(id + ": to=<u@nosuch.test>", 5000);
            h.awaitIdle(5000);
            assertThat(h.log()).contains("status=deferred (mail transport unavailable)")
                    .doesNotContain("postmaster delay notification");
            assertThat(h.capturedFor("postmaster@mx.example.test")).isEmpty();
        }
    }

    @Test
    void deferralRecordsTheReasonSetsTheNextAttemptAndRetries() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            long before = System.currentTimeMillis();
            String id = h.submitDeferred("sender@example.org", "once@test.test", "ok@test.test");
            QueueFile q = h.read(Queue.Dir.DEFERRED, id);
            assertThat(q.pending()).extracting(r -> r.address()).containsExactly("once@test.test");
            assertThat(q.finished().get(1).status()).isEqualTo("sent");
            assertThat(q.lastFailure().get(0).dsn()).isEqualTo("4.4.1");
            long next = Files.getLastModifiedTime(h.queue.path(Queue.Dir.DEFERRED, id)).toMillis();
            // minimal_backoff_time = 1s: the next attempt is about a second from the deferral
            assertThat(next).isBetween(before + 900, System.currentTimeMillis() + 1100);
            h.awaitLog(id + ": removed", 6000);
            assertThat(h.attempts.get("once@test.test")).isEqualTo(2);
            assertThat(h.attempts.get("ok@test.test")).isEqualTo(1); // never again once delivered
            assertThat(h.logLines(l -> l.contains(id + ": from=<sender@example.org>")).get(1)).endsWith("nrcpt=1 (queue active)");
        }
    }

    @Test
    void backoffDoublesWithTheAgeOfTheMessage() throws Exception {
        try (Harness h = new Harness(tmp, "minimal_backoff_time = 1s", "maximal_backoff_time = 2s")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "defer@test.test");
            h.awaitCount(id + ": to=<defer@test.test>", 3, 10000);
            List<String> at = h.logLines(l -> l.contains(id + ": to=<defer@test.test>"));
            assertThat(at.get(0)).contains("status=deferred (connect to test.test[192.0.2.1]:25: Connection refused)");
        }
    }

    @Test
    void expiryReturnsTheMessageWithTheLastReason() throws Exception {
        try (Harness h = new Harness(tmp, "maximal_queue_lifetime = 0")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "defer@test.test", "c@retry.test");
            h.awaitLog(id + ": from=<sender@example.org>, status=expired, returned to sender", 5000);
            h.awaitLog(id + ": removed", 5000);
            h.awaitLog(id + ": sender non-delivery notification: ", 5000);
            h.awaitIdle(5000);
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("sender@example.org").get(0));
            assertThat(d.perRecipient()).hasSize(2);
            assertThat(d.perRecipient()).anySatisfy(r -> assertThat(r).containsEntry("Final-Recipient",
                    "rfc822; c@retry.test").containsEntry("Action", "failed").containsEntry("Status", "4.3.2")
                    .containsEntry("Diagnostic-Code", "X-Postfix; try later please"));
            assertThat(h.log()).containsPattern("postfix/error\\[\\d+\\]: " + id
                    + ": to=<c@retry.test>, relay=none, .*dsn=4.3.2, status=deferred \\(try later please\\)");
        }
    }

    @Test
    void bounceLifetimeAppliesToTheNullSender() throws Exception {
        try (Harness h = new Harness(tmp, "bounce_queue_lifetime = 0")) {
            h.qmgr.start();
            String id = h.submit("", "defer@test.test");
            h.awaitLog(id + ": from=<>, status=expired, returned to sender", 5000);
            h.awaitLog(id + ": removed", 5000);
        }
    }

    @Test
    void delayWarningIsSentOnceAndRecorded() throws Exception {
        try (Harness h = new Harness(tmp, "delay_warning_time = 1s", "notify_classes = delay")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "defer@test.test");
            h.awaitLog(id + ": sender delay notification: ", 8000);
            h.awaitLog(id + ": postmaster delay notification: ", 2000);
            h.awaitCount(id + ": to=<defer@test.test>", 4, 12000);
            assertThat(h.logLines(l -> l.contains(id + ": sender delay notification"))).hasSize(1);
            QueueFile q = QueueFile.read(h.queue.path(h.queue.find(id), id));
            assertThat(q.warnedMillis()).isPositive();
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("sender@example.org").get(0));
            assertThat(d.headers()).containsEntry("Subject", "Delayed Mail (still being retried)");
            assertThat(d.perRecipient().get(0)).containsEntry("Action", "delayed").containsEntry("Status", "4.4.1")
                    .containsKey("Will-Retry-Until");
            assertThat(d.partTypes()).last().isEqualTo("text/rfc822-headers");
            assertThat(d.text()).contains("1 second");
        }
    }

    @Test
    void flushMakesDeferredMailEligibleNow() throws Exception {
        try (Harness h = new Harness(tmp, "minimal_backoff_time = 1h", "maximal_backoff_time = 2h",
                "queue_run_delay = 1h")) {
            h.qmgr.start();
            String id = h.submitDeferred("sender@example.org", "once@test.test");
            assertThat(h.qmgr.flushSite("other.test")).isZero();
            assertThat(h.qmgr.flushSite("TEST.test")).isEqualTo(1);
            h.awaitLog(id + ": removed", 5000);
            String id2 = h.submit("sender@example.org", "once2@test.test");
            h.awaitLog(id2 + ": to=<once2@test.test>", 5000);
            h.awaitIdle(5000);
            h.qmgr.flush();
            h.awaitLog(id2 + ": removed", 5000);
        }
    }

    @Test
    void aForceExpiredMessageIsReturnedWithoutAnotherAttempt() throws Exception {
        try (Harness h = new Harness(tmp, "minimal_backoff_time = 1h", "maximal_backoff_time = 2h",
                "queue_run_delay = 1h")) {
            h.qmgr.start();
            String id = h.submitDeferred("sender@example.org", "defer@test.test");
            // what postsuper -e does: the group execute bit
            Path p = h.queue.path(Queue.Dir.DEFERRED, id);
            java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(p);
            mode.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
            Files.setPosixFilePermissions(p, mode);
            assertThat(QueueFile.forcedExpire(p)).isTrue();
            h.qmgr.flush();
            h.awaitLog(id + ": from=<sender@example.org>, status=force-expired, returned to sender", 5000);
            h.awaitLog(id + ": removed", 5000);
            h.awaitLog(id + ": sender non-delivery notification: ", 5000);
            h.awaitIdle(5000);
            assertThat(h.attempts.get("defer@test.test")).isEqualTo(1); // never tried again
            ParsedDsn d = ParsedDsn.parse(h.capturedFor("sender@example.org").get(0));
            assertThat(d.perRecipient()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("Final-Recipient", "rfc822; defer@test.test").containsEntry("Action", "failed")
                    .containsEntry("Status", "4.4.1"));
        }
    }

    @Test
    void deferTransportsWaitForAFlush() throws Exception {
        try (Harness h = new Harness(tmp, "defer_transports = test", "queue_run_delay = 1h")) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "ok@test.test");
            assertThat(h.awaitLog(id + ": to=<ok@test.test>", 5000)).contains("postfix/error[")
                    .contains("dsn=4.3.2, status=deferred (deferred transport)");
            h.awaitIdle(5000);
            assertThat(h.testRequests).isEmpty();
            assertThat(h.qmgr.flushMessage(id)).isTrue();
            h.awaitLog(id + ": removed", 5000);
            assertThat(h.testRequests).hasSize(1);
        }
    }

    @Test
    void anAgentThatReportsNothingDefers() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.qmgr.start();
            String id = h.submit("sender@example.org", "silent@test.test");
            assertThat(h.awaitLog(id + ": to=<silent@test.test>", 5000))
                    .contains("dsn=4.3.0, status=deferred (unknown mail transport error)");
        }
    }

    @Test
    void resolverFailureDefers() throws Exception {
        try (Harness h = new Harness(tmp)) {
            h.resolver = r -> {
                throw new java.io.IOException("hash:/etc/postfix/transport: table lookup failed");
            };
            h.qmgr.start();
            String id = h.submit("sender@example.org", "ok@test.test");
            assertThat(h.awaitLog(id + ": to=<ok@test.test>", 5000))
                    .contains("postfix/qmgr[").contains("dsn=4.3.0, status=deferred (address resolver failure)");
        }
    }
}

package tern.qmgr;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import tern.bounce.Report;
import tern.delivery.DeliveryRequest;
import tern.delivery.RecipientResult;
import tern.delivery.ResultSink;
import tern.log.Logger;
import tern.queue.Queue;
import tern.queue.QueueFile;
import tern.queue.Recipient;
import tern.queue.StatusRecords;
import tern.rewrite.AddressClass;
import tern.rewrite.Resolution;

/**
 * ActiveMessage - one message during one pass through the active queue: its recipients resolved
 * and grouped into delivery requests per (transport, nexthop) of at most the transport's recipient
 * limit, the requests run on virtual threads within the transport's limits, every outcome recorded
 * in the queue file the moment it is reported, and, when the last request is done, the message
 * finished: notices sent, then removed, or moved to deferred with its next attempt time, or
 * returned to its sender when it has been queued too long.
 *
 * What is recorded when (see {@link QueueFile} for the records):
 * <ul>
 * <li>sent: a D record at once, so that a crash never delivers it again.</li>
 * <li>deferred: an L record at once (mailq shows it, expiry uses it).</li>
 * <li>bounced: the D record is written only after the non-delivery notice is queued, so that a
 *     crash in between repeats the attempt (and the notice) instead of losing the notice.</li>
 * </ul>
 * Thread-safety: results arrive from several delivery threads at once; they are recorded under one
 * lock per message. finish() runs once, on the thread that completes the last request.
 */
final class ActiveMessage {
    private final QueueManager qmgr;
    private final Routing routing;
    private final Map<String, Limiter> limiters;
    private final QueueFile file;
    private final Path path;
    private final long activeMillis;
    private final boolean forced;
    /** postsuper -e/-f marked it: return it to the sender instead of delivering (see forceExpire). */
    private final boolean forceExpired;
    private final ReentrantLock lock = new ReentrantLock();
    private FileChannel status;
    private int outstanding;
    private final java.util.concurrent.atomic.AtomicBoolean finishing = new java.util.concurrent.atomic.AtomicBoolean();

    private final List<Report> bounced = new ArrayList<>();
    private final List<Report> delivered = new ArrayList<>();
    private final Map<Integer, Report> deferred = new LinkedHashMap<>();
    private final Set<Integer> finishedNow = new HashSet<>();

    ActiveMessage(QueueManager qmgr, Routing routing, Map<String, Limiter> limiters, QueueFile file, long activeMillis,
                  boolean forced, boolean forceExpired) {
        this.qmgr = qmgr;
        this.routing = routing;
        this.limiters = limiters;
        this.file = file;
        this.path = file.path();
        this.activeMillis = activeMillis;
        this.forced = forced;
        this.forceExpired = forceExpired;
    }

    String id() {
        return file.envelope().id();
    }

    /** Job - one delivery request and the bookkeeping of which of its recipients have reported. */
    private final class Job {
        final Transport transport;
        final Limiter limiter;
        final String destination;
        final DeliveryRequest request;
        final Map<Integer, Recipient> waiting = new HashMap<>();
        /** recipients whose destinations were logged one by one (ResultSink.expansion) */
        final Set<Integer> expanded = new HashSet<>();
        long start;

        Job(Transport transport, Limiter limiter, String destination, DeliveryRequest request) {
            this.transport = transport;
            this.limiter = limiter;
            this.destination = destination;
            this.request = request;
            for (Recipient r : request.recipients()) {
                waiting.put(r.index(), r);
            }
        }
    }

    /** schedule - resolve the pending recipients and start their deliveries (or finish at once). */
    void schedule() {
        try {
            status = StatusRecords.open(path);
        } catch (IOException e) {
            qmgr.log().warning(id() + ": cannot open queue file for update: " + e.getMessage());
        }
        if (forceExpired) {
            forceExpire();
            return;
        }
        Map<String, List<Recipient>> groups = new LinkedHashMap<>();
        Map<String, Resolution> groupTarget = new HashMap<>();
        Set<String> unavailable = new HashSet<>();
        for (Recipient r : file.pending()) {
            Resolution res;
            try {
                res = routing.resolver().resolve(r.address());
            } catch (IOException | RuntimeException e) {
                qmgr.log().warning(id() + ": address resolver failure for " + r.address() + ": " + e.getMessage());
                deferNow(r, "4.3.0", "address resolver failure", qmgr.log());
                continue;
            }
            if (res.addressClass() == AddressClass.LOCAL && isDoubleBounce(res.recipient())) {
                finishNow(r, "2.0.0", "sent", "undeliverable postmaster notification discarded", qmgr.log());
                continue;
            }
            Transport t = routing.transport(res.transport());
            if (t == null || t.agent() == null) {
                if (unavailable.add(res.transport())) {
                    qmgr.log().warning("connect to transport private/" + res.transport() + ": No such file or directory");
                }
                deferNow(r, "4.3.0", "mail transport unavailable", qmgr.errorLog());
                continue;
            }
            if (!forced && routing.settings().deferTransports().contains(t.name().toLowerCase(Locale.ROOT))) {
                deferNow(r, "4.3.2", "deferred transport", qmgr.errorLog()); // Postfix logs it as postfix/error
                continue;
            }
            Recipient target = res.recipient().equals(r.address()) ? r
                    : new Recipient(r.index(), res.recipient(), r.original().isEmpty() ? r.address() : r.original(),
                    r.orcpt(), r.notifyBits());
            String key = t.name().toLowerCase(Locale.ROOT) + "\u0000" + res.nexthop().toLowerCase(Locale.ROOT);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(target);
            groupTarget.putIfAbsent(key, res);
        }
        List<Job> jobs = new ArrayList<>();
        for (Map.Entry<String, List<Recipient>> g : groups.entrySet()) {
            Resolution res = groupTarget.get(g.getKey());
            Transport t = routing.transport(res.transport());
            int limit = t.limits().recipientLimit();
            List<Recipient> all = g.getValue();
            int step = limit <= 0 ? all.size() : limit;
            for (int i = 0; i < all.size(); i += step) {
                List<Recipient> chunk = List.copyOf(all.subList(i, Math.min(all.size(), i + step)));
                String destination = res.nexthop().toLowerCase(Locale.ROOT);
                if (limit == 1) {
                    destination = destination + "\u0000" + chunk.get(0).address().toLowerCase(Locale.ROOT);
                }
                DeliveryRequest req = new DeliveryRequest(path, file.envelope(), chunk, t.name(), res.nexthop(),
                        activeMillis, status);
                jobs.add(new Job(t, limiters.get(t.name().toLowerCase(Locale.ROOT)), destination, req));
            }
        }
        lock.lock();
        try {
            outstanding = jobs.size();
        } finally {
            lock.unlock();
        }
        if (jobs.isEmpty()) {
            finish();
            return;
        }
        for (Job j : jobs) {
            Thread.ofVirtual().name("delivery-" + j.transport.name() + "-" + id()).start(() -> run(j));
        }
    }

    /**
     * forceExpire - postsuper -e/-f: no delivery attempt; every pending recipient is returned to the
     * sender, with the reason of its last deferral, else "message is administratively expired"
     * (Postfix 3.7's words and log line).
     */
    private void forceExpire() {
        qmgr.log().info(id() + ": from=<" + file.envelope().sender() + ">, status=force-expired, returned to sender");
        List<Report> reasons = new ArrayList<>();
        for (Recipient r : file.pending()) {
            QueueFile.Attempt last = file.lastFailure().get(r.index());
            reasons.add(last != null ? new Report(r, last.dsn(), "none", last.text())
                    : new Report(r, "4.7.0", "none", "message is administratively expired"));
        }
        try {
            routing.bounce().failed(file, reasons);
            for (Report r : reasons) {
                writeFinished(r.recipient().index(), r.dsn(), "expired", r.text());
            }
            remove();
        } catch (IOException | RuntimeException e) {
            qmgr.log().warning(id() + ": cannot queue the non-delivery notification: " + e.getMessage()
                    + "; will try again later");
            defer(System.currentTimeMillis(), routing.settings().minimalBackoff());
        }
    }

    private boolean isDoubleBounce(String address) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        return local.equalsIgnoreCase(routing.settings().doubleBounceSender());
    }

    /** run - one delivery request, on its own virtual thread. */
    private void run(Job job) {
        Limiter.Permit permit = null;
        try {
            permit = job.limiter == null ? null : job.limiter.acquire(job.destination);
            job.start = System.currentTimeMillis();
            job.transport.agent().deliver(job.request, new ResultSink() {
                @Override
                public void result(RecipientResult result) {
                    record(job, result);
                }

                @Override
                public void expansion(RecipientResult destination) {
                    logExpansion(job, destination);
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            job.transport.log().warning(id() + ": delivery agent failed: " + e);
        } finally {
            if (permit != null) {
                permit.release();
            }
        }
        List<Recipient> missing;
        lock.lock();
        try {
            missing = new ArrayList<>(job.waiting.values());
        } finally {
            lock.unlock();
        }
        if (job.start == 0) {
            job.start = System.currentTimeMillis();
        }
        for (Recipient r : missing) {
            record(job, RecipientResult.deferred(r, "4.3.0", "none", "unknown mail transport error"));
        }
        boolean last;
        lock.lock();
        try {
            last = --outstanding == 0;
        } finally {
            lock.unlock();
        }
        if (last) {
            finish();
        }
    }

    /** record - one outcome: log it, record it, remember it for the notices. */
    private void record(Job job, RecipientResult result) {
        long now = System.currentTimeMillis();
        lock.lock();
        try {
            Recipient r = result.recipient() == null ? null : job.waiting.remove(result.recipient().index());
            if (r == null) {
                job.transport.log().warning(id() + ": ignoring a result for a recipient not in the request or reported twice: "
                        + (result.recipient() == null ? "(null)" : result.recipient().address()));
                return;
            }
            String dsn = result.dsn() == null || result.dsn().isEmpty() ? defaultDsn(result.status()) : result.dsn();
            String relay = result.relay() == null || result.relay().isEmpty() ? "none" : result.relay();
            String text = result.text() == null ? "" : result.text();
            // the record first, then the log line: a crash in between loses a log line, not the fact
            Report report = new Report(r, dsn, relay, text);
            switch (result.status()) {
                case SENT -> {
                    writeFinished(r.index(), dsn, "sent", text);
                    if (!result.dsnPassedOn()) {
                        delivered.add(report); // else the next hop has the NOTIFY=SUCCESS request, as in Postfix
                    }
                }
                case BOUNCED -> bounced.add(report);
                case DEFERRED -> {
                    writeFailed(r.index(), now, dsn, text);
                    deferred.put(r.index(), report);
                }
            }
            if (!job.expanded.contains(r.index())) {
                // the address the agent names: an alias delivery logs the destination, with the original
                Recipient named = result.recipient();
                String original = named.original().isEmpty() ? r.original() : named.original();
                job.transport.log().info(DeliveryLog.line(id(), named.address(), original, relay,
                        file.envelope().arrivalMillis(), activeMillis, job.start, result.setupMillis(), now, dsn,
                        result.status().word(), text, routing.settings().delayResolution()));
            }
        } finally {
            lock.unlock();
        }
    }

    /** logExpansion - one destination of a recipient that expanded to several: a log line only. */
    private void logExpansion(Job job, RecipientResult d) {
        long now = System.currentTimeMillis();
        lock.lock();
        try {
            if (d.recipient() == null || !job.waiting.containsKey(d.recipient().index())) {
                return;
            }
            job.expanded.add(d.recipient().index());
        } finally {
            lock.unlock();
        }
        String dsn = d.dsn() == null || d.dsn().isEmpty() ? defaultDsn(d.status()) : d.dsn();
        job.transport.log().info(DeliveryLog.line(id(), d.recipient().address(), d.recipient().original(),
                d.relay() == null || d.relay().isEmpty() ? "none" : d.relay(), file.envelope().arrivalMillis(), activeMillis,
                job.start, d.setupMillis(), now, dsn, d.status().word(), d.text() == null ? "" : d.text(),
                routing.settings().delayResolution()));
    }

    private static String defaultDsn(RecipientResult.Status s) {
        return switch (s) {
            case SENT -> "2.0.0";
            case DEFERRED -> "4.0.0";
            case BOUNCED -> "5.0.0";
        };
    }

    /** deferNow - the queue manager itself defers a recipient (before any delivery). */
    private void deferNow(Recipient r, String dsn, String text, Logger log) {
        long now = System.currentTimeMillis();
        log.info(DeliveryLog.line(id(), r.address(), r.original(), "none", file.envelope().arrivalMillis(), activeMillis,
                now, 0, now, dsn, "deferred", text, routing.settings().delayResolution()));
        writeFailed(r.index(), now, dsn, text);
        deferred.put(r.index(), new Report(r, dsn, "none", text));
    }

    /** finishNow - the queue manager itself finishes a recipient (double-bounce discards). */
    private void finishNow(Recipient r, String dsn, String status, String text, Logger log) {
        long now = System.currentTimeMillis();
        log.info(DeliveryLog.line(id(), r.address(), r.original(), "none", file.envelope().arrivalMillis(), activeMillis,
                now, 0, now, dsn, status, text, routing.settings().delayResolution()));
        writeFinished(r.index(), dsn, status, text);
    }

    private void writeFinished(int index, String dsn, String statusWord, String text) {
        finishedNow.add(index);
        if (status == null) {
            return;
        }
        try {
            StatusRecords.finished(status, index, dsn, statusWord, text);
        } catch (IOException e) {
            qmgr.log().warning(id() + ": cannot record the status of recipient " + index + ": " + e.getMessage());
        }
    }

    private void writeFailed(int index, long when, String dsn, String text) {
        if (status == null) {
            return;
        }
        try {
            StatusRecords.failed(status, index, when, dsn, text);
        } catch (IOException e) {
            qmgr.log().warning(id() + ": cannot record the status of recipient " + index + ": " + e.getMessage());
        }
    }

    /**
     * finish - after the last request: notices, then remove the message, defer it, or return it to
     * its sender when it is too old.
     */
    private void finish() {
        if (!finishing.compareAndSet(false, true)) {
            qmgr.log().warning(id() + ": delivery pass finished twice; ignoring the second");
            return;
        }
        long now = System.currentTimeMillis();
        QmgrSettings s = routing.settings();
        if (!bounced.isEmpty()) {
            try {
                routing.bounce().failed(file, bounced);
                for (Report r : bounced) {
                    writeFinished(r.recipient().index(), r.dsn(), "bounced", r.text());
                }
            } catch (IOException | RuntimeException e) {
                qmgr.log().warning(id() + ": cannot queue the non-delivery notification: " + e.getMessage()
                        + "; will try again later");
                for (Report r : bounced) {
                    writeFailed(r.recipient().index(), now, r.dsn(), r.text());
                    deferred.put(r.recipient().index(), r);
                }
            }
        }
        if (!delivered.isEmpty()) {
            try {
                routing.bounce().delivered(file, delivered);
            } catch (IOException | RuntimeException e) {
                qmgr.log().warning(id() + ": cannot queue the delivery status notification: " + e.getMessage());
            }
        }
        troubleNotices();
        List<Recipient> remaining = new ArrayList<>();
        for (Recipient r : file.pending()) {
            if (!finishedNow.contains(r.index())) {
                remaining.add(r);
            }
        }
        if (remaining.isEmpty()) {
            remove();
            return;
        }
        long arrival = file.envelope().arrivalMillis();
        long age = Math.max(0, now - arrival);
        boolean bounceMessage = file.envelope().sender().isEmpty() || isDoubleBounce(file.envelope().sender());
        long lifetime = bounceMessage ? s.bounceLifetime() : s.maximalLifetime();
        List<Report> reasons = new ArrayList<>();
        for (Recipient r : remaining) {
            reasons.add(reason(r));
        }
        if (age >= lifetime) {
            qmgr.log().info(id() + ": from=<" + file.envelope().sender() + ">, status=expired, returned to sender");
            try {
                routing.bounce().failed(file, reasons);
                for (Report r : reasons) {
                    writeFinished(r.recipient().index(), r.dsn(), "expired", r.text());
                }
                remove();
                return;
            } catch (IOException | RuntimeException e) {
                qmgr.log().warning(id() + ": cannot queue the non-delivery notification: " + e.getMessage()
                        + "; will try again later");
            }
        } else if (s.delayWarning() > 0 && file.warnedMillis() == 0 && age >= s.delayWarning()) {
            try {
                routing.bounce().delayed(file, reasons, arrival + lifetime);
                if (status != null) {
                    StatusRecords.warned(status, now);
                }
            } catch (IOException | RuntimeException e) {
                qmgr.log().warning(id() + ": cannot queue the delay notification: " + e.getMessage());
            }
        }
        defer(now, Math.min(s.maximalBackoff(), Math.max(s.minimalBackoff(), age)));
    }

    /**
     * troubleNotices - recipients deferred by the mail system's own trouble go to the postmaster
     * when notify_classes says so: "software" (an agent that failed to report), "resource" (4.3.1).
     * A transport missing from master.cf is a configuration matter that Postfix only logs (checked
     * with Postfix 3.7.11 and the default notify_classes): no notice, or every retry would send one.
     */
    private void troubleNotices() {
        List<Report> software = new ArrayList<>();
        List<Report> resource = new ArrayList<>();
        for (Report r : deferred.values()) {
            if (r.text().equals("unknown mail transport error")) {
                software.add(r);
            } else if (r.dsn().equals("4.3.1")) {
                resource.add(r);
            }
        }
        try {
            routing.bounce().trouble(file, software, "software");
            routing.bounce().trouble(file, resource, "resource");
        } catch (IOException | RuntimeException e) {
            qmgr.log().warning(id() + ": cannot queue the postmaster notification: " + e.getMessage());
        }
    }

    /** reason - a remaining recipient's last temporary failure: from this pass, else from the file. */
    private Report reason(Recipient r) {
        Report now = deferred.get(r.index());
        if (now != null) {
            return now;
        }
        QueueFile.Attempt last = file.lastFailure().get(r.index());
        if (last != null) {
            return new Report(r, last.dsn(), "none", last.text());
        }
        return new Report(r, "4.4.7", "none", "delivery time expired");
    }

    private void closeStatus() {
        if (status != null) {
            try {
                status.close();
            } catch (IOException e) {
                // the records were written; closing cannot lose them
            }
            status = null;
        }
    }

    private void remove() {
        // every delivery has ended, so nobody reads through the channel any more: the file is
        // emptied through it (one open less per message), then it is closed
        try {
            qmgr.discard(path, status);
            qmgr.log().info(id() + ": removed");
        } catch (NoSuchFileException e) {
            // postsuper -d was first
        } catch (IOException e) {
            qmgr.log().warning(id() + ": remove " + path + ": " + e.getMessage());
        }
        closeStatus();
        qmgr.done(this);
    }

    /** defer - to the deferred queue, its modification time the next attempt (set before the move). */
    private void defer(long now, long backoff) {
        closeStatus();
        try {
            Files.setLastModifiedTime(path, FileTime.fromMillis(now + backoff));
            qmgr.queue().move(id(), Queue.Dir.ACTIVE, Queue.Dir.DEFERRED);
        } catch (java.nio.file.NoSuchFileException e) {
            // moved away (postsuper -h, -d) while it was being delivered: no longer ours
        } catch (IOException e) {
            qmgr.log().warning(id() + ": cannot move to the deferred queue: " + e.getMessage());
        }
        qmgr.done(this);
    }
}

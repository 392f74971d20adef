package tern.smtpd;

import tern.tables.TableException;

/**
 * Check - one evaluation of one restriction list: the server-wide {@link Checks}, the session's
 * {@link CheckState}, and the list being evaluated (a generic "reject" words its reply after the
 * list it stands in). Restrictions get one and use its helpers to build Postfix's replies.
 */
final class Check {
    final Checks checks;
    final CheckState s;
    final ListKind list;

    Check(Checks checks, CheckState s, ListKind list) {
        this.checks = checks;
        this.s = s;
        this.list = list;
    }

    /** reject - "CODE DSN &lt;what&gt;: Kind rejected: text" about the subject of list kind. */
    Verdict reject(int code, String dsn, ListKind kind, String text) {
        return Verdict.reject(code + " " + dsn + " <" + kind.what(s) + ">: " + kind.rejected + ": " + text);
    }

    /** reject - a reply given whole ("554 5.7.1 <u@x>: Relay access denied"). */
    Verdict rejectWith(String reply) {
        return Verdict.reject(reply);
    }

    boolean inMynetworks() throws TableException {
        return checks.mynetworks().matchesClient(s.clientName, s.clientAddress);
    }

    void warning(String text) {
        checks.log().warning(text);
    }
}

package tern.bounce;

/**
 * Notice - the three kinds of delivery status notification and what differs between them: the
 * subject lines (the same as Postfix's, since people and filters know them), the DSN action, the
 * description of the returned message part, and our own human-readable text. Texts are written
 * for this program in the spirit of Postfix's built-in templates; "$myhostname", "$delay" and
 * "$lifetime" are filled in when the notice is made.
 */
enum Notice {
    FAILURE("Undelivered Mail Returned to Sender", "Postmaster Copy: Undelivered Mail", "failed",
            "Undelivered Message", """
            This is the mail system at host $myhostname.

            Your message could not be delivered to one or more of its
            recipients; the reasons are given below. A copy of the message,
            or of its headers, is attached.

            If you need help, write to postmaster and include this report.
            You may remove your own text from the returned message.

                               The mail system
            """),
    DELAY("Delayed Mail (still being retried)", "Postmaster Warning: Delayed Mail", "delayed",
            "Undelivered Message", """
            This is the mail system at host $myhostname.

            ####################################################################
            #  This is a warning only.  You do not need to resend the message. #
            ####################################################################

            Your message has not yet been delivered to the recipients below,
            after $delay in the queue. The mail system will keep trying until
            the message is $lifetime old, and will let you know if it gives up.

            If you need help, write to postmaster and include this report.

                               The mail system
            """),
    SUCCESS("Successful Mail Delivery Report", null, "delivered", "Message", """
            This is the mail system at host $myhostname.

            Your message was delivered to the destinations listed below.
            Where it went into a mailbox, you will hear nothing more about
            it. Where it was passed on to another system, that system may
            still report problems to you.

                               The mail system
            """);

    final String subject;
    final String postmasterSubject;
    final String action;
    final String attachment;
    final String text;

    Notice(String subject, String postmasterSubject, String action, String attachment, String text) {
        this.subject = subject;
        this.postmasterSubject = postmasterSubject;
        this.action = action;
        this.attachment = attachment;
        this.text = text;
    }
}

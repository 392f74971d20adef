package tern.smtpd;

/**
 * ListKind - the restriction lists of smtpd, each with the words Postfix puts in a reply when a
 * generic restriction (reject, defer, an access table) in it says no: what is quoted between
 * &lt;&gt;, and which "... rejected" it was.
 */
enum ListKind {
    CLIENT("smtpd_client_restrictions", "Client host rejected"),
    HELO("smtpd_helo_restrictions", "Helo command rejected"),
    SENDER("smtpd_sender_restrictions", "Sender address rejected"),
    RELAY("smtpd_relay_restrictions", "Recipient address rejected"),
    RECIPIENT("smtpd_recipient_restrictions", "Recipient address rejected"),
    DATA("smtpd_data_restrictions", "Data command rejected"),
    END_OF_DATA("smtpd_end_of_data_restrictions", "End-of-data rejected"),
    ETRN("smtpd_etrn_restrictions", "Etrn command rejected");

    final String parameter;
    final String rejected;

    ListKind(String parameter, String rejected) {
        this.parameter = parameter;
        this.rejected = rejected;
    }

    /** what - the text between &lt;&gt; in a reply about this list's subject. */
    String what(CheckState s) {
        return switch (this) {
            case CLIENT -> s.namaddr;
            case HELO -> s.helo == null ? "" : s.helo;
            case SENDER -> s.sender == null ? "" : s.sender;
            case RELAY, RECIPIENT -> s.recipient == null ? "" : s.recipient;
            case DATA -> "DATA";
            case END_OF_DATA -> "END-OF-MESSAGE";
            case ETRN -> s.etrnSite == null ? "" : s.etrnSite;
        };
    }
}

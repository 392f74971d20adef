package tern.rewrite;

/**
 * AddressClass - Postfix's address classes (ADDRESS_CLASS_README): how a recipient domain is
 * delivered and which table lists its valid recipients.
 */
public enum AddressClass {
    /** mydestination, or user@[address] of inet_interfaces/proxy_interfaces: local_transport, local_recipient_maps. */
    LOCAL("local"),
    /** virtual_alias_domains: every address must be aliased away; virtual_alias_maps lists them. */
    VIRTUAL_ALIAS("virtual alias"),
    /** virtual_mailbox_domains: virtual_transport, virtual_mailbox_maps. */
    VIRTUAL_MAILBOX("virtual mailbox"),
    /** relay_domains: relay_transport, relay_recipient_maps. */
    RELAY("relay"),
    /** everything else: default_transport, relayhost; no recipient table. */
    DEFAULT("default");

    private final String tableName;

    AddressClass(String tableName) {
        this.tableName = tableName;
    }

    /** tableName - the words in "User unknown in NAME recipient table" / "... in NAME table". */
    public String tableName() {
        return tableName;
    }
}

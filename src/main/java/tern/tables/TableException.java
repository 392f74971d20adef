package tern.tables;

/**
 * TableException - a lookup table could not answer: it could not be opened, its file is broken or
 * foreign, or a lookup failed. The message is fit for a log line as it is (it names the table or
 * the file, and the line where there is one). A caller defers the mail concerned; it never treats
 * the failure as "not found".
 */
public final class TableException extends Exception {
    private static final long serialVersionUID = 1L;

    public TableException(String message) {
        super(message);
    }

    public TableException(String message, Throwable cause) {
        super(message, cause);
    }
}

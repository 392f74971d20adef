package tern.tables;

/**
 * BudgetedSequence - the key as regular expression input, with a limit on how often the engine may
 * read it. java.util.regex backtracks, and a pattern such as "(a+)+$" against a long run of "a"s
 * from mail content takes exponential time; every backtracking step reads a character, so counting
 * reads bounds the work of one match at a small multiple of what any sane pattern needs.
 * Exceeding the budget throws {@link Exhausted}, which the table turns into a lookup error.
 */
final class BudgetedSequence implements CharSequence {
    /** Exhausted - the match took more steps than its budget allows. */
    static final class Exhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exhausted() {
            super("regular expression budget exhausted", null, false, false);
        }
    }

    /** Steps every match may take, plus {@link #PER_CHAR} per character of the key. */
    static final long BASE = 1_000_000;
    static final long PER_CHAR = 2_000;

    private final String text;
    private long left;

    BudgetedSequence(String text) {
        this.text = text;
        this.left = BASE + PER_CHAR * text.length();
    }

    /** reset - a fresh budget for the next pattern. */
    void reset() {
        left = BASE + PER_CHAR * text.length();
    }

    @Override
    public char charAt(int index) {
        if (--left < 0) {
            throw new Exhausted();
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.substring(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}

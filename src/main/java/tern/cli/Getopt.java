package tern.cli;

/**
 * Getopt - POSIX getopt(3) as the Postfix commands use it: options are single letters, may be
 * grouped ("-bh"), an option that takes an argument takes the rest of its word or the next word
 * ("-f user", "-fuser"), a letter followed by "::" takes only the rest of its word when there is
 * one (sendmail's "-q" and "-q5m"), and option processing stops at the first word that is not an option or
 * after "--". Errors are worded as the C library words them ("invalid option -- 'x'", "option
 * requires an argument -- 'f'"); the caller prints them and its own usage line.
 */
final class Getopt {
    /** The end of the options: {@link #next} returns it once only non-options remain. */
    static final char END = '\0';
    /** An error: {@link #error} says which. */
    static final char ERROR = '?';

    private final String[] args;
    private final String spec;
    private int index;
    private int pos;
    private String arg;
    private String error;

    /** @param spec the options, a letter followed by ':' when it takes an argument ("c:fi:jps:v") */
    Getopt(String[] args, String spec) {
        this.args = args;
        this.spec = spec;
    }

    /** next - the next option letter, {@link #END} or {@link #ERROR}. */
    char next() {
        arg = null;
        error = null;
        if (pos == 0) {
            if (index >= args.length) {
                return END;
            }
            String w = args[index];
            if (w.equals("--")) {
                index++;
                return END;
            }
            if (w.length() < 2 || w.charAt(0) != '-') {
                return END;
            }
            pos = 1;
        }
        String w = args[index];
        char c = w.charAt(pos++);
        int at = c == ':' ? -1 : spec.indexOf(c);
        boolean last = pos >= w.length();
        if (at < 0) {
            error = "invalid option -- '" + c + "'";
            advanceIf(last);
            return ERROR;
        }
        boolean wantsArg = at + 1 < spec.length() && spec.charAt(at + 1) == ':';
        boolean optional = wantsArg && at + 2 < spec.length() && spec.charAt(at + 2) == ':';
        if (optional) {
            arg = last ? null : w.substring(pos);
            index++;
            pos = 0;
            return c;
        }
        if (!wantsArg) {
            advanceIf(last);
            return c;
        }
        if (!last) {
            arg = w.substring(pos);
            index++;
            pos = 0;
            return c;
        }
        index++;
        pos = 0;
        if (index >= args.length) {
            error = "option requires an argument -- '" + c + "'";
            return ERROR;
        }
        arg = args[index++];
        return c;
    }

    private void advanceIf(boolean last) {
        if (last) {
            index++;
            pos = 0;
        }
    }

    /** skip - pass over the next word (the value of sendmail's "-o x value"), if there is one. */
    void skip() {
        if (pos == 0 && index < args.length) {
            index++;
        }
    }

    /** arg - the argument of the option just returned. */
    String arg() {
        return arg;
    }

    /** error - what was wrong, after {@link #ERROR}. */
    String error() {
        return error;
    }

    /** rest - the words after the options. */
    String[] rest() {
        String[] r = new String[args.length - index];
        System.arraycopy(args, index, r, 0, r.length);
        return r;
    }
}

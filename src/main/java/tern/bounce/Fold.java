package tern.bounce;

import java.util.ArrayList;
import java.util.List;

/**
 * Fold - long lines in notices folded at spaces, continuation lines indented by four spaces, as
 * Postfix folds its recipient lines and Diagnostic-Code fields (which keeps them valid as header
 * fields in the message/delivery-status part). A word longer than the width stays whole.
 */
final class Fold {
    static final int WIDTH = 76;
    private static final String INDENT = "    ";

    private Fold() {
    }

    static List<String> fold(String line) {
        List<String> out = new ArrayList<>();
        String rest = line;
        String prefix = "";
        while (prefix.length() + rest.length() > WIDTH) {
            int room = WIDTH - prefix.length();
            int cut = rest.lastIndexOf(' ', room);
            if (cut <= 0) {
                cut = rest.indexOf(' ', room);
                if (cut < 0) {
                    break;
                }
            }
            out.add(prefix + rest.substring(0, cut));
            rest = rest.substring(cut + 1);
            prefix = INDENT;
        }
        out.add(prefix + rest);
        return out;
    }
}

package tern.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * MasterCfEditor - postconf -Me, -MX, -M#, -Pe, -PX and -Fe: change master.cf entries, keeping
 * every other line (comments, blank lines, other entries) exactly as written.
 *
 * Each changed entry gets an action: written anew in postconf's folded layout, removed, or
 * commented out line by line. Comment lines inside an entry are kept. As Postfix 3.7 does, an
 * entry replaced with -Me is written where its first line stood, while an entry changed with -P
 * or -F is written where the next entry starts (after the comment and blank lines that follow
 * it). New entries are appended at the end. The file is replaced through master.cf.tmp and a rename.
 *
 * Failure: ConfigException in Postfix's words ("open PATH for reading: ...").
 */
public final class MasterCfEditor {
    /** What happens to one entry. */
    public sealed interface Action permits Replace, Remove, CommentOut {
    }

    /** Replace - write text instead of the entry; deferred: after the lines that follow it. */
    public record Replace(String text, boolean deferred) implements Action {
    }

    /** Remove - drop the entry's lines. */
    public record Remove() implements Action {
    }

    /** CommentOut - prefix each of the entry's lines with "#". */
    public record CommentOut() implements Action {
    }

    private MasterCfEditor() {
    }

    /**
     * edit - rewrite master.cf.
     *
     * @param master   master.cf as read (its path is the file to replace)
     * @param actions  entry index (in {@link MasterCf#entries()}) to action
     * @param appended complete entries (possibly several lines) to add at the end
     */
    public static void edit(MasterCf master, Map<Integer, Action> actions, List<String> appended)
            throws ConfigException {
        // master holds the file as read a moment ago: its lines are written back around the changes.
        TextFile.rewrite(master.path(), text -> apply(master, actions, appended));
    }

    /** apply - the edited text. */
    static String apply(MasterCf master, Map<Integer, Action> actions, List<String> appended) {
        Map<Integer, Integer> entryAt = new HashMap<>();
        List<MasterCf.Entry> entries = master.entries();
        for (int e = 0; e < entries.size(); e++) {
            entryAt.put(entries.get(e).firstLine() - 1, e);
        }
        List<String> lines = master.physicalLines();
        StringBuilder out = new StringBuilder();
        Action current = null;
        String pending = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (TextFile.isCommentOrBlank(line)) {
                out.append(line).append('\n');
                continue;
            }
            Integer e = entryAt.get(i);
            if (e == null) {
                // a continuation line (or a stray indented line, which Postfix also copies)
                if (current == null) {
                    out.append(line).append('\n');
                } else if (current instanceof CommentOut) {
                    out.append('#').append(line).append('\n');
                }
                continue;
            }
            if (pending != null) {
                out.append(pending).append('\n');
                pending = null;
            }
            current = actions.get(e);
            switch (current) {
                case null -> out.append(line).append('\n');
                case Replace r when r.deferred() -> pending = r.text();
                case Replace r -> out.append(r.text()).append('\n');
                case CommentOut c -> out.append('#').append(line).append('\n');
                case Remove r -> {
                }
            }
        }
        if (pending != null) {
            out.append(pending).append('\n');
        }
        for (String a : appended) {
            out.append(a).append('\n');
        }
        return out.toString();
    }
}

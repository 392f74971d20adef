#!/bin/sh
# make-golden.sh - regenerate expected/ by running the cases with real Postfix (3.7) postmap,
# postalias and newaliases, on a machine where Postfix is installed. TableCommandGoldenTest runs
# the same cases with Tern's commands and compares. Paths are written as @DIR@; YP_LAST_MODIFIED
# values as NNNNNNNNNN (a time stamp).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/tern-golden.XXXXXX)
cp "$here"/in/* "$work"/
mkdir "$work/etc"
printf 'compatibility_level = 3.6\nmyhostname = mx.example.test\nalias_database = hash:%s/al3\n' "$work" \
    > "$work/etc/main.cf"
rm -rf "$here/expected"
mkdir "$here/expected"
grep -v '^#' "$here/cases" | grep -v '^$' | while IFS='|' read -r id opts cmd; do
    id=$(echo "$id" | tr -d ' ')
    cmd=$(echo "$cmd" | sed "s#@DIR@#$work#g; s/^ *//")
    prog=${cmd%% *}
    rest=""
    [ "$prog" != "$cmd" ] && rest=${cmd#* }
    if [ "$prog" = newaliases ]; then conf="-C $work/etc"; else conf="-c $work/etc"; fi
    set +e
    (cd "$work" && sh -c "$prog $conf $rest" > "$work/.out" 2> "$work/.err")
    rc=$?
    set -e
    { echo "rc=$rc"; echo "--- stdout"; cat "$work/.out"; echo "--- stderr"; cat "$work/.err"; } \
        | sed "s#$work#@DIR@#g; s/YP_LAST_MODIFIED:\t[0-9]*/YP_LAST_MODIFIED:\tNNNNNNNNNN/" > "$here/expected/$id"
done
rm -rf "$work"

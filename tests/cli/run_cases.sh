# run_cases.sh - sourced by check.sh: `memkit run` and `memkit report` where the outputs cannot go:
# a reader that closed the shared pipe, an output location that does not exist or is read-only,
# a disk that fills up. Uses check.sh's ok/bad/expect_eq, $MEMKIT and $tmp.

CC=${CC:-cc}
RUN_OK=
if ! $CC -O1 -g -o "$tmp/pipe_writer" tests/cli/progs/pipe_writer.c; then
    bad "build tests/cli/progs/pipe_writer.c"
elif ! "$MEMKIT" run --format text -- true 2>&1 | grep -q '^Total:'; then
    skip "memkit run cases: memkit run wrote no profile here (LD_PRELOAD not usable?)"
else
    RUN_OK=yes
fi

# The reader of memkit's stderr leaves (`2>&1 | head -2`). A program that ignores SIGPIPE ends with
# its own status; memkit must still write the DHAT file, keep that status and remove its directory.
# memkit's private directory is on /dev/shm (else under $TMPDIR): to see what is left there, these
# runs get a /dev/shm of their own in a private mount namespace when that is allowed.
SHM_NS=
unshare -m sh -c 'mount -t tmpfs tmpfs /dev/shm' 2>/dev/null && SHM_NS=yes
private_shm() { # private_shm SCRIPT: sh -c SCRIPT; then "$tmp/left" lists what is left in memkit's place
    if [ -n "$SHM_NS" ]; then
        unshare -m sh -c "mount -t tmpfs tmpfs /dev/shm && { $1; }; ls -A /dev/shm >'$tmp/left'"
    else
        sh -c "$1"; echo "(not checked)" >"$tmp/left"
    fi
}
left_empty() { # left_empty WHAT
    if [ -z "$SHM_NS" ]; then echo "  skip $1 (no private mount namespace for /dev/shm)"
    else expect_eq "$1" "$(cat "$tmp/left")" ""; fi
}
if [ -n "$RUN_OK" ]; then
    private_shm "('$MEMKIT' run -o '$tmp/pipe.json' -- '$tmp/pipe_writer' ignore 2>&1; echo \$? >'$tmp/st') | head -2 >'$tmp/head'"
    expect_eq "run 2>&1 | head: the program's status" "$(cat "$tmp/st")" 3
    expect_eq "run 2>&1 | head: head saw the program's lines" "$(cat "$tmp/head" | tr '\n' ' ')" "line line "
    if [ -s "$tmp/pipe.json" ] && "$MEMKIT" report "$tmp/pipe.json" | grep -q '^At t-end:  200 bytes in 1 blocks'; then ok
    else bad "run 2>&1 | head: the DHAT file is written whole"; fi
    left_empty "run 2>&1 | head: no private directory left"

    # A program that the closed pipe kills: its death is passed through (memkit dies of SIGPIPE
    # too, 141), after memkit has written what it could and removed its directory.
    private_shm "('$MEMKIT' run -o '$tmp/pipe2.json' -- '$tmp/pipe_writer' 2>&1; echo \$? >'$tmp/st') | head -2 >/dev/null"
    expect_eq "run 2>&1 | head, the program dies of SIGPIPE: passed through" "$(cat "$tmp/st")" 141
    left_empty "run 2>&1 | head, the program dies of SIGPIPE: no private directory left"
fi

# memkit report into a pipe whose reader is already gone: quiet, status 0, as if it had read it all.
[ -n "$RUN_OK" ] && "$MEMKIT" run --format dhat -o "$tmp/rep.json" -- "$tmp/pipe_writer" quiet 2>/dev/null
if [ -n "$RUN_OK" ] && [ ! -s "$tmp/rep.json" ]; then
    bad "memkit run --format dhat wrote no $tmp/rep.json"
elif [ -n "$RUN_OK" ] && command -v python3 >/dev/null; then
    closed_pipe() { # closed_pipe CMD...: runs CMD with stdout and stderr on a pipe nobody reads; prints its status
        python3 -c 'import os, subprocess, sys
r, w = os.pipe(); os.close(r)
print(subprocess.run(sys.argv[1:], stdout=w, stderr=w).returncode)' "$@"
    }
    expect_eq "report into a closed pipe: status 0" "$(closed_pipe "$MEMKIT" report --top 0 "$tmp/rep.json")" 0
    expect_eq "report --format dhat,folded into a closed pipe: status 0" \
        "$(closed_pipe "$MEMKIT" report --format text,folded,dhat "$tmp/rep.json")" 0
    "$MEMKIT" report "$tmp/rep.json" >/dev/full 2>"$tmp/err"
    expect_eq "report to a full disk: status 1" "$?" 1
    grep -q "writing the report failed" "$tmp/err" && ok || bad "report to a full disk: message: $(cat "$tmp/err")"
fi

# An output location that cannot be written is found before the program runs: one line, status 2.
for o in /nonexistent/dir/x.json "$tmp/rep.json/x.json" "$tmp"; do
    "$MEMKIT" run -o "$o" -- sh -c "echo ran >'$tmp/ran'" >"$tmp/out" 2>&1
    st=$?
    expect_eq "run -o $o: status" "$st" 2
    expect_eq "run -o $o: one line" "$(wc -l <"$tmp/out" | tr -d ' ')" 1
    grep -q "^memkit run: cannot write the profile to $o" "$tmp/out" && ok || bad "run -o $o: message: $(cat "$tmp/out")"
    [ -e "$tmp/ran" ] && bad "run -o $o: the program ran" || ok
    rm -f "$tmp/ran"
done
# A read-only directory: as root, checked as nobody when setpriv is there.
mkdir -p "$tmp/rodir"
chmod 555 "$tmp/rodir"
abs=$(cd "$(dirname "$MEMKIT")" && pwd)/$(basename "$MEMKIT")
if [ "$(id -u)" -ne 0 ]; then
    "$abs" run -o "$tmp/rodir/x.json" -- true >"$tmp/out" 2>&1
    expect_eq "run -o into a read-only directory: status" "$?/$(wc -l <"$tmp/out" | tr -d ' ')" "2/1"
elif command -v setpriv >/dev/null 2>&1; then
    chmod 755 "$tmp"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$abs" run -o "$tmp/rodir/x.json" -- true >"$tmp/out" 2>&1
    expect_eq "run -o into a read-only directory: status" "$?/$(wc -l <"$tmp/out" | tr -d ' ')" "2/1"
    grep -q "rodir: Permission denied" "$tmp/out" && ok || bad "run -o into a read-only directory: message: $(cat "$tmp/out")"
else
    echo "  skip read-only directory (root without setpriv)"
fi
# A read-only and a full file system: a small tmpfs in a private mount namespace, when allowed.
if [ -n "$RUN_OK" ] && unshare -m true 2>/dev/null && unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$tmp/rodir'" 2>/dev/null; then
    mkdir -p "$tmp/keep"
    unshare -m sh -c "mount -t tmpfs -o size=64k,ro tmpfs '$tmp/rodir' && '$abs' run -o '$tmp/rodir/x.json' -- sh -c 'echo ran >$tmp/ran'" >"$tmp/out" 2>&1
    expect_eq "run -o on a read-only file system: status, one line" "$?/$(wc -l <"$tmp/out" | tr -d ' ')" "2/1"
    grep -q "Read-only file system" "$tmp/out" && [ ! -e "$tmp/ran" ] && ok || bad "run -o on a read-only file system: $(cat "$tmp/out")"
    # Full: the check passes, the write fails at the end; the raw profile stays, the status is the program's.
    unshare -m sh -c "mount -t tmpfs -o size=8k tmpfs '$tmp/rodir' && { dd if=/dev/zero of='$tmp/rodir/fill' bs=1k count=64 2>/dev/null; true; } &&
        TMPDIR='$tmp/keep' '$abs' run --format dhat -o '$tmp/rodir/x.json' -- '$tmp/pipe_writer' quiet >/dev/null 2>'$tmp/out'; echo \$? >'$tmp/st'; ls -A '$tmp/rodir' >'$tmp/ls'"
    expect_eq "run -o on a full file system: the program's status" "$(cat "$tmp/st")" 3
    grep -q "writing $tmp/rodir/x.json failed: No space left on device" "$tmp/out" && ok || bad "full file system: message: $(cat "$tmp/out")"
    expect_eq "full file system: the partial DHAT file is removed" "$(cat "$tmp/ls")" fill
    raw=$(sed -n 's/^memkit: the raw profile is kept in \([^;]*\); render it with `memkit report --format dhat .*/\1/p' "$tmp/out")
    if [ -n "$raw" ] && [ -f "$raw" ] && "$MEMKIT" report --format dhat "$raw" >"$tmp/kept.json" &&
        "$MEMKIT" report "$tmp/kept.json" | grep -q '^At t-end:  200 bytes in 1 blocks'; then ok
    else bad "full file system: the kept raw profile renders with memkit report: $(cat "$tmp/out")"; fi
    [ -n "$raw" ] && [ -f "$raw" ] && rm -rf "$(dirname "$raw")"
else
    echo "  skip read-only and full file systems (cannot mount a tmpfs in a private namespace here)"
fi
# /dev/full as the DHAT file: the same end, without a mount.
if [ -n "$RUN_OK" ]; then
    mkdir -p "$tmp/keep2"
    TMPDIR="$tmp/keep2" "$MEMKIT" run --format dhat -o /dev/full -- "$tmp/pipe_writer" quiet >/dev/null 2>"$tmp/out"
    expect_eq "run -o /dev/full: the program's status" "$?" 3
    raw=$(sed -n 's/^memkit: the raw profile is kept in \([^;]*\); render it with .*/\1/p' "$tmp/out")
    [ -n "$raw" ] && [ -f "$raw" ] && ok || bad "run -o /dev/full: raw kept and named: $(cat "$tmp/out")"
    [ -n "$raw" ] && rm -rf "$(dirname "$raw")" # memkit's private directory, left on purpose
fi

# A library loaded through its soname link is named by the file itself, as valgrind names it.
if [ -n "$RUN_OK" ]; then
    mkdir -p "$tmp/lib"
    if $CC -O1 -shared -fPIC -Wl,-soname,libsolib.so.1 -o "$tmp/lib/libsolib.so.1.0" tests/cli/progs/solib.c &&
        ln -sf libsolib.so.1.0 "$tmp/lib/libsolib.so.1" && ln -sf libsolib.so.1 "$tmp/lib/libsolib.so" &&
        $CC -O1 -g -o "$tmp/solib_main" tests/cli/progs/solib_main.c -L"$tmp/lib" -lsolib -Wl,-rpath,"$tmp/lib"; then
        "$MEMKIT" run --format text -- "$tmp/solib_main" >/dev/null 2>"$tmp/out"
        if grep -q ": solib_alloc (in $tmp/lib/libsolib.so.1.0)\$" "$tmp/out"; then ok
        else bad "a library through its soname link: named by its file: $(grep solib_alloc "$tmp/out")"; fi
        # The count says what it counts: threads that called the allocator.
        grep -q '^Frees:     .*, threads that allocated: 1$' "$tmp/out" && ok || bad "threads that allocated: $(grep '^Frees' "$tmp/out")"
    else
        bad "build tests/cli/progs/solib.c and solib_main.c"
    fi
fi

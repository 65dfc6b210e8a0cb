# io.sh: parallel HDF5 write and read speed of a 512^3 float64 field (1 GiB) at 2 ranks, as ratios to dd writing and
# reading the same number of bytes on the same disk. Writes go to the page cache for both (no fsync: what a solver's
# output costs it); reads are from the disk for both when this user may drop the page cache (root: the file's pages are
# dropped before each read), otherwise from the page cache (then said in the JSON). The best of IO_REPS (3) rounds;
# otmpi's times are its -log_view events OTH5Write / OTH5Read of `otmpi convert` (the collective transfer itself). Every
# operation starts with the page cache synced (and dropped when allowed), so no write is throttled by an earlier one's
# dirty pages. Two more baselines: raw POSIX slabs (tests/bench/io_raw.c: each rank pwrite/preads its slab of the same
# bytes from/into its own array, 1 MiB calls: the floor with no library, which dd's one reused 1 MiB buffer is not) and
# h5py (serial HDF5) reading the same dataset into memory. Writes JSON to $1.
# shellcheck shell=bash
set -eu
source "$OTMPI_TOP/tests/lib/common.sh"
N=${IO_N:-512}
REPS=${IO_REPS:-3}
bytes=$((N * N * N * 8))
mpicc -O2 "$OTMPI_TOP/tests/bench/io_raw.c" -o io_raw
mpiexec -n 2 "$OTMPI" gen -shape uniform -n "$N,$N,$N" -o big.h5 -quiet </dev/null >/dev/null
cold=0
drop() { sync && echo 1 >/proc/sys/vm/drop_caches 2>/dev/null; }
drop && cold=1
ddt() { { dd "$@" bs=1M 2>&1 >/dev/null; } | awk '/copied/ { print $(NF-3) }'; }
: >times.txt
clean() { sync && { ((!cold)) || drop; }; }
for _ in $(seq "$REPS"); do
  rm -f big2.h5 dd.bin
  clean
  mpiexec -n 2 "$OTMPI" convert big.h5 -o big2.h5 -log_view :conv.log -quiet </dev/null >/dev/null
  clean
  dw=$(ddt if=/dev/zero of=dd.bin count=$((bytes / 1048576)))
  clean
  dr=$(ddt if=dd.bin of=/dev/null)
  clean
  rw=$(mpiexec -n 2 ./io_raw raw.bin "$bytes" write </dev/null)
  clean
  rr=$(mpiexec -n 2 ./io_raw raw.bin "$bytes" read </dev/null)
  rm -f raw.bin
  clean
  hr=$($PY -c "import time, h5py; t = time.perf_counter(); h5py.File('big.h5', 'r')['density'][...]; print(time.perf_counter() - t)")
  echo "$(log_event OTH5Write conv.log) $(log_event OTH5Read conv.log) $dw $dr $hr $rw $rr" >>times.txt
done
$PY - "$1" "$bytes" "$cold" "$N" <<'PY'
import json, sys
out, b, cold = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
t = [[float(x) for x in l.split()] for l in open("times.txt")]
tw, tr, dw, dr, hr, rw, rr = (min(r[i] for r in t) for i in range(7))
res = {"grid": [int(sys.argv[4])] * 3, "bytes": b, "ranks": 2, "rounds": len(t),
       "reads": "from disk (page cache dropped before each read)" if cold else "from the page cache (could not drop it)",
       "writes": "to the page cache (no fsync), both",
       "otmpi_write_s": tw, "otmpi_read_s": tr, "dd_write_s": dw, "dd_read_s": dr,
       "otmpi_write_GBps": b / tw / 1e9, "otmpi_read_GBps": b / tr / 1e9,
       "dd_write_GBps": b / dw / 1e9, "dd_read_GBps": b / dr / 1e9,
       "write_ratio_to_dd": dw / tw, "read_ratio_to_dd": dr / tr,
       "h5py_read_s": hr, "read_speedup_over_h5py": hr / tr,
       "raw_posix_write_s": rw, "raw_posix_read_s": rr, "write_ratio_to_raw_posix": rw / tw, "read_ratio_to_raw_posix": rr / tr,
       "all_rounds_s": t, "command": "make bench B=io"}
json.dump(res, open(out, "w"), indent=1)
print(json.dumps(res, indent=1))
PY

# io.sh: parallel HDF5 write and read speed of a 512^3 float64 field (1 GiB) at 2 ranks, as ratios to dd writing and
# reading the same number of bytes on the same disk (both through the page cache, no fsync). Writes JSON to $1.
set -eu
source "$OTMPI_TOP/tests/lib/common.sh"
N=${IO_N:-512}
bytes=$((N * N * N * 8))
mpiexec -n 2 "$OTMPI" gen -shape uniform -n $N,$N,$N -o big.h5 -log_view :gen.log -quiet </dev/null
mpiexec -n 2 "$OTMPI" convert big.h5 -o big2.h5 -log_view :conv.log -quiet </dev/null
evt() { awk -v e="$1" '$1 == e { print $4; exit }' "$2"; }
t_write=$(evt OTH5Write conv.log)
t_read=$(evt OTH5Read conv.log)
dd_w=$( { dd if=/dev/zero of=dd.bin bs=1M count=$((bytes / 1048576)) 2>&1 >/dev/null; } | awk '/copied/ { print $(NF-3) }')
dd_r=$( { dd if=dd.bin of=/dev/null bs=1M 2>&1 >/dev/null; } | awk '/copied/ { print $(NF-3) }')
$PY - "$1" <<PY
import json, sys
b = $bytes
tw, tr, dw, dr = float("$t_write"), float("$t_read"), float("$dd_w"), float("$dd_r")
res = {"grid": [$N] * 3, "bytes": b, "ranks": 2,
       "otmpi_write_s": tw, "otmpi_read_s": tr, "dd_write_s": dw, "dd_read_s": dr,
       "otmpi_write_GBps": b / tw / 1e9, "otmpi_read_GBps": b / tr / 1e9,
       "dd_write_GBps": b / dw / 1e9, "dd_read_GBps": b / dr / 1e9,
       "write_ratio_to_dd": (b / tw) / (b / dw), "read_ratio_to_dd": (b / tr) / (b / dr),
       "command": "make bench B=io"}
json.dump(res, open(sys.argv[1], "w"), indent=1)
print(json.dumps(res, indent=1))
PY

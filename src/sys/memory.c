/* memory.c: memory estimates against what the node (or its cgroup, e.g. a Slurm --mem limit) can give, before allocating. */
#include <otmpi/otsys.h>
#include "sysimpl.h"
#include <sys/resource.h>

static double ReadMemAvailable(void)
{
  FILE  *f = fopen("/proc/meminfo", "r");
  char   line[256];
  double kb = -1;

  if (!f) return -1;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  }
  fclose(f);
  return kb < 0 ? -1 : kb * 1024.0;
}

/* Headroom of the cgroup this process runs in (cgroup v2, then v1); -1 when unlimited or unknown. */
static double ReadCgroupHeadroom(void)
{
  const char *limits[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
  const char *usages[] = {"/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory/memory.usage_in_bytes"};

  for (int i = 0; i < 2; i++) {
    FILE  *f   = fopen(limits[i], "r");
    double lim = -1, use = 0;
    char   buf[64];

    if (!f) continue;
    if (fgets(buf, sizeof buf, f) && strncmp(buf, "max", 3)) lim = atof(buf);
    fclose(f);
    if (lim <= 0 || lim > 1e18) return -1;
    f = fopen(usages[i], "r");
    if (f) {
      if (fgets(buf, sizeof buf, f)) use = atof(buf);
      fclose(f);
    }
    return lim - use;
  }
  return -1;
}

PetscErrorCode OTFormatBytes(double b, char s[], size_t len)
{
  PetscFunctionBegin;
  if (b >= 1024.0 * 1024 * 1024)
    snprintf(s, len, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024)
    snprintf(s, len, "%.1f MiB", b / (1024.0 * 1024));
  else
    snprintf(s, len, "%.0f KiB", b / 1024.0);
  PetscFunctionReturn(0);
}

/* "512MiB", "2G", "1e9": ok is false when the text is not a size (the caller reports it on its communicator). */
PetscErrorCode OTParseBytes(const char s[], double *bytes, PetscBool *ok)
{
  char  *end;
  double v;

  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  v   = strtod(s, &end);
  if (end == s || !(v >= 0)) PetscFunctionReturn(0);
  while (*end == ' ') end++;
  if (*end == 'K' || *end == 'k')
    v *= 1024.0, end++;
  else if (*end == 'M' || *end == 'm')
    v *= 1024.0 * 1024, end++;
  else if (*end == 'G' || *end == 'g')
    v *= 1024.0 * 1024 * 1024, end++;
  else if (*end == 'T' || *end == 't')
    v *= 1024.0 * 1024 * 1024 * 1024, end++;
  if (*end == 'i') end++;
  if (*end == 'B' || *end == 'b') end++;
  if (*end) PetscFunctionReturn(0);
  *bytes = v;
  *ok    = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Memory this node can give to the ranks of comm that share it: the smaller of MemAvailable and the cgroup headroom, or
   -memory_limit (per node) when given. The answer is the minimum over nodes, the same on every rank. */
PetscErrorCode OTMemoryAvailable(MPI_Comm comm, double *avail)
{
  char      buf[64];
  PetscBool set;
  double    a, c;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-memory_limit", buf, sizeof buf, &set));
  if (set) {
    PetscBool ok;
    PetscCall(OTParseBytes(buf, &a, &ok));
    PetscCheck(ok, comm, PETSC_ERR_ARG_WRONG, "-memory_limit: cannot read a size from '%s' (e.g. 512MiB, 2GiB, 1e9)", buf);
  } else {
    a = ReadMemAvailable();
    c = ReadCgroupHeadroom();
    if (c > 0 && (a < 0 || c < a)) a = c;
    if (a < 0) a = 1e300;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &a, 1, MPI_DOUBLE, MPI_MIN, comm));
  *avail = a;
  PetscFunctionReturn(0);
}

/* Collective. bytes is this rank's estimate; the ranks of one node are added up and compared with that node's memory. */
PetscErrorCode OTMemoryCheck(MPI_Comm comm, double bytes, const char what[])
{
  MPI_Comm    node;
  PetscMPIInt nsize;
  double      need, avail, worst;
  char        sneed[32], savail[32], sper[32];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nsize));
  PetscCallMPI(MPI_Allreduce(&bytes, &need, 1, MPI_DOUBLE, MPI_SUM, node));
  PetscCallMPI(MPI_Comm_free(&node));
  PetscCall(OTMemoryAvailable(comm, &avail));
  /* the node that needs most decides (nodes are assumed alike; avail is already the smallest over nodes) */
  PetscCallMPI(MPI_Allreduce(&need, &worst, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscCall(OTFormatBytes(worst, sneed, sizeof sneed));
  PetscCall(OTFormatBytes(avail, savail, sizeof savail));
  PetscCall(OTFormatBytes(bytes, sper, sizeof sper));
  PetscCall(PetscInfo(NULL, "%s: needs %s per node (%s on this rank), %s available\n", what, sneed, sper, savail));
  PetscCheck(worst <= avail, comm, PETSC_ERR_MEM, "%s needs %s, %s available (%d ranks per node; -memory_limit overrides the limit)", what, sneed, savail,
             (int) nsize);
  PetscFunctionReturn(0);
}

/* Largest resident set of any rank so far (bytes). */
PetscErrorCode OTMemoryPeak(MPI_Comm comm, double *peak)
{
  struct rusage ru;
  double        p;

  PetscFunctionBegin;
  getrusage(RUSAGE_SELF, &ru);
  p = (double) ru.ru_maxrss * 1024.0;
  PetscCallMPI(MPI_Allreduce(&p, peak, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

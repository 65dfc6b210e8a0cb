/* h5.c: OTH5, collective parallel-HDF5 files: hyperslab datasets, attributes, atomic commit (temporary name + rename). */
#include <otmpi/otio.h>
#include "../sys/sysimpl.h"
#include <otmpi/otlog.h>
#include "xdmf.h"
#include <hdf5.h>
#include <errno.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/stat.h>
#include <fcntl.h>

/* HDF5 calls return negative values on failure; otmpi turns them into PETSc errors with the file named. */
#define OTCallH5(f, call, ...)                                                    \
  do {                                                                            \
    if (PetscUnlikely((call) < 0)) SETERRQ((f)->comm, OT_ERR_INPUT, __VA_ARGS__); \
  } while (0)

static PetscErrorCode WriteAttribute(OTH5, const char[], const char[], OTDataType, PetscInt, const void *, PetscBool);

struct _p_OTH5 {
  MPI_Comm  comm;
  hid_t     fid;
  PetscBool write, guarded; /* guarded: a read handle, under the input guard from open to close */
  char      path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 32];
  OTXdmf    xdmf;
};

static hid_t MemType(OTDataType t)
{
  return t == OT_DOUBLE ? H5T_NATIVE_DOUBLE : (t == OT_INT32 ? H5T_NATIVE_INT32 : H5T_NATIVE_INT64);
}

static hid_t FileType(OTDataType t)
{
  return t == OT_DOUBLE ? H5T_IEEE_F64LE : (t == OT_INT32 ? H5T_STD_I32LE : H5T_STD_I64LE);
}

static PetscErrorCode FileAccessList(MPI_Comm comm, hid_t *fapl)
{
  PetscFunctionBegin;
  *fapl = H5Pcreate(H5P_FILE_ACCESS);
  PetscCheck(*fapl >= 0, comm, PETSC_ERR_LIB, "H5Pcreate failed");
  PetscCheck(H5Pset_fapl_mpio(*fapl, comm, MPI_INFO_NULL) >= 0, comm, PETSC_ERR_LIB, "H5Pset_fapl_mpio failed");
  /* metadata is read by one rank and broadcast, written collectively: no metadata storms at scale */
  PetscCheck(H5Pset_all_coll_metadata_ops(*fapl, 1) >= 0, comm, PETSC_ERR_LIB, "H5Pset_all_coll_metadata_ops failed");
  PetscCheck(H5Pset_coll_metadata_write(*fapl, 1) >= 0, comm, PETSC_ERR_LIB, "H5Pset_coll_metadata_write failed");
  PetscFunctionReturn(0);
}

PetscErrorCode OTOutputCheckPath(MPI_Comm comm, const char path[], const char option[])
{
  PetscMPIInt rank;
  int         err = 0; /* 1: no directory, 2: not writable, 3: path is a directory, 4: empty */
  char        dir[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscStrncpy(dir, path, sizeof dir));
  if (!rank) {
    struct stat st;
    char       *d = dirname(dir);
    if (!path[0])
      err = 4;
    else if (!stat(path, &st) && S_ISDIR(st.st_mode))
      err = 3;
    else if (stat(d, &st) || !S_ISDIR(st.st_mode))
      err = 1;
    else {
      /* access() says yes to root even on read-only file systems: create and remove a probe file instead */
      char probe[PETSC_MAX_PATH_LEN + 64];
      int  fd;
      snprintf(probe, sizeof probe, "%s/.otmpi-probe-%ld", d, (long) getpid());
      fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
      if (fd < 0)
        err = 2;
      else {
        close(fd);
        unlink(probe);
      }
    }
    if (err == 1 || err == 2) PetscCall(PetscStrncpy(dir, d, sizeof dir));
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, comm));
  PetscCheck(err != 4, comm, PETSC_ERR_ARG_WRONG, "%s: empty output path", option);
  PetscCheck(err != 3, comm, PETSC_ERR_ARG_WRONG, "%s %s: is a directory, not a file name", option, path);
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_OPEN, "%s %s: directory %s does not exist", option, path, dir);
  PetscCheck(err != 2, comm, PETSC_ERR_FILE_OPEN, "%s %s: directory %s is not writable", option, path, dir);
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5Create(MPI_Comm comm, const char path[], OTH5 *file)
{
  OTH5  f;
  hid_t fapl;
  long  pid = (long) getpid();

  PetscFunctionBegin;
  PetscCall(OTOutputCheckPath(comm, path, "output"));
  PetscCall(PetscNew(&f));
  f->comm  = comm;
  f->write = PETSC_TRUE;
  PetscCall(PetscStrncpy(f->path, path, sizeof f->path));
  /* the temporary name is rank 0's: all ranks must agree on it */
  PetscCallMPI(MPI_Bcast(&pid, 1, MPI_LONG, 0, comm));
  snprintf(f->tmp, sizeof f->tmp, "%s.tmp%ld", path, pid);
  PetscCall(OTCleanupRegister(f->tmp));
  PetscCall(FileAccessList(comm, &fapl));
  f->fid = H5Fcreate(f->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  PetscCheck(f->fid >= 0, comm, PETSC_ERR_FILE_OPEN, "cannot create %s (%s)", path, strerror(errno));
  PetscCall(OTXdmfCreate(&f->xdmf));
  PetscCall(OTH5WriteAttributeString(f, "/", "command", OTGetCommandLine()));
  PetscCall(OTH5WriteAttributeString(f, "/", "otmpi_version", OTVersion()));
  *file = f;
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5Open(MPI_Comm comm, const char path[], OTH5 *file)
{
  OTH5        f;
  hid_t       fapl;
  PetscMPIInt rank;
  int         err = 0; /* 1: missing, 2: unreadable, 3: not HDF5, 4: directory */

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(OTInputGuardPush(path));
  if (!rank) {
    struct stat st;
    if (stat(path, &st))
      err = 1;
    else if (S_ISDIR(st.st_mode))
      err = 4;
    else if (access(path, R_OK))
      err = 2;
    else if (H5Fis_hdf5(path) <= 0)
      err = 3;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) PetscCall(OTInputGuardPop());
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_OPEN, "%s: no such file", path);
  PetscCheck(err != 4, comm, PETSC_ERR_FILE_OPEN, "%s: is a directory", path);
  PetscCheck(err != 2, comm, PETSC_ERR_FILE_READ, "%s: cannot read the file (permission denied)", path);
  PetscCheck(err != 3, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file", path);
  PetscCall(PetscNew(&f));
  f->comm = comm;
  PetscCall(PetscStrncpy(f->path, path, sizeof f->path));
  PetscCall(FileAccessList(comm, &fapl));
  f->fid = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (f->fid < 0) {
    PetscCall(PetscFree(f));
    PetscCall(OTInputGuardPop());
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open the HDF5 file (truncated or corrupt?)", path);
  }
  f->guarded = PETSC_TRUE;
  *file      = f;
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5GetPath(OTH5 f, const char **path)
{
  PetscFunctionBegin;
  *path = f->path;
  PetscFunctionReturn(0);
}

/* Closes a file: a read file simply; a write file that was not committed is discarded (its temporary file removed). */
PetscErrorCode OTH5Close(OTH5 *file)
{
  OTH5 f = *file;

  PetscFunctionBegin;
  if (!f) PetscFunctionReturn(0);
  if (f->fid >= 0) H5Fclose(f->fid);
  if (f->guarded) PetscCall(OTInputGuardPop());
  if (f->write) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
    if (!rank) (void) unlink(f->tmp);
    PetscCall(OTCleanupUnregister(f->tmp));
  }
  PetscCall(OTXdmfDestroy(&f->xdmf));
  PetscCall(PetscFree(*file));
  PetscFunctionReturn(0);
}

/* Rows [start, start + count) of `total` split evenly over the ranks. */
static void EvenRows(MPI_Comm comm, ptrdiff_t total, ptrdiff_t *start, ptrdiff_t *count)
{
  PetscMPIInt rank, size;
  ptrdiff_t   per;

  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  per    = (total + size - 1) / size;
  *start = PetscMin(total, per * rank);
  *count = PetscMax(0, PetscMin(total, *start + per) - *start);
}

/* The vertices of the grid (x fastest: the last array axis is x, the first z in 3-D and y in 2-D, as the sidecar). */
static PetscErrorCode WriteExplicitPoints(OTH5 f, PetscInt dim, const ptrdiff_t n[], const double h[], const double o[])
{
  ptrdiff_t m[3], np, ps, pc, gd[2], st[2] = {0, 0}, ct[2];
  double   *pts;

  PetscFunctionBegin;
  for (int k = 0; k < 3; k++) m[k] = k < dim ? n[k] + 1 : 1;
  np = m[0] * m[1] * m[2];
  EvenRows(f->comm, np, &ps, &pc);
  PetscCall(PetscMalloc1(3 * pc + 1, &pts));
  for (ptrdiff_t p = 0; p < pc; p++) {
    ptrdiff_t q = ps + p, ijk[3] = {q / (m[1] * m[2]), (q / m[2]) % m[1], q % m[2]};
    for (int c = 0; c < 3; c++) pts[3 * p + c] = c < dim ? o[dim - 1 - c] + (double) ijk[dim - 1 - c] * h[dim - 1 - c] : 0;
  }
  gd[0] = np;
  gd[1] = 3;
  st[0] = ps;
  ct[0] = pc;
  ct[1] = 3;
  PetscCall(OTH5WriteArray(f, "/xdmf/points", OT_DOUBLE, 2, gd, st, ct, pts));
  PetscCall(PetscFree(pts));
  PetscFunctionReturn(0);
}

/* The cells as vertex lists (hexahedra, quadrilaterals or segments), in C order of the cells. */
static PetscErrorCode WriteExplicitCells(OTH5 f, PetscInt dim, const ptrdiff_t n[])
{
  ptrdiff_t m[3], nc = n[0] * n[1] * n[2], cs, cc, gd[2], st[2] = {0, 0}, ct[2];
  int       nv = dim == 3 ? 8 : (dim == 2 ? 4 : 2);
  /* corner offsets (axis 0, 1, 2) of each vertex, in the orientation VTK expects */
  const int h8[8][3] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, 0}, {1, 0, 0}, {1, 0, 1}, {1, 1, 1}, {1, 1, 0}};
  const int q4[4][3] = {{0, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 0, 0}}, s2[2][3] = {{0, 0, 0}, {1, 0, 0}};
  int64_t  *cells;

  PetscFunctionBegin;
  for (int k = 0; k < 3; k++) m[k] = k < dim ? n[k] + 1 : 1;
  EvenRows(f->comm, nc, &cs, &cc);
  PetscCall(PetscMalloc1(cc * nv + 1, &cells));
  for (ptrdiff_t c = 0; c < cc; c++) {
    ptrdiff_t q = cs + c, i = q / (n[1] * n[2]), j = (q / n[2]) % n[1], k = q % n[2];
    for (int a = 0; a < nv; a++) {
      const int *d      = dim == 3 ? h8[a] : (dim == 2 ? q4[a] : s2[a]);
      cells[nv * c + a] = (int64_t) (((i + d[0]) * m[1] + (j + d[1])) * m[2] + (k + d[2]));
    }
  }
  gd[0] = nc;
  gd[1] = nv;
  st[0] = cs;
  ct[0] = cc;
  ct[1] = nv;
  PetscCall(OTH5WriteArray(f, "/xdmf/cells", OT_INT64, 2, gd, st, ct, cells));
  PetscCall(PetscFree(cells));
  PetscFunctionReturn(0);
}

/* An HDF5 virtual dataset `vname` showing dataset `src` (no copy): frame < 0 the whole field, else its slice `frame`
   along axis 0; `flat` gives one row per cell (ncomp columns when ncomp > 1), else the field's own shape. */
static PetscErrorCode CreateView(OTH5 f, const char vname[], const char src[], PetscInt ncomp, PetscInt frame, PetscBool flat)
{
  hid_t   d = H5Dopen2(f->fid, src, H5P_DEFAULT), sspace, vspace, dcpl, lcpl, type, v;
  hsize_t sd[8], start[8] = {0}, count[8], vd[8], cells = 1;
  int     r, skip = frame >= 0, nsp, vr = 0;

  PetscFunctionBegin;
  PetscCheck(d >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: no dataset %s to view", f->path, src);
  sspace = H5Dget_space(d);
  type   = H5Dget_type(d);
  r      = H5Sget_simple_extent_dims(sspace, sd, NULL);
  nsp    = r - skip - (ncomp > 1);
  for (int k = 0; k < r; k++) count[k] = sd[k];
  if (skip) {
    start[0] = (hsize_t) frame;
    count[0] = 1;
  }
  for (int k = skip; k < skip + nsp; k++) cells *= sd[k];
  if (flat)
    vd[vr++] = cells;
  else
    for (int k = skip; k < skip + nsp; k++) vd[vr++] = sd[k];
  if (ncomp > 1) vd[vr++] = (hsize_t) ncomp;
  H5Sselect_hyperslab(sspace, H5S_SELECT_SET, start, NULL, count, NULL);
  vspace = H5Screate_simple(vr, vd, NULL);
  dcpl   = H5Pcreate(H5P_DATASET_CREATE);
  lcpl   = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  PetscCheck(H5Pset_virtual(dcpl, vspace, ".", src, sspace) >= 0, f->comm, PETSC_ERR_LIB, "%s: cannot map %s", f->path, vname);
  v = H5Dcreate2(f->fid, vname, type, vspace, lcpl, dcpl, H5P_DEFAULT);
  PetscCheck(v >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: cannot create %s", f->path, vname);
  H5Dclose(v);
  H5Pclose(lcpl);
  H5Pclose(dcpl);
  H5Sclose(vspace);
  H5Sclose(sspace);
  H5Tclose(type);
  H5Dclose(d);
  PetscFunctionReturn(0);
}

/* -xdmf_mesh explicit: vertices and cells of the grid as datasets, for XDMF readers without structured meshes (meshio).
   The rows are split evenly over the ranks: the values are computed, not owned. */
static PetscErrorCode WriteExplicitMesh(OTH5 f, PetscBool *explicit_mesh)
{
  char      mode[32] = OT_XDMF_MESH_DEFAULT;
  PetscInt  dim;
  ptrdiff_t n[3];
  double    h[3], o[3];
  PetscBool common;

  PetscFunctionBegin;
  *explicit_mesh = PETSC_FALSE;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-xdmf_mesh", mode, sizeof mode, NULL));
  PetscCheck(!strcmp(mode, "corect") || !strcmp(mode, "explicit"), f->comm, PETSC_ERR_ARG_WRONG, "-xdmf_mesh is corect or explicit, not %s", mode);
  if (strcmp(mode, "explicit")) PetscFunctionReturn(0);
  PetscCall(OTXdmfCommonShape(f->xdmf, &dim, n, h, o, &common));
  if (!common) PetscFunctionReturn(0);
  PetscCall(WriteExplicitPoints(f, dim, n, h, o));
  PetscCall(WriteExplicitCells(f, dim, n));
  PetscCall(OTXdmfSetExplicit(f->xdmf, PETSC_TRUE));
  *explicit_mesh = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The views the sidecars read through: one per frame of every time series (OTXdmfFramePath) and, on an explicit mesh,
   a flat one of every static field (/xdmf/fields/NAME: unstructured readers want one row per cell). */
static PetscErrorCode WriteViews(OTH5 f, PetscBool explicit_mesh)
{
  PetscFunctionBegin;
  for (int e = 0;; e++) {
    const char *name;
    PetscInt    ncomp, nt;
    PetscBool   exists;
    char        vname[PETSC_MAX_PATH_LEN];
    PetscCall(OTXdmfGetEntry(f->xdmf, e, &name, &ncomp, &nt, &exists));
    if (!exists) break;
    if (!nt && explicit_mesh) {
      OTXdmfFieldPath(name, vname, sizeof vname);
      PetscCall(CreateView(f, vname, name, ncomp, -1, PETSC_TRUE));
    }
    for (PetscInt t = 0; t < nt; t++) {
      OTXdmfFramePath(name, t, vname, sizeof vname);
      PetscCall(CreateView(f, vname, name, ncomp, t, explicit_mesh));
    }
  }
  PetscFunctionReturn(0);
}

static void CopyName(char dst[], size_t len, const char src[])
{
  strncpy(dst, src, len - 1);
  dst[len - 1] = 0;
}

/* Rank 0: writes every sidecar under a temporary name, renames the HDF5 file into place, then the sidecars. Returns 0,
   or 1 (a sidecar could not be written), 2 (the file not renamed), 3 (a sidecar not renamed); `which` names it. */
static int CommitFiles(OTH5 f, char which[], size_t len)
{
  char xmf[8][PETSC_MAX_PATH_LEN + 300], xtmp[8][PETSC_MAX_PATH_LEN + 340];
  int  count, err = 0;

  CopyName(which, len, f->path);
  if (OTXdmfSidecarCount(f->xdmf, &count) || count > 8) return 1;
  for (int k = 0; k < count; k++) {
    if (OTXdmfSidecarName(f->xdmf, k, f->path, xmf[k], sizeof xmf[k])) return 1;
    snprintf(xtmp[k], sizeof xtmp[k], "%.*s.tmp%ld", (int) sizeof xmf[k] - 1, xmf[k], (long) getpid());
    /* a temporary that could not be registered for removal on failure is not written */
    if (!err && (OTCleanupRegister(xtmp[k]) || OTXdmfWrite(f->xdmf, k, f->path, xtmp[k]))) {
      err = 1;
      CopyName(which, len, xmf[k]);
    }
  }
  if (!err && rename(f->tmp, f->path)) err = 2;
  for (int k = 0; k < count && !err; k++)
    if (rename(xtmp[k], xmf[k])) {
      err = 3;
      CopyName(which, len, xmf[k]);
    }
  for (int k = 0; k < count; k++) {
    (void) OTCleanupUnregister(xtmp[k]);
    if (err) (void) unlink(xtmp[k]);
  }
  return err;
}

/* Closes the temporary file, writes the XDMF sidecars (also via temporaries), then renames them all into place. */
PetscErrorCode OTH5Commit(OTH5 *file)
{
  OTH5        f = *file;
  PetscMPIInt rank;
  PetscBool   explicit_mesh;
  int         err = 0;
  char        which[PETSC_MAX_PATH_LEN + 300];

  PetscFunctionBegin;
  PetscCheck(f->write, f->comm, PETSC_ERR_ARG_WRONG, "%s was opened for reading", f->path);
  PetscCall(WriteExplicitMesh(f, &explicit_mesh));
  PetscCall(WriteViews(f, explicit_mesh));
  PetscCheck(H5Fclose(f->fid) >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: closing the file failed (disk full?)", f->path);
  f->fid = -1;
  PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
  if (!rank) err = CommitFiles(f, which, sizeof which);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, f->comm));
  PetscCallMPI(MPI_Bcast(which, sizeof which, MPI_CHAR, 0, f->comm));
  PetscCheck(err != 1, f->comm, PETSC_ERR_FILE_WRITE, "%s: cannot write %s", f->path, which);
  PetscCheck(err != 2, f->comm, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", f->tmp, f->path);
  PetscCheck(err != 3, f->comm, PETSC_ERR_FILE_WRITE, "cannot rename the temporary of %s", which);
  PetscCall(OTCleanupUnregister(f->tmp));
  f->write = PETSC_FALSE;
  PetscCall(OTH5Close(file));
  PetscFunctionReturn(0);
}

/* Walks a path component by component: H5Lexists fails when an intermediate group is missing. */
PetscErrorCode OTH5HasDataset(OTH5 f, const char name[], PetscBool *has)
{
  char   buf[PETSC_MAX_PATH_LEN];
  char  *p;
  htri_t e = 1;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, name, sizeof buf));
  for (p = buf + 1; e > 0; p++) {
    char c = *p;
    if (c != '/' && c != 0) continue;
    *p = 0;
    e  = H5Lexists(f->fid, buf, H5P_DEFAULT);
    *p = c;
    if (!c) break;
  }
  if (e > 0) e = H5Oexists_by_name(f->fid, name, H5P_DEFAULT);
  *has = e > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5GetShape(OTH5 f, const char name[], PetscInt *rank, ptrdiff_t dims[])
{
  PetscBool has;
  hid_t     d, s;
  hsize_t   hd[H5S_MAX_RANK];
  int       r;

  PetscFunctionBegin;
  PetscCall(OTH5HasDataset(f, name, &has));
  PetscCheck(has, f->comm, OT_ERR_INPUT, "%s: no dataset %s", f->path, name);
  d = H5Dopen2(f->fid, name, H5P_DEFAULT);
  PetscCheck(d >= 0, f->comm, OT_ERR_INPUT, "%s: %s is not a dataset", f->path, name);
  s = H5Dget_space(d);
  r = H5Sget_simple_extent_dims(s, hd, NULL);
  H5Sclose(s);
  H5Dclose(d);
  PetscCheck(r >= 0, f->comm, OT_ERR_INPUT, "%s: cannot read the shape of %s", f->path, name);
  *rank = r;
  for (int k = 0; k < r; k++) dims[k] = (ptrdiff_t) hd[k];
  PetscFunctionReturn(0);
}

/* Selects [start, start + count) in a file space, or nothing on ranks without a part (they still join the collective). */
static herr_t SelectBox(hid_t fspace, hid_t *mspace, PetscInt rank, const ptrdiff_t start[], const ptrdiff_t count[])
{
  hsize_t hs[H5S_MAX_RANK], hc[H5S_MAX_RANK], n = 1;

  for (PetscInt k = 0; k < rank; k++) {
    hs[k] = (hsize_t) start[k];
    hc[k] = (hsize_t) count[k];
    n *= hc[k];
  }
  if (!n) {
    hsize_t one = 1;
    *mspace     = H5Screate_simple(1, &one, NULL);
    H5Sselect_none(*mspace);
    return H5Sselect_none(fspace);
  }
  *mspace = H5Screate_simple(1, &n, NULL);
  return H5Sselect_hyperslab(fspace, H5S_SELECT_SET, hs, NULL, hc, NULL);
}

static PetscErrorCode TransferList(MPI_Comm comm, hid_t *dxpl)
{
  PetscFunctionBegin;
  *dxpl = H5Pcreate(H5P_DATASET_XFER);
  PetscCheck(*dxpl >= 0 && H5Pset_dxpl_mpio(*dxpl, H5FD_MPIO_COLLECTIVE) >= 0, comm, PETSC_ERR_LIB, "cannot set collective HDF5 transfers");
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5WriteArray(OTH5 f, const char name[], OTDataType type, PetscInt rank, const ptrdiff_t gdims[], const ptrdiff_t start[],
                              const ptrdiff_t count[], const void *buf)
{
  hsize_t hd[H5S_MAX_RANK];
  hid_t   fspace, mspace, dset, dxpl, lcpl;
  herr_t  st;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OT_H5Write, 0, 0, 0, 0));
  PetscCheck(f->write, f->comm, PETSC_ERR_ARG_WRONG, "%s was opened for reading", f->path);
  for (PetscInt k = 0; k < rank; k++) hd[k] = (hsize_t) gdims[k];
  fspace = H5Screate_simple((int) rank, hd, NULL);
  lcpl   = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  dset = H5Dcreate2(f->fid, name, FileType(type), fspace, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  PetscCheck(dset >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: cannot create dataset %s", f->path, name);
  OTCallH5(f, SelectBox(fspace, &mspace, rank, start, count), "%s: bad selection in %s", f->path, name);
  PetscCall(TransferList(f->comm, &dxpl));
  st = H5Dwrite(dset, MemType(type), mspace, fspace, dxpl, buf);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscCheck(st >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: writing %s failed (disk full?)", f->path, name);
  PetscCall(PetscLogEventEnd(OT_H5Write, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5ReadArray(OTH5 f, const char name[], OTDataType type, PetscInt rank, const ptrdiff_t start[], const ptrdiff_t count[], void *buf)
{
  PetscInt  frank;
  ptrdiff_t dims[H5S_MAX_RANK];
  hid_t     fspace, mspace, dset, dxpl;
  herr_t    st;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OT_H5Read, 0, 0, 0, 0));
  PetscCall(OTH5GetShape(f, name, &frank, dims));
  PetscCheck(frank == rank, f->comm, OT_ERR_INPUT, "%s: %s has %" PetscInt_FMT " axes, expected %" PetscInt_FMT, f->path, name, frank, rank);
  dset = H5Dopen2(f->fid, name, H5P_DEFAULT);
  PetscCheck(dset >= 0, f->comm, OT_ERR_INPUT, "%s: cannot open %s", f->path, name);
  fspace = H5Dget_space(dset);
  OTCallH5(f, SelectBox(fspace, &mspace, rank, start, count), "%s: bad selection in %s", f->path, name);
  PetscCall(TransferList(f->comm, &dxpl));
  st = H5Dread(dset, MemType(type), mspace, fspace, dxpl, buf);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  {
    int ok = st >= 0, all;
    PetscCallMPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, f->comm));
    PetscCheck(all, f->comm, PETSC_ERR_FILE_READ, "%s: reading %s failed (truncated or corrupt file?)", f->path, name);
  }
  PetscCall(PetscLogEventEnd(OT_H5Read, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode FieldBox(OTGrid g, PetscInt ncomp, PetscInt *rank, ptrdiff_t gd[], ptrdiff_t st[], ptrdiff_t ct[])
{
  const OTGridInfo *gi;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  for (PetscInt k = 0; k < gi->dim; k++) {
    gd[k] = gi->n[k];
    st[k] = k ? 0 : gi->start0;
    ct[k] = k ? gi->n[k] : gi->local_n0;
  }
  *rank = gi->dim;
  if (ncomp > 1) {
    gd[*rank] = ncomp;
    st[*rank] = 0;
    ct[*rank] = ncomp;
    (*rank)++;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5WriteField(OTH5 f, OTGrid g, const char name[], PetscInt ncomp, const double *field)
{
  const OTGridInfo *gi;
  PetscInt          rank;
  ptrdiff_t         gd[4], st[4], ct[4];

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(FieldBox(g, ncomp, &rank, gd, st, ct));
  PetscCall(OTH5WriteArray(f, name, OT_DOUBLE, rank, gd, st, ct, field));
  PetscCall(WriteAttribute(f, name, "spacing", OT_DOUBLE, gi->dim, gi->h, PETSC_TRUE));
  PetscCall(WriteAttribute(f, name, "origin", OT_DOUBLE, gi->dim, gi->origin, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5ReadField(OTH5 f, OTGrid g, const char name[], PetscInt ncomp, double *field)
{
  PetscInt  rank, frank;
  ptrdiff_t gd[4], st[4], ct[4], fd[H5S_MAX_RANK];

  PetscFunctionBegin;
  PetscCall(FieldBox(g, ncomp, &rank, gd, st, ct));
  PetscCall(OTH5GetShape(f, name, &frank, fd));
  PetscCheck(frank == rank, f->comm, OT_ERR_INPUT, "%s: %s has %" PetscInt_FMT " axes, expected %" PetscInt_FMT, f->path, name, frank, rank);
  for (PetscInt k = 0; k < rank; k++)
    PetscCheck(fd[k] == gd[k], f->comm, OT_ERR_INPUT, "%s: %s has %td cells along axis %" PetscInt_FMT ", expected %td", f->path, name, fd[k], k, gd[k]);
  PetscCall(OTH5ReadArray(f, name, OT_DOUBLE, rank, st, ct, field));
  PetscFunctionReturn(0);
}

static hid_t OpenObject(OTH5 f, const char obj[])
{
  return H5Oopen(f->fid, obj && obj[0] ? obj : "/", H5P_DEFAULT);
}

/* Writes a scalar attribute for n = 1 unless array is set (geometry attributes are float64[d], also for d = 1). */
static PetscErrorCode WriteAttribute(OTH5 f, const char obj[], const char name[], OTDataType type, PetscInt n, const void *value, PetscBool array)
{
  hid_t   o, s, a;
  hsize_t hn = (hsize_t) n;
  herr_t  st;

  PetscFunctionBegin;
  o = OpenObject(f, obj);
  PetscCheck(o >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: no object %s for attribute %s", f->path, obj, name);
  if (H5Aexists(o, name) > 0) H5Adelete(o, name);
  s  = n == 1 && !array ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &hn, NULL);
  a  = H5Acreate2(o, name, FileType(type), s, H5P_DEFAULT, H5P_DEFAULT);
  st = a >= 0 ? H5Awrite(a, MemType(type), value) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  H5Oclose(o);
  PetscCheck(st >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: cannot write attribute %s", f->path, name);
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5WriteAttribute(OTH5 f, const char obj[], const char name[], OTDataType type, PetscInt n, const void *value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttribute(f, obj, name, type, n, value, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* Variable-length UTF-8 strings: h5py reads them as str, h5dump prints them plainly. */
PetscErrorCode OTH5WriteAttributeString(OTH5 f, const char obj[], const char name[], const char value[])
{
  hid_t  o, s, t, a;
  herr_t st;

  PetscFunctionBegin;
  o = OpenObject(f, obj);
  PetscCheck(o >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: no object %s for attribute %s", f->path, obj, name);
  if (H5Aexists(o, name) > 0) H5Adelete(o, name);
  t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  s  = H5Screate(H5S_SCALAR);
  a  = H5Acreate2(o, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  st = a >= 0 ? H5Awrite(a, t, &value) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  H5Oclose(o);
  PetscCheck(st >= 0, f->comm, PETSC_ERR_FILE_WRITE, "%s: cannot write attribute %s", f->path, name);
  PetscFunctionReturn(0);
}

/* Opens attribute name of obj; found = false (nothing left open) when the attribute is absent. */
static PetscErrorCode OpenAttribute(OTH5 f, const char obj[], const char name[], hid_t *o, hid_t *a, PetscBool *found)
{
  PetscFunctionBegin;
  *found = PETSC_FALSE;
  *o     = OpenObject(f, obj);
  PetscCheck(*o >= 0, f->comm, OT_ERR_INPUT, "%s: no object %s", f->path, obj);
  if (H5Aexists(*o, name) <= 0) {
    H5Oclose(*o);
    PetscFunctionReturn(0);
  }
  *a     = H5Aopen(*o, name, H5P_DEFAULT);
  *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5ReadAttribute(OTH5 f, const char obj[], const char name[], OTDataType type, PetscInt n, void *value, PetscBool *found)
{
  hid_t    o, a = -1, s;
  hssize_t np;
  herr_t   st;

  PetscFunctionBegin;
  PetscCall(OpenAttribute(f, obj, name, &o, &a, found));
  if (!*found) PetscFunctionReturn(0);
  s  = H5Aget_space(a);
  np = H5Sget_simple_extent_npoints(s);
  H5Sclose(s);
  st = np == n ? H5Aread(a, MemType(type), value) : -1;
  H5Aclose(a);
  H5Oclose(o);
  PetscCheck(np == n, f->comm, OT_ERR_INPUT, "%s: attribute %s of %s has %d values, expected %" PetscInt_FMT, f->path, name, obj ? obj : "/", (int) np, n);
  PetscCheck(st >= 0, f->comm, OT_ERR_INPUT, "%s: cannot read attribute %s of %s as a number", f->path, name, obj ? obj : "/");
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5ReadAttributeString(OTH5 f, const char obj[], const char name[], char value[], size_t len, PetscBool *found)
{
  hid_t  o, a = -1, t, mt;
  herr_t st = -1;

  PetscFunctionBegin;
  value[0] = 0;
  PetscCall(OpenAttribute(f, obj, name, &o, &a, found));
  if (!*found) PetscFunctionReturn(0);
  t = H5Aget_type(a);
  if (H5Tget_class(t) == H5T_STRING) {
    if (H5Tis_variable_str(t) > 0) {
      char *s = NULL;
      mt      = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(t));
      st = H5Aread(a, mt, &s);
      if (st >= 0 && s) {
        snprintf(value, len, "%s", s);
        H5free_memory(s);
      }
      H5Tclose(mt);
    } else {
      size_t sz = H5Tget_size(t);
      char  *s  = (char *) calloc(sz + 1, 1);
      st        = s ? H5Aread(a, t, s) : -1;
      if (st >= 0) snprintf(value, len, "%s", s);
      free(s);
    }
  }
  H5Tclose(t);
  H5Aclose(a);
  H5Oclose(o);
  PetscCheck(st >= 0, f->comm, OT_ERR_INPUT, "%s: attribute %s is not a string", f->path, name);
  PetscFunctionReturn(0);
}

/* The sidecar describes the dataset's own number type (float64 fields, int32 labels); a dataset not written yet is
   taken as float64. */
static PetscErrorCode XdmfDatasetType(OTH5 f, const char name[])
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(OTH5HasDataset(f, name, &has));
  if (has) {
    hid_t d = H5Dopen2(f->fid, name, H5P_DEFAULT), t = H5Dget_type(d);
    PetscCall(OTXdmfSetLastType(f->xdmf, (PetscBool) (H5Tget_class(t) == H5T_INTEGER), (int) H5Tget_size(t)));
    H5Tclose(t);
    H5Dclose(d);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5XdmfAddField(OTH5 f, OTGrid g, const char name[], PetscInt ncomp)
{
  PetscFunctionBegin;
  PetscCall(OTXdmfAdd(f->xdmf, g, name, ncomp, 0, 0, 0));
  PetscCall(XdmfDatasetType(f, name));
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5XdmfAddTimeSeries(OTH5 f, OTGrid g, const char name[], PetscInt ncomp, PetscInt nt, double t0, double dt)
{
  PetscFunctionBegin;
  PetscCall(OTXdmfAdd(f->xdmf, g, name, ncomp, nt, t0, dt));
  PetscCall(XdmfDatasetType(f, name));
  PetscFunctionReturn(0);
}

PetscErrorCode OTH5XdmfAddTimeSeriesAt(OTH5 f, OTGrid g, const char name[], PetscInt ncomp, PetscInt nt, const double times[])
{
  PetscFunctionBegin;
  PetscCall(OTH5XdmfAddTimeSeries(f, g, name, ncomp, nt, 0.0, 0.0));
  PetscCall(OTXdmfSetLastTimes(f->xdmf, times));
  PetscFunctionReturn(0);
}

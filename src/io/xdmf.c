/* xdmf.c: XDMF 2 sidecars for otmpi's HDF5 outputs: a CoRectMesh of the cells (values cell-centred), scalar and vector
   attributes, and temporal collections of hyperslabs for time series. Axes are listed slowest first, as in HDF5. */
#include "xdmf.h"
#include <libgen.h>

#define OT_XDMF_MAX 32

typedef struct {
  char      name[256];
  PetscInt  dim, ncomp, nt;
  ptrdiff_t n[3];
  double    h[3], origin[3], t0, dt;
  double   *times;     /* the frames' times when not uniform (owned), else NULL */
  PetscBool integer;   /* number type of the dataset: Int or Float */
  int       precision; /* bytes per value */
} XdmfEntry;

struct _p_OTXdmf {
  PetscBool explicit_mesh;
  int       count;
  XdmfEntry e[OT_XDMF_MAX];
};

PETSC_INTERN PetscErrorCode OTXdmfCreate(OTXdmf *x)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(x));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode OTXdmfDestroy(OTXdmf *x)
{
  PetscFunctionBegin;
  if (!*x) PetscFunctionReturn(0);
  for (int i = 0; i < (*x)->count; i++) PetscCall(PetscFree((*x)->e[i].times));
  PetscCall(PetscFree(*x));
  PetscFunctionReturn(0);
}

/* The frames of the last entry (a series) at these times instead of t0 + k dt. */
PETSC_INTERN PetscErrorCode OTXdmfSetLastTimes(OTXdmf x, const double times[])
{
  XdmfEntry *e = &x->e[x->count - 1];

  PetscFunctionBegin;
  PetscCall(PetscFree(e->times));
  PetscCall(PetscMalloc1(e->nt, &e->times));
  PetscCall(PetscArraycpy(e->times, times, e->nt));
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode OTXdmfAdd(OTXdmf x, OTGrid g, const char name[], PetscInt ncomp, PetscInt nt, double t0, double dt)
{
  const OTGridInfo *gi;
  XdmfEntry        *e;

  PetscFunctionBegin;
  PetscCheck(x->count < OT_XDMF_MAX, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "too many XDMF fields");
  PetscCall(OTGridGetInfo(g, &gi));
  e = &x->e[x->count++];
  PetscCall(PetscStrncpy(e->name, name, sizeof e->name));
  e->integer   = PETSC_FALSE;
  e->precision = 8;
  e->dim       = gi->dim;
  e->ncomp     = ncomp;
  e->nt        = nt;
  e->t0        = t0;
  e->dt        = dt;
  e->times     = NULL;
  for (int k = 0; k < 3; k++) {
    e->n[k]      = gi->n[k];
    e->h[k]      = gi->h[k];
    e->origin[k] = gi->origin[k];
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode OTXdmfCommonShape(OTXdmf x, PetscInt *dim, ptrdiff_t n[], double h[], double o[], PetscBool *common)
{
  PetscFunctionBegin;
  *common = x->count > 0 ? PETSC_TRUE : PETSC_FALSE;
  for (int i = 1; i < x->count; i++)
    for (int k = 0; k < 3; k++)
      if (x->e[i].n[k] != x->e[0].n[k] || x->e[i].dim != x->e[0].dim) *common = PETSC_FALSE;
  if (!*common) PetscFunctionReturn(0);
  *dim = x->e[0].dim;
  for (int k = 0; k < 3; k++) {
    n[k] = x->e[0].n[k];
    h[k] = x->e[0].h[k];
    o[k] = x->e[0].origin[k];
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode OTXdmfSetExplicit(OTXdmf x, PetscBool explicit_mesh)
{
  PetscFunctionBegin;
  x->explicit_mesh = explicit_mesh;
  PetscFunctionReturn(0);
}

/* The number type of the entry added last (the dataset's own type: e.g. int32 labels). */
PETSC_INTERN PetscErrorCode OTXdmfSetLastType(OTXdmf x, PetscBool integer, int precision)
{
  PetscFunctionBegin;
  PetscCheck(x->count > 0, PETSC_COMM_SELF, PETSC_ERR_ORDER, "no XDMF entry");
  x->e[x->count - 1].integer   = integer;
  x->e[x->count - 1].precision = precision;
  PetscFunctionReturn(0);
}

/* Entry i (name, components, frames); exists = false past the last one. */
PETSC_INTERN PetscErrorCode OTXdmfGetEntry(OTXdmf x, int i, const char **name, PetscInt *ncomp, PetscInt *nt, PetscBool *exists)
{
  PetscFunctionBegin;
  *exists = i < x->count ? PETSC_TRUE : PETSC_FALSE;
  if (!*exists) PetscFunctionReturn(0);
  *name  = x->e[i].name;
  *ncomp = x->e[i].ncomp;
  *nt    = x->e[i].nt;
  PetscFunctionReturn(0);
}

/* Entries sharing one time axis (number of frames, first time, step) form one temporal collection in one sidecar:
   ParaView merges the time values of every collection in a file, so two time axes in one file would alternate arrays.
   Time axis k (in order of first appearance) is sidecar k; sidecar 0 also holds the static fields. */
static double FrameTime(const XdmfEntry *e, PetscInt t)
{
  return e->times ? e->times[t] : e->t0 + (double) t * e->dt;
}

static PetscBool SameTimes(const XdmfEntry *a, const XdmfEntry *b)
{
  if (a->nt != b->nt) return PETSC_FALSE;
  for (PetscInt t = 0; t < a->nt; t++)
    if (FrameTime(a, t) != FrameTime(b, t)) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* Entry j is the first series on its time axis. */
static PetscBool IsAxisHead(OTXdmf x, int j)
{
  if (!x->e[j].nt) return PETSC_FALSE;
  for (int k = 0; k < j; k++)
    if (x->e[k].nt && SameTimes(&x->e[k], &x->e[j])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The time axis (sidecar index) of series entry i: axes are numbered in order of first appearance. */
static int TimeAxisOf(OTXdmf x, int i)
{
  int axis = 0;
  for (int j = 0; j < i; j++) {
    if (!IsAxisHead(x, j)) continue;
    if (SameTimes(&x->e[j], &x->e[i])) return axis;
    axis++;
  }
  return axis;
}

/* The first series entry of sidecar k, or -1 (sidecar 0 without series). */
static int FirstOfAxis(OTXdmf x, int k)
{
  for (int i = 0; i < x->count; i++)
    if (x->e[i].nt && TimeAxisOf(x, i) == k) return i;
  return -1;
}

PETSC_INTERN PetscErrorCode OTXdmfSidecarCount(OTXdmf x, int *count)
{
  PetscFunctionBegin;
  *count = x->count > 0 ? 1 : 0;
  for (int i = 0; i < x->count; i++)
    if (x->e[i].nt) *count = PetscMax(*count, TimeAxisOf(x, i) + 1);
  PetscFunctionReturn(0);
}

static const char *ShortName(const XdmfEntry *e)
{
  return e->name[0] == '/' ? e->name + 1 : e->name;
}

/* Sidecar 0: OUT.h5 -> OUT.xmf (any other name gets .xmf appended); sidecar k > 0: OUT_NAME.xmf, NAME the first field
   on its time axis. */
PETSC_INTERN PetscErrorCode OTXdmfSidecarName(OTXdmf x, int k, const char path[], char out[], size_t len)
{
  size_t n = strlen(path), stem = n;
  char   suffix[300] = "";

  PetscFunctionBegin;
  if (n > 3 && !strcmp(path + n - 3, ".h5"))
    stem = n - 3;
  else if (n > 5 && !strcmp(path + n - 5, ".hdf5"))
    stem = n - 5;
  if (k > 0) {
    int first = FirstOfAxis(x, k);
    PetscCheck(first >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "no XDMF sidecar %d", k);
    snprintf(suffix, sizeof suffix, "_%s", ShortName(&x->e[first]));
    for (char *c = suffix; *c; c++)
      if (*c == '/') *c = '_';
  }
  snprintf(out, len, "%.*s%s.xmf", (int) stem, path, suffix);
  PetscFunctionReturn(0);
}

/* The HDF5 view of frame t of a series: HDF5 virtual datasets made by OTH5Commit, readable by every XDMF reader (the
   Xdmf3 reader ParaView opens .xmf with ignores hyperslab items). */
PETSC_INTERN void OTXdmfFramePath(const char name[], PetscInt t, char out[], size_t len)
{
  snprintf(out, len, "/xdmf/series/%s/%d", name[0] == '/' ? name + 1 : name, (int) t);
}

/* The flat view of static field `name` on an explicit mesh (unstructured readers want one row per cell). */
PETSC_INTERN void OTXdmfFieldPath(const char name[], char out[], size_t len)
{
  snprintf(out, len, "/xdmf/fields/%s", name[0] == '/' ? name + 1 : name);
}

/* Every mesh is a 3DCoRectMesh, axes slowest first (z y x): a 2-D array (n0, n1) lies in the XY plane, the last axis
   along x (ParaView's default view), as one layer of cells with no thickness; a 1-D array lies along x. */
static void MeshShape(const XdmfEntry *e, ptrdiff_t n[3], double h[3], double o[3])
{
  int pad = 3 - (int) e->dim;
  for (int k = 0; k < 3; k++) {
    n[k] = k < pad ? 0 : e->n[k - pad];
    h[k] = k < pad ? e->h[0] : e->h[k - pad];
    o[k] = k < pad ? 0 : e->origin[k - pad];
  }
}

static void WriteExplicitTopology(FILE *fp, const XdmfEntry *e, const char *indent, const char *h5)
{
  ptrdiff_t   nc = e->n[0] * e->n[1] * e->n[2], np = (e->n[0] + 1) * (e->dim > 1 ? e->n[1] + 1 : 1) * (e->dim > 2 ? e->n[2] + 1 : 1);
  int         nv = e->dim == 3 ? 8 : (e->dim == 2 ? 4 : 2);
  const char *tt = e->dim == 3 ? "Hexahedron" : (e->dim == 2 ? "Quadrilateral" : "Polyline\" NodesPerElement=\"2");

  fprintf(fp, "%s<Topology TopologyType=\"%s\" NumberOfElements=\"%td\">\n", indent, tt, nc);
  fprintf(fp, "%s <DataItem Dimensions=\"%td %d\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">%s:/xdmf/cells</DataItem>\n%s</Topology>\n", indent, nc, nv,
          h5, indent);
  fprintf(fp, "%s<Geometry GeometryType=\"XYZ\">\n", indent);
  fprintf(fp, "%s <DataItem Dimensions=\"%td 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/xdmf/points</DataItem>\n%s</Geometry>\n", indent, np,
          h5, indent);
}

static void WriteTopology(FILE *fp, const XdmfEntry *e, const char *indent, PetscBool explicit_mesh, const char *h5)
{
  ptrdiff_t n[3];
  double    h[3], o[3];

  if (explicit_mesh) {
    WriteExplicitTopology(fp, e, indent, h5);
    return;
  }
  MeshShape(e, n, h, o);
  fprintf(fp, "%s<Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%td %td %td\"/>\n", indent, n[0] + 1, n[1] + 1, n[2] + 1);
  fprintf(fp, "%s<Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n", indent);
  fprintf(fp, "%s <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g %.17g</DataItem>\n", indent, o[0], o[1], o[2]);
  fprintf(fp, "%s <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g %.17g</DataItem>\n", indent, h[0], h[1], h[2]);
  fprintf(fp, "%s</Geometry>\n", indent);
}

/* Dimensions of one frame's values: the cells (three axes, as the mesh) or, on an explicit mesh, one row per cell. */
static void CellDims(const XdmfEntry *e, PetscBool explicit_mesh, char *s, size_t len)
{
  ptrdiff_t n[3];
  double    h[3], o[3];

  MeshShape(e, n, h, o);
  for (int k = 0; k < 3; k++) n[k] = PetscMax(n[k], 1);
  if (explicit_mesh)
    snprintf(s, len, "%td", n[0] * n[1] * n[2]);
  else
    snprintf(s, len, "%td %td %td", n[0], n[1], n[2]);
  if (e->ncomp > 1) snprintf(s + strlen(s), len - strlen(s), " %d", (int) e->ncomp);
}

static const char *NumberType(const XdmfEntry *e)
{
  return e->integer ? "Int" : "Float";
}

static const char *AttributeType(const XdmfEntry *e)
{
  return e->ncomp == 1 ? "Scalar" : (e->ncomp == 3 || e->ncomp == e->dim ? "Vector" : "Matrix");
}

static PetscBool SameMesh(const XdmfEntry *a, const XdmfEntry *b)
{
  PetscBool same = a->dim == b->dim ? PETSC_TRUE : PETSC_FALSE;
  for (int k = 0; k < 3; k++)
    if (a->n[k] != b->n[k] || a->h[k] != b->h[k] || a->origin[k] != b->origin[k]) same = PETSC_FALSE;
  return same;
}

/* One cell-centred attribute; frame < 0: a static field. On an explicit mesh a static field is read through its flat
   virtual view /xdmf/fields/NAME (unstructured readers want one row per cell); frames always through their views. */
static void WriteAttribute(FILE *fp, const XdmfEntry *e, PetscInt frame, PetscBool explicit_mesh, const char *h5, const char *indent)
{
  char cd[128], path[PETSC_MAX_PATH_LEN];

  CellDims(e, explicit_mesh, cd, sizeof cd);
  if (frame >= 0)
    OTXdmfFramePath(e->name, frame, path, sizeof path);
  else if (explicit_mesh)
    OTXdmfFieldPath(e->name, path, sizeof path);
  else
    snprintf(path, sizeof path, "%s", e->name);
  fprintf(fp, "%s<Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", indent, ShortName(e), AttributeType(e));
  fprintf(fp, "%s <DataItem Dimensions=\"%s\" NumberType=\"%s\" Precision=\"%d\" Format=\"HDF\">%s:%s</DataItem>\n", indent, cd, NumberType(e), e->precision,
          h5, path);
  fprintf(fp, "%s</Attribute>\n", indent);
}

/* Static fields: on the mesh of entry `mesh` (those of another mesh are left to WriteStaticGrid), or all of them. */
static void WriteStaticAttributes(FILE *fp, OTXdmf x, int mesh, PetscBool same_only, const char *h5, const char *indent)
{
  for (int i = 0; i < x->count; i++) {
    const XdmfEntry *e = &x->e[i];
    if (e->nt || (same_only && !SameMesh(e, &x->e[mesh]))) continue;
    WriteAttribute(fp, e, -1, x->explicit_mesh, h5, indent);
  }
}

/* Sidecar k's time axis: one temporal collection; each frame carries every series of the axis and, in sidecar 0,
   every static field on the same mesh, so every time value has every array. */
static void WriteTimeAxis(FILE *fp, OTXdmf x, int k, const char *h5)
{
  int              first = FirstOfAxis(x, k);
  const XdmfEntry *f     = &x->e[first];

  fprintf(fp, "  <Grid Name=\"%s_series\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", ShortName(f));
  for (PetscInt t = 0; t < f->nt; t++) {
    fprintf(fp, "   <Grid Name=\"%s_%d\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", ShortName(f), (int) t, FrameTime(f, t));
    WriteTopology(fp, f, "    ", x->explicit_mesh, h5);
    for (int i = 0; i < x->count; i++)
      if (x->e[i].nt && TimeAxisOf(x, i) == k) WriteAttribute(fp, &x->e[i], t, x->explicit_mesh, h5, "    ");
    if (k == 0) WriteStaticAttributes(fp, x, first, PETSC_TRUE, h5, "    ");
    fprintf(fp, "   </Grid>\n");
  }
  fprintf(fp, "  </Grid>\n");
}

/* The static fields that no frame carries: all of them without series, else those on another mesh than the series'. */
static void WriteStaticGrid(FILE *fp, OTXdmf x, int series, const char *h5)
{
  int first = -1;
  for (int i = 0; i < x->count && first < 0; i++)
    if (!x->e[i].nt && (series < 0 || !SameMesh(&x->e[i], &x->e[series]))) first = i;
  if (first < 0) return;
  fprintf(fp, "  <Grid Name=\"fields\" GridType=\"Uniform\">\n");
  WriteTopology(fp, &x->e[first], "   ", x->explicit_mesh, h5);
  WriteStaticAttributes(fp, x, first, series >= 0 ? PETSC_TRUE : PETSC_FALSE, h5, "   ");
  fprintf(fp, "  </Grid>\n");
}

static void BaseName(const char *path, char *out, size_t len)
{
  char buf[PETSC_MAX_PATH_LEN];
  snprintf(buf, sizeof buf, "%s", path);
  snprintf(out, len, "%s", basename(buf));
}

/* Writes sidecar k to `out`; returns 0 on success. Called on one rank only (plain file output). */
PETSC_INTERN int OTXdmfWrite(OTXdmf x, int k, const char h5path[], const char out[])
{
  FILE *fp = fopen(out, "w");
  char  h5[PETSC_MAX_PATH_LEN];
  int   ok, series = FirstOfAxis(x, k);

  if (!fp) return 1;
  BaseName(h5path, h5, sizeof h5);
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"2.0\">\n <Domain>\n");
  if (k == 0) WriteStaticGrid(fp, x, series, h5);
  if (series >= 0) WriteTimeAxis(fp, x, k, h5);
  fprintf(fp, " </Domain>\n</Xdmf>\n");
  ok = !ferror(fp);
  return (fclose(fp) == 0 && ok) ? 0 : 1;
}

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
  PetscCall(PetscFree(*x));
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
  for (int k = 0; k < 3; k++) {
    e->n[k]      = gi->n[k];
    e->h[k]      = gi->h[k];
    e->origin[k] = gi->origin[k];
  }
  PetscFunctionReturn(0);
}

PETSC_INTERN PetscErrorCode OTXdmfHasEntries(OTXdmf x, PetscBool *any)
{
  PetscFunctionBegin;
  *any = x->count > 0 ? PETSC_TRUE : PETSC_FALSE;
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

/* OUT.h5 -> OUT.xmf; any other name gets .xmf appended. */
PETSC_INTERN PetscErrorCode OTXdmfSidecarName(const char path[], char out[], size_t len)
{
  size_t n = strlen(path);

  PetscFunctionBegin;
  if (n > 3 && !strcmp(path + n - 3, ".h5"))
    snprintf(out, len, "%.*s.xmf", (int) (n - 3), path);
  else if (n > 5 && !strcmp(path + n - 5, ".hdf5"))
    snprintf(out, len, "%.*s.xmf", (int) (n - 5), path);
  else
    snprintf(out, len, "%s.xmf", path);
  PetscFunctionReturn(0);
}

/* A 1-D grid is drawn as a 2-D mesh one cell thick, so that readers without 1-D CoRectMesh still open it. */
static void WriteTopology(FILE *fp, const XdmfEntry *e, const char *indent, PetscBool explicit_mesh, const char *h5)
{
  if (explicit_mesh) {
    ptrdiff_t   nc = e->n[0] * e->n[1] * e->n[2], np = (e->n[0] + 1) * (e->dim > 1 ? e->n[1] + 1 : 1) * (e->dim > 2 ? e->n[2] + 1 : 1);
    int         nv = e->dim == 3 ? 8 : (e->dim == 2 ? 4 : 2);
    const char *tt = e->dim == 3 ? "Hexahedron" : (e->dim == 2 ? "Quadrilateral" : "Polyline\" NodesPerElement=\"2");
    fprintf(fp, "%s<Topology TopologyType=\"%s\" NumberOfElements=\"%td\">\n", indent, tt, nc);
    fprintf(fp, "%s <DataItem Dimensions=\"%td %d\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">%s:/xdmf/cells</DataItem>\n%s</Topology>\n", indent, nc,
            nv, h5, indent);
    fprintf(fp, "%s<Geometry GeometryType=\"XYZ\">\n", indent);
    fprintf(fp, "%s <DataItem Dimensions=\"%td 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/xdmf/points</DataItem>\n%s</Geometry>\n", indent, np,
            h5, indent);
    return;
  }
  if (e->dim == 3) {
    fprintf(fp, "%s<Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%td %td %td\"/>\n", indent, e->n[0] + 1, e->n[1] + 1, e->n[2] + 1);
    fprintf(fp, "%s<Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n", indent);
    fprintf(fp, "%s <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g %.17g</DataItem>\n", indent, e->origin[0],
            e->origin[1], e->origin[2]);
    fprintf(fp, "%s <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g %.17g</DataItem>\n", indent, e->h[0], e->h[1],
            e->h[2]);
  } else {
    ptrdiff_t n0 = e->dim == 2 ? e->n[0] : 1, n1 = e->dim == 2 ? e->n[1] : e->n[0];
    double    o0 = e->dim == 2 ? e->origin[0] : 0, o1 = e->dim == 2 ? e->origin[1] : e->origin[0];
    double    h0 = e->dim == 2 ? e->h[0] : e->h[0], h1 = e->dim == 2 ? e->h[1] : e->h[0];
    fprintf(fp, "%s<Topology TopologyType=\"2DCoRectMesh\" Dimensions=\"%td %td\"/>\n", indent, n0 + 1, n1 + 1);
    fprintf(fp, "%s<Geometry GeometryType=\"ORIGIN_DXDY\">\n", indent);
    fprintf(fp, "%s <DataItem Dimensions=\"2\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g</DataItem>\n", indent, o0, o1);
    fprintf(fp, "%s <DataItem Dimensions=\"2\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g</DataItem>\n", indent, h0, h1);
  }
  fprintf(fp, "%s</Geometry>\n", indent);
}

static void CellDims(const XdmfEntry *e, char *s, size_t len)
{
  if (e->dim == 3)
    snprintf(s, len, "%td %td %td", e->n[0], e->n[1], e->n[2]);
  else if (e->dim == 2)
    snprintf(s, len, "%td %td", e->n[0], e->n[1]);
  else
    snprintf(s, len, "1 %td", e->n[0]);
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

static void BaseName(const char *path, char *out, size_t len)
{
  char buf[PETSC_MAX_PATH_LEN];
  snprintf(buf, sizeof buf, "%s", path);
  snprintf(out, len, "%s", basename(buf));
}

/* Returns 0 on success; called on one rank only (it is plain file output). */
PETSC_INTERN int OTXdmfWrite(OTXdmf x, const char h5path[], const char out[])
{
  FILE *fp = fopen(out, "w");
  char  h5[PETSC_MAX_PATH_LEN], cd[128];
  int   ok;

  if (!fp) return 1;
  BaseName(h5path, h5, sizeof h5);
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"2.0\">\n <Domain>\n");
  /* static fields share one grid; every time series gets a temporal collection */
  {
    int first = -1;
    for (int i = 0; i < x->count; i++)
      if (!x->e[i].nt) {
        first = i;
        break;
      }
    if (first >= 0) {
      fprintf(fp, "  <Grid Name=\"fields\" GridType=\"Uniform\">\n");
      WriteTopology(fp, &x->e[first], "   ", x->explicit_mesh, h5);
      for (int i = 0; i < x->count; i++) {
        const XdmfEntry *e = &x->e[i];
        if (e->nt) continue;
        const char *nm = e->name[0] == '/' ? e->name + 1 : e->name;
        CellDims(e, cd, sizeof cd);
        fprintf(fp, "   <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", nm, AttributeType(e));
        if (x->explicit_mesh) {
          /* a flat virtual view of the field (no copy): unstructured readers want one value (row) per cell */
          snprintf(cd, sizeof cd, "%td", e->n[0] * e->n[1] * e->n[2]);
          if (e->ncomp > 1) snprintf(cd + strlen(cd), sizeof cd - strlen(cd), " %d", (int) e->ncomp);
          fprintf(fp, "    <DataItem Dimensions=\"%s\" NumberType=\"%s\" Precision=\"%d\" Format=\"HDF\">%s:/xdmf/fields/%s</DataItem>\n", cd, NumberType(e),
                  e->precision, h5, nm);
        } else
          fprintf(fp, "    <DataItem Dimensions=\"%s\" NumberType=\"%s\" Precision=\"%d\" Format=\"HDF\">%s:%s</DataItem>\n", cd, NumberType(e), e->precision,
                  h5, e->name);
        fprintf(fp, "   </Attribute>\n");
      }
      fprintf(fp, "  </Grid>\n");
    }
  }
  for (int i = 0; i < x->count; i++) {
    const XdmfEntry *e  = &x->e[i];
    const char      *nm = e->name[0] == '/' ? e->name + 1 : e->name;
    int              r  = (int) (e->dim + (e->ncomp > 1));
    if (!e->nt) continue;
    CellDims(e, cd, sizeof cd);
    fprintf(fp, "  <Grid Name=\"%s_series\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", nm);
    for (PetscInt t = 0; t < e->nt; t++) {
      fprintf(fp, "   <Grid Name=\"%s_%d\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", nm, (int) t, e->t0 + (double) t * e->dt);
      WriteTopology(fp, e, "    ", x->explicit_mesh, h5);
      fprintf(fp, "    <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", nm, AttributeType(e));
      fprintf(fp, "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%s\" Type=\"HyperSlab\">\n", cd);
      /* start, stride, count over the (nt, space..., comp) dataset */
      fprintf(fp, "      <DataItem Dimensions=\"3 %d\" Format=\"XML\">%d", r + 1, (int) t);
      for (int k = 0; k < r; k++) fprintf(fp, " 0");
      for (int k = 0; k <= r; k++) fprintf(fp, " 1");
      fprintf(fp, " 1");
      for (int k = 0; k < (int) e->dim; k++) fprintf(fp, " %td", e->n[k]);
      if (e->ncomp > 1) fprintf(fp, " %d", (int) e->ncomp);
      fprintf(fp, "</DataItem>\n");
      fprintf(fp, "      <DataItem Dimensions=\"%d", (int) e->nt);
      for (int k = 0; k < (int) e->dim; k++) fprintf(fp, " %td", e->n[k]);
      if (e->ncomp > 1) fprintf(fp, " %d", (int) e->ncomp);
      fprintf(fp, "\" NumberType=\"%s\" Precision=\"%d\" Format=\"HDF\">%s:%s</DataItem>\n", NumberType(e), e->precision, h5, e->name);
      fprintf(fp, "     </DataItem>\n    </Attribute>\n   </Grid>\n");
    }
    fprintf(fp, "  </Grid>\n");
  }
  fprintf(fp, " </Domain>\n</Xdmf>\n");
  ok = !ferror(fp);
  return (fclose(fp) == 0 && ok) ? 0 : 1;
}

/* h5list.c: a readable listing of an HDF5 file's datasets and attributes (otmpi info); called by one rank. */
#include <otmpi/otio.h>
#include <hdf5.h>

typedef struct {
  PetscViewer    v;
  PetscErrorCode err;
} ListCtx;

static void PrintAttributeValue(PetscViewer v, hid_t a)
{
  hid_t       t = H5Aget_type(a), s = H5Aget_space(a);
  hssize_t    n = H5Sget_simple_extent_npoints(s);
  H5T_class_t c = H5Tget_class(t);

  if (c == H5T_STRING) {
    if (H5Tis_variable_str(t) > 0) {
      char *str = NULL;
      hid_t mt  = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(t));
      if (H5Aread(a, mt, &str) >= 0 && str) {
        PetscViewerASCIIPrintf(v, "\"%s\"", str);
        H5free_memory(str);
      }
      H5Tclose(mt);
    } else {
      size_t sz  = H5Tget_size(t);
      char  *str = (char *) calloc(sz + 1, 1);
      if (str && H5Aread(a, t, str) >= 0) PetscViewerASCIIPrintf(v, "\"%s\"", str);
      free(str);
    }
  } else if ((c == H5T_FLOAT || c == H5T_INTEGER) && n > 0 && n <= 16) {
    double val[16];
    if (H5Aread(a, H5T_NATIVE_DOUBLE, val) >= 0)
      for (hssize_t i = 0; i < n; i++) PetscViewerASCIIPrintf(v, i ? " %.15g" : "%.15g", val[i]);
  } else
    PetscViewerASCIIPrintf(v, "(%d values)", (int) n);
  H5Sclose(s);
  H5Tclose(t);
}

static herr_t AttrCallback(hid_t loc, const char *name, const H5A_info_t *info, void *ctx)
{
  ListCtx *c = (ListCtx *) ctx;
  hid_t    a = H5Aopen(loc, name, H5P_DEFAULT);
  (void) info;
  if (a < 0) return 0;
  PetscViewerASCIIPrintf(c->v, "    @%s = ", name);
  PrintAttributeValue(c->v, a);
  PetscViewerASCIIPrintf(c->v, "\n");
  H5Aclose(a);
  return 0;
}

static herr_t ObjCallback(hid_t loc, const char *name, const H5O_info_t *info, void *ctx)
{
  ListCtx *c   = (ListCtx *) ctx;
  hsize_t  idx = 0;

  if (info->type == H5O_TYPE_DATASET) {
    hid_t   d = H5Dopen2(loc, name, H5P_DEFAULT), s = H5Dget_space(d), t = H5Dget_type(d);
    hsize_t dims[H5S_MAX_RANK];
    int     r = H5Sget_simple_extent_dims(s, dims, NULL);
    PetscViewerASCIIPrintf(c->v, "  /%s: %s%d, shape (", name, H5Tget_class(t) == H5T_FLOAT ? "float" : "int", (int) (8 * H5Tget_size(t)));
    for (int k = 0; k < r; k++) PetscViewerASCIIPrintf(c->v, k ? ", %llu" : "%llu", (unsigned long long) dims[k]);
    PetscViewerASCIIPrintf(c->v, ")\n");
    H5Aiterate2(d, H5_INDEX_NAME, H5_ITER_INC, &idx, AttrCallback, ctx);
    H5Tclose(t);
    H5Sclose(s);
    H5Dclose(d);
  } else if (info->type == H5O_TYPE_GROUP) {
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    PetscViewerASCIIPrintf(c->v, "  %s%s\n", name[0] == '.' ? "/" : "/", name[0] == '.' ? "" : name);
    H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, AttrCallback, ctx);
    H5Gclose(g);
  }
  return 0;
}

PetscErrorCode OTH5List(OTH5 f, PetscViewer v)
{
  const char *path;
  hid_t       fid;

  PetscFunctionBegin;
  PetscCall(OTH5GetPath(f, &path));
  /* a second, serial handle: the listing is a little metadata, read by one rank beside the collective handle */
  fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(fid >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  {
    ListCtx c = {v, 0};
    H5Ovisit2(fid, H5_INDEX_NAME, H5_ITER_INC, ObjCallback, &c, H5O_INFO_BASIC);
  }
  H5Fclose(fid);
  PetscFunctionReturn(0);
}

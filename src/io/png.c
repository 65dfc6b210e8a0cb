/* png.c: PNG snapshots (libpng) of a 2-D field, the middle plane (axis 0) of a 3-D field, or a 1-D profile; rank 0 writes. */
#include <otmpi/otio.h>
#include <otmpi/otlog.h>
#include <png.h>
#include <math.h>

PetscErrorCode OTPngWriteRGB(const char path[], PetscInt w, PetscInt h, const unsigned char *rgb)
{
  FILE       *fp;
  png_structp png;
  png_infop   info;

  PetscFunctionBegin;
  fp = fopen(path, "wb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-png %s: cannot create the file", path);
  png  = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "-png %s: libpng failed", path);
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, (png_uint_32) w, (png_uint_32) h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (PetscInt r = 0; r < h; r++) png_write_row(png, (png_const_bytep) (rgb + 3 * (size_t) w * (size_t) r));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  PetscCheck(!fclose(fp), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "-png %s: write failed", path);
  PetscFunctionReturn(0);
}

/* viridis, sampled at 9 points and interpolated linearly */
static void Viridis(double t, unsigned char c[3])
{
  static const double tab[9][3] = {{68, 1, 84},    {71, 44, 122}, {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
                                   {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};
  double              x;
  int                 i;
  if (!(t >= 0)) t = 0; /* NaN too */
  if (t > 1) t = 1;
  x = t * 8;
  i = (int) x;
  if (i > 7) i = 7;
  x -= i;
  for (int k = 0; k < 3; k++) c[k] = (unsigned char) lrint(tab[i][k] * (1 - x) + tab[i + 1][k] * x);
}

/* distinct colours for integer labels (a hash), black for negative labels */
static void LabelColour(double v, unsigned char c[3])
{
  unsigned long long u = (unsigned long long) (long long) llround(v) * 2654435761ULL + 12345;
  if (v < 0) {
    c[0] = c[1] = c[2] = 0;
    return;
  }
  c[0] = (unsigned char) (64 + (u & 0xbf));
  c[1] = (unsigned char) (64 + ((u >> 8) & 0xbf));
  c[2] = (unsigned char) (64 + ((u >> 16) & 0xbf));
}

static PetscErrorCode WriteImage(const char path[], ptrdiff_t rows, ptrdiff_t cols, const double *img, OTColormap cmap)
{
  double         lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL;
  ptrdiff_t      s = 1, W, H;
  unsigned char *rgb;

  PetscFunctionBegin;
  for (ptrdiff_t i = 0; i < rows * cols; i++)
    if (isfinite(img[i])) {
      lo = PetscMin(lo, img[i]);
      hi = PetscMax(hi, img[i]);
    }
  if (!(hi > lo)) hi = lo + 1;
  /* small grids are magnified (nearest neighbour) so that a person can see them */
  while (PetscMax(rows, cols) * (s + 1) <= 512) s++;
  W = cols * s;
  H = rows * s;
  PetscCall(PetscMalloc1(3 * W * H, &rgb));
  /* y up, as ParaView shows the XDMF sidecar: the last image row is array row 0 (origin at the lower left) */
  for (ptrdiff_t r = 0; r < H; r++)
    for (ptrdiff_t c = 0; c < W; c++) {
      double v = img[(rows - 1 - r / s) * cols + c / s];
      if (!isfinite(v)) /* gaps of a montage */
        memset(rgb + 3 * (r * W + c), 255, 3);
      else if (cmap == OT_CMAP_LABELS)
        LabelColour(v, rgb + 3 * (r * W + c));
      else
        Viridis((v - lo) / (hi - lo), rgb + 3 * (r * W + c));
    }
  PetscCall(OTPngWriteRGB(path, W, H, rgb));
  PetscCall(PetscFree(rgb));
  PetscFunctionReturn(0);
}

/* 1-D: a profile plot, the area under the curve filled */
static PetscErrorCode WriteProfile(const char path[], ptrdiff_t n, const double *v)
{
  const ptrdiff_t H = 256;
  double         *img, hi = 0;
  ptrdiff_t       W = PetscMax(n, (ptrdiff_t) 256);

  PetscFunctionBegin;
  for (ptrdiff_t i = 0; i < n; i++)
    if (isfinite(v[i])) hi = PetscMax(hi, v[i]);
  if (hi <= 0) hi = 1;
  PetscCall(PetscMalloc1(W * H, &img));
  for (ptrdiff_t c = 0; c < W; c++) {
    double    y   = v[c * n / W] / hi;
    ptrdiff_t top = H - 1 - (ptrdiff_t) lrint((y > 0 ? y : 0) * (H - 1));
    for (ptrdiff_t r = 0; r < H; r++) img[r * W + c] = r >= top ? 0.85 : 0.0;
  }
  PetscCall(WriteImage(path, H, W, img, OT_CMAP_VIRIDIS));
  PetscCall(PetscFree(img));
  PetscFunctionReturn(0);
}

/* Collective: the image of a field on rank 0 (*img, rows x cols; NULL elsewhere): a 2-D field, the middle plane (axis
   0) of a 3-D field, a 1-D field as one row. */
static PetscErrorCode GatherImage(OTGrid g, const double *field, ptrdiff_t *rows, ptrdiff_t *cols, double **img)
{
  const OTGridInfo *gi;
  const ptrdiff_t  *starts, *counts;
  MPI_Comm          comm;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(OTGridGetRanges(g, &starts, &counts));
  *img = NULL;
  if (gi->dim == 3) {
    /* the middle plane of axis 0 lives on one rank: it sends the plane to rank 0 */
    ptrdiff_t   mid   = gi->n[0] / 2;
    PetscMPIInt owner = 0;
    *rows             = gi->n[1];
    *cols             = gi->n[2];
    for (PetscMPIInt r = 0; r < gi->size; r++)
      if (mid >= starts[r] && mid < starts[r] + counts[r]) owner = r;
    PetscCheck(gi->plane < PETSC_MPI_INT_MAX, comm, PETSC_ERR_SUP, "-png: plane too large");
    if (!gi->rank) PetscCall(PetscMalloc1(gi->plane, img));
    if (gi->rank == owner && owner == 0)
      PetscCall(PetscArraycpy(*img, field + (mid - gi->start0) * gi->plane, gi->plane));
    else if (gi->rank == owner)
      PetscCallMPI(MPI_Send(field + (mid - gi->start0) * gi->plane, (int) gi->plane, MPI_DOUBLE, 0, 7, comm));
    else if (!gi->rank)
      PetscCallMPI(MPI_Recv(*img, (int) gi->plane, MPI_DOUBLE, owner, 7, comm, MPI_STATUS_IGNORE));
  } else {
    int *rc = NULL, *rd = NULL;
    *rows = gi->dim == 2 ? gi->n[0] : 1;
    *cols = gi->dim == 2 ? gi->n[1] : gi->n[0];
    PetscCheck(gi->nglobal < PETSC_MPI_INT_MAX, comm, PETSC_ERR_SUP, "-png: image too large");
    if (!gi->rank) {
      PetscCall(PetscMalloc1(gi->nglobal, img));
      PetscCall(PetscMalloc2(gi->size, &rc, gi->size, &rd));
      for (PetscMPIInt r = 0; r < gi->size; r++) {
        rc[r] = (int) (counts[r] * gi->plane);
        rd[r] = (int) (starts[r] * gi->plane);
      }
    }
    PetscCallMPI(MPI_Gatherv(field, (int) gi->nlocal, MPI_DOUBLE, *img, rc, rd, MPI_DOUBLE, 0, comm));
    if (!gi->rank) PetscCall(PetscFree2(rc, rd));
  }
  PetscFunctionReturn(0);
}

/* rank 0's result of writing, known to every rank */
static PetscErrorCode Written(MPI_Comm comm, PetscErrorCode ierr, const char path[])
{
  int err = ierr ? 1 : 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "-png %s: cannot write the image", path);
  PetscFunctionReturn(0);
}

PetscErrorCode OTPngWriteField(OTGrid g, const double *field, const char path[], OTColormap cmap)
{
  const OTGridInfo *gi;
  MPI_Comm          comm;
  double           *img;
  ptrdiff_t         rows, cols;
  PetscErrorCode    ierr = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(OT_PngWrite, 0, 0, 0, 0));
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  PetscCall(GatherImage(g, field, &rows, &cols, &img));
  if (!gi->rank) {
    ierr = gi->dim == 1 ? WriteProfile(path, cols, img) : WriteImage(path, rows, cols, img, cmap);
    PetscCall(PetscFree(img));
  }
  PetscCall(Written(comm, ierr, path));
  PetscCall(PetscLogEventEnd(OT_PngWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* n fields on one colour scale: side by side (up to 4 per row, a blank gap between), or, in 1-D, one row each with the
   first at the bottom (a space-time picture). */
PetscErrorCode OTPngWriteMontage(OTGrid g, PetscInt n, const double *const fields[], const char path[])
{
  const OTGridInfo *gi;
  MPI_Comm          comm;
  double           *img, *all = NULL;
  ptrdiff_t         rows, cols, gap, tc, tr, W = 0, H = 0;
  PetscErrorCode    ierr = 0;

  PetscFunctionBegin;
  PetscCall(OTGridGetInfo(g, &gi));
  PetscCall(OTGridGetComm(g, &comm));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(GatherImage(g, fields[k], &rows, &cols, &img));
    if (gi->rank) continue;
    gap = gi->dim == 1 ? 0 : PetscMax((ptrdiff_t) 1, PetscMax(rows, cols) / 32);
    tc  = gi->dim == 1 ? 1 : PetscMin(n, (PetscInt) 4);
    tr  = (n + tc - 1) / tc;
    W   = tc * cols + (tc - 1) * gap;
    H   = tr * rows + (tr - 1) * gap;
    if (!all) {
      PetscCall(PetscMalloc1(W * H, &all));
      for (ptrdiff_t i = 0; i < W * H; i++) all[i] = NAN;
    }
    {
      /* tile k: row k / tc from the top (image rows are flipped: the last array row is the top), column k % tc */
      const ptrdiff_t r0 = (tr - 1 - k / tc) * (rows + gap), c0 = (k % tc) * (cols + gap);
      for (ptrdiff_t r = 0; r < rows; r++) PetscCall(PetscArraycpy(all + (r0 + r) * W + c0, img + r * cols, cols));
    }
    PetscCall(PetscFree(img));
  }
  if (!gi->rank) {
    ierr = WriteImage(path, H, W, all, OT_CMAP_VIRIDIS);
    PetscCall(PetscFree(all));
  }
  PetscCall(Written(comm, ierr, path));
  PetscFunctionReturn(0);
}

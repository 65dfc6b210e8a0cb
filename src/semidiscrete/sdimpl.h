/* sdimpl.h: private types of the semi-discrete solver: tagged convex polytopes, the weighted k-d tree of the sites, the
   per-cell integration workspace and the solver object. */
#pragma once
#include "../core/solverimpl.h"
#include <otmpi/otsemidiscrete.h>
#include <otmpi/otio.h>
#include <otmpi/otlog.h>

/* ---- convex polygons (2-D) and polyhedra (3-D) whose sides carry tags ----
   tag >= 0: the side lies on the bisector with site `tag`; -1-2k / -2-2k: the lower / upper domain wall of axis k;
   SD_TAG_GRID: a cut along a voxel wall made while integrating. */
#define SD_TAG_GRID         (-100)
#define SDWallTag(k, upper) (-1 - 2 * (k) - ((upper) ? 1 : 0))

typedef enum {
  SD_CLIP_CHANGED,
  SD_CLIP_UNCHANGED, /* the polytope lies in the half-space: the output was not written */
  SD_CLIP_EMPTY      /* nothing of positive measure is left */
} SDClipResult;

typedef struct {
  int     n, cap;
  double *x;   /* 2 n coordinates, counter-clockwise */
  int    *tag; /* side k goes from vertex k to vertex k + 1 */
} SDPoly2;

typedef struct {
  int     nv, vcap, nf, fcap, ni, icap;
  double *v;          /* 3 nv coordinates */
  int    *fs, *fn;    /* face k: vertex ids idx[fs[k]], ..., idx[fs[k] + fn[k] - 1], counter-clockwise seen from outside */
  int    *ftag, *idx; /* tag of each face; the flat list of face vertex ids */
} SDPoly3;

/* Scratch space of the 3-D clipper (per vertex values, cut edges, the cap being built). */
typedef struct {
  int     cap, ecap;
  double *s, *ang;
  int    *nid, *capv, *ekey, *eid, *ehead, *enext;
} SDClip3Work;

PETSC_INTERN PetscErrorCode SDPoly2Reserve(SDPoly2 *, int);
PETSC_INTERN PetscErrorCode SDPoly2Free(SDPoly2 *);
PETSC_INTERN void           SDPoly2Box(SDPoly2 *, const double[], const double[]);
PETSC_INTERN SDClipResult   SDPoly2Clip(const SDPoly2 *, const double[], double, int, double, SDPoly2 *);
PETSC_INTERN void           SDPoly2Moments(const SDPoly2 *, const double[], double *, double[], double *);

PETSC_INTERN PetscErrorCode SDPoly3Reserve(SDPoly3 *, int, int, int);
PETSC_INTERN PetscErrorCode SDPoly3ReserveFor(SDPoly3 *, const SDPoly3 *, SDClip3Work *);
PETSC_INTERN PetscErrorCode SDPoly3Free(SDPoly3 *);
PETSC_INTERN PetscErrorCode SDClip3WorkFree(SDClip3Work *);
PETSC_INTERN void           SDPoly3Box(SDPoly3 *, const double[], const double[]);
PETSC_INTERN SDClipResult   SDPoly3Clip(const SDPoly3 *, const double[], double, int, double, SDPoly3 *, SDClip3Work *);
PETSC_INTERN void           SDPoly3Moments(const SDPoly3 *, const double[], double *, double[], double *);
PETSC_INTERN double         SDPolygon3Area(int, const double *);
PETSC_INTERN int            SDPolygon3Clip(int, const double *, int, double, double, double, double *);

/* ---- k-d tree of the sites with an affine model of the weights of each subtree (weight-aware pruning) ----
   The weights of a node's sites satisfy w_j <= a + b.(y_j - c) + del: the affine part follows the large-scale trend
   of the weights (their gradient is twice the local displacement of the map), so that the bound stays tight. */
typedef struct {
  double lo[3], hi[3]; /* bounding box of the node's sites */
  double c[3];         /* centroid of the node's sites */
  double a, b[3], del; /* least-squares affine fit of their weights about c, and its largest excess */
  int    start, count; /* the sites perm[start .. start + count) */
  int    left, right;  /* children, -1 for a leaf */
} SDNode;

typedef struct {
  int     dim, m, nnodes, leaf;
  SDNode *node;
  int    *perm;
} SDTree;

PETSC_INTERN PetscErrorCode SDTreeBuild(SDTree *, int, int, const double *);
PETSC_INTERN void           SDTreeSetWeights(SDTree *, const double *, const double *);
PETSC_INTERN PetscErrorCode SDTreeFree(SDTree *);
PETSC_INTERN int            SDTreePowerNearest(const SDTree *, const double *, const double *, const double[], int);

/* ---- one cell and its integration over the owned voxels ---- */
typedef struct {
  double n[3], c; /* the cell lies in n.x <= c (n unit) */
  int    tag;
} SDPlane;

#define SD_NPOLY 11

typedef struct {
  int         dim;
  SDPoly2     p2[SD_NPOLY]; /* the cell (p[0], p[1] its swap buffer), then per level of voxel layers (axis k) */
  SDPoly3     p3[SD_NPOLY]; /* three buffers: the layer's piece and the remainder of the sweep (two) */
  SDClip3Work w3;
  double     *fpoly[5]; /* a facet (3-D polygon), its pieces cut by voxel walls and a scratch; room for fcap vertices */
  int         fcap;
  SDPlane    *pl; /* the planes of the cell's faces (bisectors only), for the interior-voxel test */
  int         npl, plcap;
  int        *heap; /* k-d tree traversal: node ids and their keys */
  double     *hkey;
  int         hcap;
  int        *nbuf, nbcap;              /* the sorted neighbours of a cell */
  long        ncell, npop, nclip, ncut; /* statistics of the cell searches (reported by -info) */
} SDCellWork;

/* What the integration adds up, per site (local partial sums) and per face (COO triplets of the Hessian). */
typedef struct {
  PetscInt  m;   /* sites the arrays have room for */
  double   *buf; /* mass (m), then mom (m * dim), then cost (m): reduced in one call */
  double   *mass, *mom, *cost;
  PetscInt  ncoo, coocap;
  PetscInt *ci, *cj;
  double   *cv;
  PetscBool want_hessian;
  int      *exp, nexp, expcap; /* cells reaching other ranks' slabs: (site, first plane, last plane) */
} SDAccum;

struct _p_OTSD {
  MPI_Comm          comm;
  PetscMPIInt       rank, size;
  OTGrid            grid;
  const OTGridInfo *gi;
  PetscInt          dim;
  double           *rho;            /* normalised density on the owned slab (own copy) */
  double            dlo[3], dhi[3]; /* domain box */
  double            tol, flat_tol;  /* clipping tolerance; faces thinner than flat_tol lie in a plane */
  double            clip_tol;       /* -sd_clip_tol, relative to the domain size */

  /* input points (m0) and distinct sites (m): coincident points are merged into one site */
  PetscInt  m0, m;
  double   *y0, *nu0, *ylloyd; /* input points, normalised target masses, current positions (moved by Lloyd) */
  double   *y, *nu;            /* sites and their target masses */
  PetscInt *site_of, *rep;     /* input point -> site; site -> its first input point */
  SDTree    tree;

  /* state of the solve */
  double *w, *wlo, *res; /* weights (w + wlo: a double-double, see newton.c); cell masses, first moments and
                              transport cost per site (one buffer) */
  const double *ewlo;    /* low parts of the weights of the evaluation under way */
  double       *mass, *mom, *cost;
  double        eps0, mass_error, gnorm, transport_cost;
  PetscInt      its, lloyd_done;
  PetscBool     have_moments, setup;
  double       *nd, *nwt, *nwtlo; /* the Newton direction and the trial weights (a double-double) */

  /* options (-tol, -max_it, checkpoints: the iteration core) */
  OTSolver  core;
  PetscInt  max_halvings, lloyd;
  PetscBool quiet, pin;
  double    merge_tol;
  KSP       ksp;

  /* evaluation workspace; the neighbours of each cell at the previous and at the current evaluation (a warm start
     for building the cell again: offsets -1 where this rank did not build it) */
  SDCellWork cw;
  int       *nbo[2], *nbn[2], *nbp[2], nbcap[2], nbused[2], nbcur;
  SDAccum    acc;
  PetscInt  *owned, nowned;
};

/* the evaluation of the diagram (evaluate.c) and the integration of one cell (cell.c, integrate.c) */
PETSC_INTERN PetscErrorCode SDCellWorkInit(SDCellWork *, int);
PETSC_INTERN PetscErrorCode SDCellWorkFree(SDCellWork *);
PETSC_INTERN PetscErrorCode SDBuildCell(OTSD, PetscInt, const double *, SDCellWork *, PetscBool *);
PETSC_INTERN PetscErrorCode SDNeighboursReset(OTSD, PetscBool);
PETSC_INTERN void          *SDPiece(SDCellWork *, int);
PETSC_INTERN int            SDPieceFaces(const SDCellWork *, const void *, const int **);
PETSC_INTERN PetscErrorCode SDPieceClip(SDCellWork *, const void *, const double[], double, int, double, void *, SDClipResult *);
PETSC_INTERN void           SDPieceExtent(const SDCellWork *, const void *, int, double *, double *);
PETSC_INTERN void           SDExtent(const double *, int, int, int, double *, double *);
PETSC_INTERN PetscErrorCode SDIntegrateCell(OTSD, PetscInt, const double *, SDCellWork *, SDAccum *);
PETSC_INTERN PetscErrorCode SDAccumReset(OTSD, SDAccum *, PetscBool);
PETSC_INTERN PetscErrorCode SDAccumFree(SDAccum *);
PETSC_INTERN PetscErrorCode SDAccumAddFace(SDAccum *, PetscInt, PetscInt, double);
PETSC_INTERN PetscErrorCode SDEvaluate(OTSD, const double *, const double *, PetscBool, double, PetscBool *);
PETSC_INTERN PetscErrorCode SDInitWeights(OTSD, const double *);
PETSC_INTERN PetscErrorCode SDMassStats(OTSD, double *, double *, double *);
PETSC_INTERN PetscErrorCode SDAssembleHessian(OTSD, PetscBool, Mat *);
PETSC_INTERN double         SDSum(PetscInt, const double *);
PETSC_INTERN PetscErrorCode SDSetSites(OTSD, const double *);
PETSC_INTERN PetscErrorCode SDSetSiteArrays(OTSD, PetscInt, const double *, const double *);
PETSC_INTERN PetscErrorCode SDNewton(OTSD);
PETSC_INTERN PetscErrorCode SDNewtonStep(void *, OTSolver);
PETSC_INTERN PetscErrorCode SDCheckpointWrite(void *, OTH5);
PETSC_INTERN PetscErrorCode SDCheckpointRead(void *, OTH5, const char[]);

PETSC_INTERN PetscLogEvent SD_Cells, SD_Integrate, SD_Facets, SD_Reduce, SD_Assemble, SD_Solve, SD_Labels;

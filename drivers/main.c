/* main.c: bin/otmpi, the command dispatcher: `mpiexec -n P bin/otmpi COMMAND [options]`. */
#include "commands.h"
#include "../src/sys/sysimpl.h"

static const OTCommand commands[] = {
    {"gen", OTCommandGen, "write synthetic densities or point clouds", PETSC_FALSE},
    {"info", OTCommandInfo, "print shape, geometry, mass, min/max and attributes of files", PETSC_FALSE},
    {"convert", OTCommandConvert, "rewrite a density (HDF5 or NIfTI, optionally one label) as an otmpi HDF5 density", PETSC_FALSE},
    {"sinkhorn", OTCommandSinkhorn, "entropic OT between two grid densities (convolutional Sinkhorn)", PETSC_TRUE},
    {"barycenter", OTCommandBarycenter, "entropic Wasserstein barycenter of K grid densities", PETSC_TRUE},
    {"dynamic", OTCommandDynamic, "Benamou-Brenier dynamic OT between two grid densities", PETSC_TRUE},
    {"semidiscrete", OTCommandSemidiscrete, "semi-discrete OT from a grid density to a weighted point cloud", PETSC_TRUE},
    {"jko", OTCommandJKO, "Wasserstein gradient flow of a density (entropic JKO steps): heat, porous medium, Fokker-Planck, crowd motion", PETSC_TRUE},
};
static const int ncommands = (int) (sizeof commands / sizeof commands[0]);

static const char usage[] = "otmpi: MPI-parallel optimal transport on grids\n"
                            "usage: mpiexec -n P otmpi COMMAND [options]   (otmpi COMMAND -help lists the options of COMMAND)\n";

PetscErrorCode OTDriverHelpRequested(PetscBool *help)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, help));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDriverSolverDefaults(OTSolver core, const char out[])
{
  char ckpt[PETSC_MAX_PATH_LEN + 16];

  PetscFunctionBegin;
  PetscCall(OTCheckpointDefaultPath(out, ckpt, sizeof ckpt));
  PetscCall(OTSolverSetCheckpoint(core, ckpt, PETSC_DEFAULT));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDriverNotConverged(OTSolver core, const char name[])
{
  double   tol;
  PetscInt max_it;

  PetscFunctionBegin;
  PetscCall(OTSolverGetTolerances(core, &tol, &max_it));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: not converged to -tol %g in -max_it %" PetscInt_FMT " iterations\n", name, tol, max_it));
  PetscFunctionReturn(0);
}

PetscErrorCode OTDriverOutputOptions(PetscOptionItems *PetscOptionsObject, const char what[], char out[], size_t olen, char png[], size_t plen,
                                     PetscBool *has_png)
{
  PetscBool set, help;

  PetscFunctionBegin;
  PetscCall(PetscOptionsString("-o", what, NULL, out, out, olen, &set));
  PetscCall(PetscOptionsString("-png", "PNG snapshot (2-D field, middle plane of a 3-D field)", NULL, png, png, plen, has_png));
  {
    /* read where they act (sys, io); listed here, with those defaults, for -help */
    PetscBool quiet    = PETSC_FALSE;
    char      mesh[16] = OT_XDMF_MESH_DEFAULT, mem[32] = "";
    PetscCall(PetscOptionsBool("-quiet", "no set-up or progress lines: only the final summary line, warnings and errors", NULL, quiet, &quiet, NULL));
    PetscCall(PetscOptionsString("-xdmf_mesh", "XDMF sidecar mesh: corect (compact, ParaView) or explicit (points + cells, e.g. meshio)", NULL, mesh, mesh,
                                 sizeof mesh, NULL));
    PetscCall(PetscOptionsString("-memory_limit", "memory per node to plan with (e.g. 8GiB; default: available memory or the cgroup limit)", NULL, mem, mem,
                                 sizeof mem, NULL));
  }
  PetscCall(OTDriverHelpRequested(&help));
  if (!help) {
    PetscCheck(set && out[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-o OUT.h5 is required");
    PetscCall(OTOutputCheckPath(PETSC_COMM_WORLD, out, "-o"));
    if (*has_png) PetscCall(OTOutputCheckPath(PETSC_COMM_WORLD, png, "-png"));
  }
  PetscFunctionReturn(0);
}

/* -monitor and -progress_interval are options of every command (the contract) but act only in the solvers' iteration
   core: the commands without one accept them without the unused-option warning. */
static PetscErrorCode AcceptProgressOptions(void)
{
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-monitor", &set));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-progress_interval", &set));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const OTCommand *cmd = NULL;
  char           **pargs;
  int              npos = 0, nargc = 1, first = 2, status;
  char           **nargv;
  PetscErrorCode   ierr;
  char             help[4096];

  for (int i = 0; i < ncommands; i++)
    if (argc > 1 && !strcmp(argv[1], commands[i].name)) cmd = &commands[i];
  /* positional arguments follow the command, up to the first option */
  while (first + npos < argc && argv[first + npos][0] != '-') npos++;
  pargs    = argv + first;
  nargv    = (char **) malloc(sizeof(char *) * (size_t) (argc + 1));
  nargv[0] = argv[0];
  for (int i = first + npos; i < argc; i++) nargv[nargc++] = argv[i];
  if (!cmd) { /* no command: every argument goes to PETSc (otmpi -help, otmpi -version) */
    nargc = 1;
    npos  = 0;
    for (int i = 1; i < argc; i++)
      if (argv[i][0] == '-') nargv[nargc++] = argv[i];
  }
  nargv[nargc] = NULL;
  snprintf(help, sizeof help, "%s", usage);
  if (cmd)
    snprintf(help, sizeof help, "otmpi %s: %s\nusage: mpiexec -n P otmpi %s [options]\n", cmd->name, cmd->summary, cmd->name);
  else {
    snprintf(help + strlen(help), sizeof help - strlen(help), "commands:\n");
    for (int i = 0; i < ncommands; i++) snprintf(help + strlen(help), sizeof help - strlen(help), "  %-13s %s\n", commands[i].name, commands[i].summary);
  }
  /* Open MPI's MPI-IO: every rank's slab is one contiguous range of the file, so the two-phase aggregation of the
     default collective module only adds a shuffle; "individual" writes each rank's range directly (measured 2x faster
     for a 512^3 field at 2 ranks, README). A value set by the user (or a job script, e.g. for Lustre) is kept. */
  setenv("OMPI_MCA_fcoll", "individual", 0);
  if (OTSetCommandLine(argc, argv)) return 1;
  ierr = OTInitialize(&nargc, &nargv, help);
  if (ierr) return 1;
  if (!cmd) {
    PetscBool version, hashelp;
    PetscOptionsHasName(NULL, NULL, "-version", &version);
    PetscOptionsHasHelp(NULL, &hashelp);
    if (version)
      PetscPrintf(PETSC_COMM_WORLD, "otmpi %s\n", OTVersion());
    else if (!hashelp) {
      if (argc > 1 && argv[1][0] != '-')
        PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "otmpi: error: unknown command '%s' (run otmpi -help for the list)\n", argv[1]);
      else
        PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR, "otmpi: error: no command given (run otmpi -help for the list)\n");
      OTFinalize();
      free(nargv);
      return 1;
    }
    OTFinalize();
    free(nargv);
    return 0;
  }
  ierr = OTSignalSetCheckpointing(cmd->checkpoints);
  if (!ierr && !cmd->checkpoints) ierr = AcceptProgressOptions();
  if (!ierr) ierr = cmd->run(npos, pargs);
  if (!ierr) ierr = OTReportUnusedOptions(PETSC_COMM_WORLD);
  ierr   = OTErrorReport(ierr);
  status = ierr ? 1 : OTGetExitStatus();
  OTFinalize();
  free(nargv);
  return status;
}

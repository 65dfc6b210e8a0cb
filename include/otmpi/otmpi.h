/* otmpi.h: the public API of otmpi, MPI-parallel optimal transport on grids (include this one header). */
#pragma once
#include <otmpi/otsys.h>
#include <otmpi/otlog.h>
#include <otmpi/otgrid.h>
#include <otmpi/otio.h>
#include <otmpi/otkernel.h>
#include <otmpi/otsolver.h>
#include <otmpi/otsinkhorn.h>
#include <otmpi/otbarycenter.h>
#include <otmpi/otdynamic.h>
#include <otmpi/otsemidiscrete.h>
#include <otmpi/otjko.h>

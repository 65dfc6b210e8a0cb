/* otmpi.h: the public API of otmpi, MPI-parallel optimal transport on grids (include this one header). */
#pragma once
#include <otsys.h>
#include <otlog.h>
#include <otgrid.h>
#include <otio.h>
#include <otdynamic.h>

# otmpi: MPI-parallel optimal transport on grids. `make` builds lib/libotmpi.a and bin/otmpi out of tree (build/).
# Targets: all deps demo check bench install format lint clean print. V=1 shows full commands.

PREFIX  ?= /usr/local
BUILD   ?= build
PKGS    := PETSc hdf5-openmpi fftw3 libpng
# Debian 12 packages otmpi needs to build and test (make deps installs the missing ones)
DEB_BUILD := openmpi-bin libopenmpi-dev petsc-dev libfftw3-dev libfftw3-mpi-dev libhdf5-openmpi-dev hdf5-tools pkg-config \
             libpng-dev libniftiio-dev libnifti2-dev libznz-dev zlib1g-dev make gcc
DEB_TEST  := python3 python3-numpy python3-h5py python3-pot python3-meshio mricron-data slurm-wlm munge shellcheck clang-format bc procps \
             paraview python3-paraview xvfb libgl1-mesa-dri
PYTHON  ?= /usr/bin/python3

PKGCONFIG = $(shell pkg-config $(1) $(PKGS) 2>/dev/null)
CC      := mpicc
GIT     := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CPPFLAGS := -Iinclude -I/usr/include/nifti $(call PKGCONFIG,--cflags) -DOTMPI_GIT=\"$(GIT)\"
CFLAGS  ?= -O3 -march=native -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -MMD -MP
LDLIBS  := $(call PKGCONFIG,--libs) -lfftw3_mpi -lfftw3 -lniftiio -lznz -lz -lm

# the library and binary (make asan builds another pair under build-asan/)
LIBA    ?= lib/libotmpi.a
BINA    ?= bin/otmpi

LIB_SRC  := $(sort $(wildcard src/*/*.c))
DRV_SRC  := $(sort $(wildcard drivers/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
EX_SRC   := $(sort $(wildcard examples/*.c))
EX_BIN   := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
DRV_OBJ  := $(DRV_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

Q = $(if $(V),,@)

.PHONY: all deps demo check bench install format lint clean print asan
all: $(LIBA) $(BINA) $(UNIT_BIN) $(EX_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC    $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  AR    $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BINA): $(DRV_OBJ) $(LIBA)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(DRV_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# examples/*.c: short programs using the library, built like any program that links it
$(BUILD)/examples/%: examples/%.c $(LIBA)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC    $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# the git commit is baked into the version string: rebuild init.o when HEAD moves
$(BUILD)/src/sys/init.o: $(wildcard .git/HEAD .git/refs/heads/*)

deps:
	@tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run $(T)

# AddressSanitizer build (build-asan/bin/otmpi) and the fuzz case run on it (leaks not reported: MPI's own;
# reports raised inside libhdf5 on corrupt files suppressed: tests/asan.supp)
ASAN_DIR := build-asan
asan: deps
	@$(MAKE) --no-print-directory BUILD=$(ASAN_DIR) LIBA=$(ASAN_DIR)/lib/libotmpi.a BINA=$(ASAN_DIR)/bin/otmpi \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address" $(ASAN_DIR)/bin/otmpi
	@OTMPI_BIN=$(CURDIR)/$(ASAN_DIR)/bin/otmpi ASAN_OPTIONS=detect_leaks=0:suppressions=$(CURDIR)/tests/asan.supp tests/run 13-fuzz

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run $(B)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/otmpi
	install -m 755 bin/otmpi $(DESTDIR)$(PREFIX)/bin/otmpi
	install -m 644 lib/libotmpi.a $(DESTDIR)$(PREFIX)/lib/libotmpi.a
	install -m 644 include/otmpi/*.h $(DESTDIR)$(PREFIX)/include/otmpi/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|0.1.0|' otmpi.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/otmpi.pc

format:
	clang-format -i include/otmpi/*.h src/*/*.[ch] drivers/*.[ch] tests/unit/*.[ch] examples/*.c

lint:
	cppcheck --quiet --enable=warning,performance --inline-suppr -Iinclude src drivers
	@echo "functions over 80 lines (tests/lib/funclen.sh):"; tests/lib/funclen.sh 80

clean:
	rm -rf $(BUILD) $(ASAN_DIR) bin lib

print:
	@echo CC=$(CC); echo CPPFLAGS=$(CPPFLAGS); echo CFLAGS=$(CFLAGS); echo LDLIBS=$(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(DRV_OBJ:.o=.d) $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d) $(EX_BIN:%=%.d)

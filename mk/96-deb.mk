# SPDX-License-Identifier: GPL-2.0-or-later
# Debian packages (packaging/debian, built by packaging/debian/build-debs.sh):
#
#   make deb          bmsd and bmsd-sim for amd64, arm64 and armhf, and
#                     bmsd-firmware (all), in build/deb/, each set
#                     lintian-clean (no error, no warning)
#   make deb-amd64    one architecture (also deb-arm64, deb-armhf)
#
# The build machine's own architecture builds with the build dependencies
# that `make deps` installs. The others cross-build in a Debian 12 chroot,
# build/deb/chroot, that mmdebstrap makes once (as root, about a minute and
# 1 GiB); DEB_CHROOT= cross-builds on this machine's own multiarch set-up
# instead. An architecture is built again only when the tree changed
# (DEB_FORCE=1: always).
DEB_ARCHS := amd64 arm64 armhf
DEB_OUT := $(B)/deb

.PHONY: deb $(addprefix deb-,$(DEB_ARCHS))
deb:
	@$(if $(filter-out undefined,$(origin DEB_CHROOT)),DEB_CHROOT='$(DEB_CHROOT)') \
		packaging/debian/build-debs.sh $(DEB_OUT) $(DEB_ARCHS)

$(addprefix deb-,$(DEB_ARCHS)): deb-%:
	@$(if $(filter-out undefined,$(origin DEB_CHROOT)),DEB_CHROOT='$(DEB_CHROOT)') \
		packaging/debian/build-debs.sh $(DEB_OUT) $*

INTEGRATION += tests/integration/systemd_unit.sh tests/integration/pkg_install.sh

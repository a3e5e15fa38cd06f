/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * version.h: the release and the installed paths, one copy for bmsd, bmsctl
 * and the interfaces that report them.
 */
#ifndef VERSION_H
#define VERSION_H

#ifndef BMSD_VERSION
#define BMSD_VERSION "0.1.0"
#endif

#define BMSD_DEFAULT_CONFIG "/etc/bmsd/bmsd.yaml"
#define BMSD_DEFAULT_SOCKET "/run/bmsd/bmsd.sock"
#define BMSD_DEFAULT_EVDIR "/var/lib/bmsd"

#endif
